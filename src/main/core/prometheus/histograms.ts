import type { Labels, MetricFamily } from './exposition/types'
import { histogramQuantile, type Bucket } from './quantile'
import { seriesKey } from './series'

/** A sample's labels without the one that tells group members apart (`le` or `quantile`), and that one's value. */
function splitLabel(labels: Labels, name: string): { rest: Labels; value: string | undefined } {
  const rest: Labels = {}
  let value: string | undefined
  for (const [k, v] of Object.entries(labels)) {
    if (k === name) value = v
    else rest[k] = v
  }
  return { rest, value }
}

export interface HistogramGroup {
  /** The group's identity: the family name and its labels other than `le`. */
  key: string
  labels: Labels
  buckets: Bucket[]
  count: number | null
  sum: number | null
}

/** A histogram family's samples grouped per label set (without `le`), with buckets, _count and _sum. */
export function histogramGroups(family: MetricFamily): HistogramGroup[] {
  const groups = new Map<string, HistogramGroup>()
  const name = family.name
  for (const s of family.samples) {
    const { rest: labels, value: le } = splitLabel(s.labels, 'le')
    const key = seriesKey(name, labels)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { key, labels, buckets: [], count: null, sum: null }))
    const suffix = s.name.slice(name.length)
    if (suffix === '_bucket' && le !== undefined) {
      const bound = le === '+Inf' ? Infinity : Number(le)
      if (!Number.isNaN(bound)) g.buckets.push({ upperBound: bound, count: s.value })
    } else if (suffix === '_count' || suffix === '_gcount') g.count = s.value
    else if (suffix === '_sum' || suffix === '_gsum') g.sum = s.value
  }
  return [...groups.values()]
}

/** The q-quantile of each group of a histogram family, as `histogram_quantile(q, family_bucket)` would give. */
export function familyQuantiles(family: MetricFamily, q: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const g of histogramGroups(family)) out.set(g.key, histogramQuantile(q, g.buckets))
  return out
}

/**
 * Bucket increases between two scrapes of the same group, for quantiles over a window like
 * `histogram_quantile(q, rate(x_bucket[w]))`. A bucket that went down was reset: its new count
 * is the increase, as Prometheus counts resets.
 */
export function bucketIncrease(before: Bucket[], after: Bucket[]): Bucket[] {
  const prev = new Map(before.map((b) => [b.upperBound, b.count]))
  return after.map((b) => {
    const p = prev.get(b.upperBound)
    return { upperBound: b.upperBound, count: p === undefined ? b.count : b.count >= p ? b.count - p : b.count }
  })
}

export interface SummaryGroup {
  key: string
  labels: Labels
  /** As exported: Lookout never recomputes a summary's quantiles. */
  quantiles: { quantile: number; value: number }[]
  count: number | null
  sum: number | null
}

/** A summary family's samples grouped per label set (without `quantile`). */
export function summaryGroups(family: MetricFamily): SummaryGroup[] {
  const groups = new Map<string, SummaryGroup>()
  for (const s of family.samples) {
    const { rest: labels, value: q } = splitLabel(s.labels, 'quantile')
    const key = seriesKey(family.name, labels)
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { key, labels, quantiles: [], count: null, sum: null }))
    const suffix = s.name.slice(family.name.length)
    if (suffix === '' && q !== undefined) g.quantiles.push({ quantile: Number(q), value: s.value })
    else if (suffix === '_count') g.count = s.value
    else if (suffix === '_sum') g.sum = s.value
  }
  for (const g of groups.values()) g.quantiles.sort((a, b) => a.quantile - b.quantile)
  return [...groups.values()]
}
