import { matchesAll, type LabelMatcher, type RuleAggregation } from '../../../shared/alert-rules'
import type { ExpositionPage } from '../prometheus/exposition/types'
import { bucketIncrease } from '../prometheus/histograms'
import { histogramQuantile, type Bucket } from '../prometheus/quantile'
import { aggregate } from './series-rules'

/** What a rule reads from a /metrics page: a family, the series it sums, and for a ratio the denominator's. */
export interface ScrapedSource {
  metric: string
  matchers: LabelMatcher[]
  denominator?: LabelMatcher[]
}

interface Window {
  source: ScrapedSource
  histogram: boolean
  keepMs: number
  /** How many rules read it: it is dropped when the last one is released. */
  users: number
  t: number[]
  /** Sum of the matching series (the numerator for a ratio) at each scrape; NaN when none matched. */
  v: number[]
  den: number[]
  /** A histogram's buckets summed by bound (`sum by (le)`) at each scrape. */
  buckets: Bucket[][]
}

/**
 * What alert rules read from one /metrics endpoint, kept per scrape for the longest window a rule
 * asks: the sum of a counter's or gauge's matching series, a histogram's buckets summed by bound,
 * and a ratio's two sums. A window then gives `sum(rate(x[w]))`,
 * `histogram_quantile(q, sum by (le) (rate(x_bucket[w])))` or
 * `sum(increase(num[w])) / sum(increase(den[w]))`, counter resets counted as Prometheus does.
 */
export class ScrapedWindows {
  private readonly windows = new Map<string, Window>()

  /** Starts keeping what a source needs; the same source for several rules is kept once, for the longest window. */
  register(source: ScrapedSource, aggregation: RuleAggregation, windowMs: number): string {
    const histogram = aggregation === 'p95' || aggregation === 'p99'
    const key = JSON.stringify([source.metric, source.matchers, source.denominator ?? null, histogram])
    const w = this.windows.get(key)
    // One scrape before the window starts is kept too, so the window's first increase is known.
    const keepMs = windowMs + 60_000
    if (w) {
      w.keepMs = Math.max(w.keepMs, keepMs)
      w.users++
    } else this.windows.set(key, { source, histogram, keepMs, users: 1, t: [], v: [], den: [], buckets: [] })
    return key
  }

  /** A rule no longer reads it (its rules were replaced, a preview ended). */
  release(key: string): void {
    const w = this.windows.get(key)
    if (w && --w.users <= 0) this.windows.delete(key)
  }

  /** How many windows are kept (for tests). */
  get size(): number {
    return this.windows.size
  }

  update(page: ExpositionPage, tMs: number): void {
    for (const w of this.windows.values()) {
      w.t.push(tMs)
      if (w.histogram) w.buckets.push(sumBuckets(page, w.source))
      else {
        const num = sumSeries(page, w.source.metric, w.source.matchers)
        // A ratio's numerator with no series yet (no 5xx answered so far) is zero, not missing.
        w.v.push(w.source.denominator && Number.isNaN(num) ? 0 : num)
        w.den.push(w.source.denominator ? sumSeries(page, w.source.metric, w.source.denominator) : NaN)
      }
      let drop = 0
      while (drop < w.t.length - 2 && w.t[drop + 1]! < tMs - w.keepMs) drop++
      if (drop) {
        w.t.splice(0, drop)
        if (w.histogram) w.buckets.splice(0, drop)
        else {
          w.v.splice(0, drop)
          w.den.splice(0, drop)
        }
      }
    }
  }

  /** The window's value, or null when it holds too little (fewer than two scrapes, no series, nothing observed). */
  value(key: string, aggregation: RuleAggregation, windowMs: number, now: number): number | null {
    const w = this.windows.get(key)
    if (!w || w.t.length === 0) return null
    if (w.histogram) {
      const start = firstIndexFrom(w.t, now - windowMs)
      const last = w.buckets.length - 1
      if (start >= last || w.buckets[last]!.length === 0 || w.buckets[start]!.length === 0) return null
      const increase = bucketIncrease(w.buckets[start]!, w.buckets[last]!)
      const total = increase.find((b) => b.upperBound === Infinity)?.count ?? 0
      if (!(total > 0)) return null // nothing observed in the window: no latency to speak of
      const q = histogramQuantile(aggregation === 'p99' ? 0.99 : 0.95, increase)
      return Number.isFinite(q) ? q : null
    }
    const view = { t: Float64Array.from(w.t), v: Float64Array.from(w.v) }
    if (aggregation === 'ratio') {
      const num = aggregate(view, now, windowMs, 'increase')
      const den = aggregate({ t: view.t, v: Float64Array.from(w.den) }, now, windowMs, 'increase')
      if (num === null || den === null || !(den > 0)) return null
      return (num / den) * 100
    }
    return aggregate(view, now, windowMs, aggregation === 'p95' || aggregation === 'p99' ? 'last' : aggregation)
  }
}

function firstIndexFrom(t: number[], from: number): number {
  let i = 0
  while (i < t.length && t[i]! < from) i++
  return i
}

/** The sum of every sample named `metric` whose labels match; NaN when none does (the series is gone). */
function sumSeries(page: ExpositionPage, metric: string, matchers: readonly LabelMatcher[]): number {
  let sum = 0
  let n = 0
  for (const fam of page.families)
    for (const s of fam.samples)
      if (s.name === metric && matchesAll(s.labels, matchers)) {
        sum += s.value
        n++
      }
  return n ? sum : NaN
}

/** The matching series' buckets summed by bound; empty when the family is not on the page. */
function sumBuckets(page: ExpositionPage, source: ScrapedSource): Bucket[] {
  const byBound = new Map<number, number>()
  const bucketName = `${source.metric}_bucket`
  for (const fam of page.families) {
    if (fam.name !== source.metric) continue
    for (const s of fam.samples) {
      if (s.name !== bucketName) continue
      const le = s.labels.le
      if (le === undefined) continue
      const rest = { ...s.labels }
      delete rest.le
      if (!matchesAll(rest, source.matchers)) continue
      const bound = le === '+Inf' ? Infinity : Number(le)
      if (Number.isNaN(bound)) continue
      byBound.set(bound, (byBound.get(bound) ?? 0) + s.value)
    }
  }
  return [...byBound].map(([upperBound, count]) => ({ upperBound, count }))
}
