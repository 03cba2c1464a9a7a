/**
 * The history's tiers: raw points, then fixed buckets of min, max, sum and count. Sum and count
 * (rather than an average) keep a coarser bucket exact when it is built from finer ones: a
 * 15-minute bucket's average is its 1-minute buckets' sums over their counts, not an average of
 * averages. Missing points (NaN) count in no bucket.
 */

export const MINUTE_MS = 60_000
export const QUARTER_MS = 15 * MINUTE_MS

/** Buckets of one width, sorted by their start (a multiple of the width, Unix ms). */
export interface Buckets {
  start: Float64Array
  min: Float64Array
  max: Float64Array
  sum: Float64Array
  count: Float64Array
}

export function emptyBuckets(): Buckets {
  return {
    start: new Float64Array(0),
    min: new Float64Array(0),
    max: new Float64Array(0),
    sum: new Float64Array(0),
    count: new Float64Array(0)
  }
}

export const bucketOf = (t: number, width: number): number => Math.floor(t / width) * width

/** Points (sorted by time) into buckets of `width` ms. */
export function bucketPoints(t: ArrayLike<number>, v: ArrayLike<number>, width: number): Buckets {
  const start: number[] = []
  const min: number[] = []
  const max: number[] = []
  const sum: number[] = []
  const count: number[] = []
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!
    if (Number.isNaN(x)) continue
    const b = bucketOf(t[i]!, width)
    const k = start.length - 1
    if (k >= 0 && start[k] === b) {
      if (x < min[k]!) min[k] = x
      if (x > max[k]!) max[k] = x
      sum[k]! += x
      count[k]! += 1
    } else {
      start.push(b)
      min.push(x)
      max.push(x)
      sum.push(x)
      count.push(1)
    }
  }
  return {
    start: Float64Array.from(start),
    min: Float64Array.from(min),
    max: Float64Array.from(max),
    sum: Float64Array.from(sum),
    count: Float64Array.from(count)
  }
}

/** Finer buckets into buckets of `width` (a multiple of theirs). */
export function rebucket(b: Buckets, width: number): Buckets {
  const out = { start: [] as number[], min: [] as number[], max: [] as number[], sum: [] as number[], count: [] as number[] }
  for (let i = 0; i < b.start.length; i++) {
    const s = bucketOf(b.start[i]!, width)
    const k = out.start.length - 1
    if (k >= 0 && out.start[k] === s) {
      out.min[k] = Math.min(out.min[k]!, b.min[i]!)
      out.max[k] = Math.max(out.max[k]!, b.max[i]!)
      out.sum[k]! += b.sum[i]!
      out.count[k]! += b.count[i]!
    } else {
      out.start.push(s)
      out.min.push(b.min[i]!)
      out.max.push(b.max[i]!)
      out.sum.push(b.sum[i]!)
      out.count.push(b.count[i]!)
    }
  }
  return {
    start: Float64Array.from(out.start),
    min: Float64Array.from(out.min),
    max: Float64Array.from(out.max),
    sum: Float64Array.from(out.sum),
    count: Float64Array.from(out.count)
  }
}

/** Two sets of buckets of one width merged: buckets with the same start combine. */
export function mergeBuckets(a: Buckets, b: Buckets): Buckets {
  if (a.start.length === 0) return b
  if (b.start.length === 0) return a
  // Both sorted: one linear merge.
  const n = a.start.length + b.start.length
  const out = {
    start: new Float64Array(n),
    min: new Float64Array(n),
    max: new Float64Array(n),
    sum: new Float64Array(n),
    count: new Float64Array(n)
  }
  let i = 0
  let j = 0
  let k = -1
  while (i < a.start.length || j < b.start.length) {
    const fromA = j >= b.start.length || (i < a.start.length && a.start[i]! <= b.start[j]!)
    const src = fromA ? a : b
    const x = fromA ? i++ : j++
    if (k >= 0 && out.start[k] === src.start[x]) {
      out.min[k] = Math.min(out.min[k]!, src.min[x]!)
      out.max[k] = Math.max(out.max[k]!, src.max[x]!)
      out.sum[k]! += src.sum[x]!
      out.count[k]! += src.count[x]!
    } else {
      k++
      out.start[k] = src.start[x]!
      out.min[k] = src.min[x]!
      out.max[k] = src.max[x]!
      out.sum[k] = src.sum[x]!
      out.count[k] = src.count[x]!
    }
  }
  const len = k + 1
  return {
    start: out.start.subarray(0, len),
    min: out.min.subarray(0, len),
    max: out.max.subarray(0, len),
    sum: out.sum.subarray(0, len),
    count: out.count.subarray(0, len)
  }
}

/** Buckets whose start is in [from, to). */
export function sliceBuckets(b: Buckets, from: number, to: number): Buckets {
  let lo = 0
  while (lo < b.start.length && b.start[lo]! < from) lo++
  let hi = lo
  while (hi < b.start.length && b.start[hi]! < to) hi++
  return {
    start: b.start.subarray(lo, hi),
    min: b.min.subarray(lo, hi),
    max: b.max.subarray(lo, hi),
    sum: b.sum.subarray(lo, hi),
    count: b.count.subarray(lo, hi)
  }
}

/** A range read for a chart: one point per bucket, the bucket's average, min and max (NaN where empty). */
export interface Downsampled {
  t: Float64Array
  avg: Float64Array
  min: Float64Array
  max: Float64Array
}

/**
 * Points or buckets over [from, to) into at most `points` equal buckets, each placed at its start.
 * When the source has fewer points than asked, it is returned as it is (raw points stay raw).
 * A bucket with no data is NaN, so a chart shows the gap.
 */
export function downsample(src: Buckets, from: number, to: number, points: number, bucketWidth: number): Downsampled {
  if (src.start.length <= points) return bucketsAsPoints(src, bucketWidth)
  const width = (to - from) / points
  const t = new Float64Array(points)
  const sum = new Float64Array(points)
  const count = new Float64Array(points)
  const min = new Float64Array(points).fill(NaN)
  const max = new Float64Array(points).fill(NaN)
  for (let k = 0; k < points; k++) t[k] = from + k * width
  for (let i = 0; i < src.start.length; i++) {
    const k = Math.min(points - 1, Math.floor((src.start[i]! - from) / width))
    if (k < 0) continue
    sum[k]! += src.sum[i]!
    count[k]! += src.count[i]!
    if (!(src.min[i]! >= min[k]!)) min[k] = src.min[i]!
    if (!(src.max[i]! <= max[k]!)) max[k] = src.max[i]!
  }
  const avg = new Float64Array(points)
  for (let k = 0; k < points; k++) avg[k] = count[k]! > 0 ? sum[k]! / count[k]! : NaN
  return { t, avg, min, max }
}

/** Raw points over [from, to) into at most `points` equal buckets; returned as they are when they fit (gaps stay NaN). */
export function downsamplePoints(t: Float64Array, v: Float64Array, from: number, to: number, points: number): Downsampled {
  if (t.length <= points) return { t, avg: v, min: v, max: v }
  const width = (to - from) / points
  const out = { t: new Float64Array(points), sum: new Float64Array(points), count: new Float64Array(points) }
  const min = new Float64Array(points).fill(NaN)
  const max = new Float64Array(points).fill(NaN)
  for (let k = 0; k < points; k++) out.t[k] = from + k * width
  for (let i = 0; i < t.length; i++) {
    const x = v[i]!
    if (Number.isNaN(x)) continue
    const k = Math.min(points - 1, Math.floor((t[i]! - from) / width))
    if (k < 0) continue
    out.sum[k]! += x
    out.count[k]! += 1
    if (!(x >= min[k]!)) min[k] = x
    if (!(x <= max[k]!)) max[k] = x
  }
  const avg = new Float64Array(points)
  for (let k = 0; k < points; k++) avg[k] = out.count[k]! > 0 ? out.sum[k]! / out.count[k]! : NaN
  return { t: out.t, avg, min, max }
}

/** Buckets as chart points when they fit, with a NaN point wherever buckets are missing, so a chart shows the gap. */
export function bucketsAsPoints(b: Buckets, width: number): Downsampled {
  const t: number[] = []
  const avg: number[] = []
  const min: number[] = []
  const max: number[] = []
  for (let i = 0; i < b.start.length; i++) {
    if (i > 0 && b.start[i]! - b.start[i - 1]! > width) {
      t.push(b.start[i - 1]! + width)
      avg.push(NaN)
      min.push(NaN)
      max.push(NaN)
    }
    t.push(b.start[i]!)
    avg.push(b.sum[i]! / b.count[i]!)
    min.push(b.min[i]!)
    max.push(b.max[i]!)
  }
  return { t: Float64Array.from(t), avg: Float64Array.from(avg), min: Float64Array.from(min), max: Float64Array.from(max) }
}
