import { ApiError } from '../../../shared/api'
import { MAX_LISTED_WARNINGS, type ExploredPage, type ExploredSeries, type FormatWarning } from '../../../shared/prometheus'
import type { SeriesInfo } from '../../../shared/schemas'
import type { SeriesSample } from '../collector'
import { ScrapeDeriver, type SeriesPoint } from './derive'
import type { ExpositionPage } from './exposition/types'
import { bucketIncrease, histogramGroups, type HistogramGroup } from './histograms'
import { histogramQuantile, type Bucket } from './quantile'

interface Watch {
  info: SeriesInfo
  key: string
  /** For histogram groups: the quantile charted over each scrape window. */
  quantile: number | null
}

/** Quantiles offered for a histogram group in the list: the window's p95. */
const LIST_QUANTILE = 0.95

/**
 * What one /metrics endpoint exposes, kept from its last scrape: every series with its value
 * and, for counters, its rate; every histogram group with its quantile over the last window.
 * Series someone watches are charted on every scrape.
 */
export class SeriesExplorer {
  private readonly deriver = new ScrapeDeriver()
  private points: SeriesPoint[] = []
  private groups = new Map<string, { family: string; now: Bucket[]; window: Bucket[] | null }>()
  private readonly watches = new Map<string, Watch>()
  private warnings: FormatWarning[] = []

  constructor(private readonly targetId: string) {}

  update(page: ExpositionPage, text: string, tMs: number): void {
    this.points = this.deriver.update(page, text, tMs)
    this.warnings = page.warnings
    const next = new Map<string, { family: string; now: Bucket[]; window: Bucket[] | null }>()
    for (const fam of page.families) {
      if (fam.type !== 'histogram') continue
      for (const g of histogramGroups(fam) as HistogramGroup[]) {
        const prev = this.groups.get(g.key)
        next.set(g.key, { family: fam.name, now: g.buckets, window: prev ? bucketIncrease(prev.now, g.buckets) : null })
      }
    }
    this.groups = next
  }

  /** Series and histogram groups whose identity contains `search` (any case), at most `limit`. */
  list(search: string, limit: number): ExploredPage {
    const needle = search.toLowerCase()
    const all: ExploredSeries[] = []
    for (const [key, g] of this.groups) {
      if (needle && !key.toLowerCase().includes(needle)) continue
      const q = g.window ? histogramQuantile(LIST_QUANTILE, g.window) : NaN
      all.push({ key, family: g.family, type: 'histogram', value: Number.isFinite(q) ? q : null, rate: null, quantile: LIST_QUANTILE })
    }
    for (const p of this.points) {
      if (needle && !p.ref.key.toLowerCase().includes(needle)) continue
      all.push({
        key: p.ref.key,
        family: p.family,
        type: p.type,
        value: Number.isFinite(p.value) ? p.value : null,
        rate: Number.isFinite(p.rate) ? p.rate : null,
        quantile: null
      })
    }
    all.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    return {
      series: all.slice(0, limit),
      total: all.length,
      warnings: this.warnings.slice(0, MAX_LISTED_WARNINGS),
      warningCount: this.warnings.length
    }
  }

  watch(key: string, quantile: number | null): SeriesInfo {
    const isGroup = this.groups.has(key)
    const point = this.points.find((p) => p.ref.key === key)
    if (!isGroup && !point) throw new ApiError('not_found', `the last scrape has no series ${key}`)
    const q = isGroup ? (quantile ?? LIST_QUANTILE) : null
    const charted = isGroup
      ? `p${Math.round(q! * 1000) / 10}`
      : point!.type === 'counter' || point!.ref.key.endsWith('_count') || point!.ref.key.endsWith('_sum')
        ? 'rate/s'
        : ''
    const seriesId = `${this.targetId}|${q ?? ''}|${key}`
    const info: SeriesInfo = {
      seriesId,
      targetId: this.targetId,
      label: `${key}${charted ? ` (${charted})` : ''}`,
      unit: isGroup ? 's' : charted === 'rate/s' ? '/s' : ''
    }
    this.watches.set(seriesId, { info, key, quantile: q })
    return info
  }

  unwatch(seriesId: string): boolean {
    return this.watches.delete(seriesId)
  }

  watched(): SeriesInfo[] {
    return [...this.watches.values()].map((w) => w.info)
  }

  /** One chart sample per watched series from the last scrape (NaN where the series is gone). */
  samples(): SeriesSample[] {
    const out: SeriesSample[] = []
    for (const w of this.watches.values()) {
      if (w.quantile !== null) {
        const g = this.groups.get(w.key)
        out.push({ seriesId: w.info.seriesId, value: g?.window ? histogramQuantile(w.quantile, g.window) : NaN })
        continue
      }
      const p = this.points.find((x) => x.ref.key === w.key)
      const counterLike = w.info.unit === '/s'
      out.push({ seriesId: w.info.seriesId, value: p ? (counterLike ? p.rate : p.value) : NaN })
    }
    return out
  }
}
