/** One cumulative bucket of a classic histogram: observations <= upperBound. */
export interface Bucket {
  upperBound: number
  count: number
}

/**
 * The q-quantile of a classic histogram, computed the way Prometheus's `histogram_quantile`
 * does (2.x): buckets sorted by bound, equal bounds merged, counts forced monotonic, then linear
 * interpolation inside the bucket where the rank falls; the lowest bucket starts at 0 when its
 * bound is positive; a rank in the +Inf bucket gives the highest finite bound.
 */
export function histogramQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity
  const buckets = [...input].sort((a, b) => a.upperBound - b.upperBound)
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upperBound !== Infinity) return NaN
  // Merge buckets with the same bound (e.g. "1" and "1.0" from two exporters).
  const merged: Bucket[] = []
  for (const b of buckets) {
    const last = merged[merged.length - 1]
    if (last && last.upperBound === b.upperBound) last.count += b.count
    else merged.push({ upperBound: b.upperBound, count: b.count })
  }
  // Cumulative counts can dip between scrapes of different buckets; never let them go down.
  let max = -Infinity
  for (const b of merged) {
    if (b.count < max) b.count = max
    else max = b.count
  }
  if (merged.length < 2) return NaN
  const observations = merged[merged.length - 1]!.count
  if (!(observations > 0)) return NaN
  let rank = q * observations
  // The first bucket (ignoring +Inf) whose count reaches the rank.
  let b = 0
  while (b < merged.length - 1 && merged[b]!.count < rank) b++
  if (b === merged.length - 1) return merged[merged.length - 2]!.upperBound
  if (b === 0 && merged[0]!.upperBound <= 0) return merged[0]!.upperBound
  let start = 0
  const end = merged[b]!.upperBound
  let count = merged[b]!.count
  if (b > 0) {
    start = merged[b - 1]!.upperBound
    count -= merged[b - 1]!.count
    rank -= merged[b - 1]!.count
  }
  return start + (end - start) * (rank / count)
}
