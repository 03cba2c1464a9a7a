import type { ExpositionPage } from './exposition/types'
import type { ParsedSample } from './exposition/parser'
import { SeriesInterner, type SeriesRef } from './series'

/** Which samples are counters, whose raw value means little and whose rate means a lot. */
export function isCounterSample(familyType: string, familyName: string, sampleName: string): boolean {
  const suffix = sampleName.slice(familyName.length)
  if (familyType === 'counter') return suffix === '_total' || (suffix === '' && sampleName === familyName)
  if (familyType === 'histogram') return suffix === '_bucket' || suffix === '_count' || suffix === '_sum'
  if (familyType === 'summary') return suffix === '_count' || suffix === '_sum'
  return false
}

export interface SeriesPoint {
  ref: SeriesRef
  family: string
  type: string
  value: number
  /** Per-second rate since the previous scrape, for counters; NaN on the first scrape. */
  rate: number
  /** True when this counter went down since the previous scrape (a restart or reset). */
  reset: boolean
}

/**
 * Turns successive scrapes of one endpoint into per-series points: the value, and for counters
 * the per-second rate since the previous scrape with resets detected (a counter that went down
 * restarted from zero, as Prometheus assumes).
 */
export class ScrapeDeriver {
  private readonly interner = new SeriesInterner()
  private last = new Map<SeriesRef, { t: number; v: number }>()
  /** Counter resets seen since this deriver started. */
  resets = 0

  get seriesCount(): number {
    return this.interner.size
  }

  update(page: ExpositionPage, pageText: string, tMs: number): SeriesPoint[] {
    const out: SeriesPoint[] = []
    const next = new Map<SeriesRef, { t: number; v: number }>()
    for (const fam of page.families) {
      for (const s of fam.samples) {
        const ref = this.interner.intern(s as ParsedSample, pageText)
        const t = s.timestampMs ?? tMs
        const v = s.value
        let rate = NaN
        let reset = false
        if (isCounterSample(fam.type, fam.name, s.name)) {
          const prev = this.last.get(ref)
          if (prev && t > prev.t) {
            reset = v < prev.v
            rate = (reset ? v : v - prev.v) / ((t - prev.t) / 1000)
            if (reset) this.resets++
          }
        }
        next.set(ref, { t, v })
        out.push({ ref, family: fam.name, type: fam.type, value: v, rate, reset })
      }
    }
    // Series that disappeared are forgotten, as Prometheus marks them stale.
    this.last = next
    return out
  }
}
