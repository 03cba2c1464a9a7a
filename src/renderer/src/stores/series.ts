import { create } from 'zustand'
import { fromWire, RingSeries } from '../../../shared/ring'
import type { MonitorSnapshot, SeriesDelta, SeriesInfo } from '../../../shared/schemas'

/** Points a chart keeps: 15 minutes at one poll a second. */
export const CHART_CAPACITY = 900

export interface SeriesEntry {
  info: SeriesInfo
  /** Mutated in place (typed arrays, no copy per point); `version` tells React it changed. */
  ring: RingSeries
  /** The core's sequence number of the last point received. */
  coreSeq: number
  version: number
}

interface SeriesState {
  byId: Record<string, SeriesEntry>
  /** Deltas that skipped a sequence number; the app then reloads a snapshot. */
  gaps: number
  loadSnapshot(s: MonitorSnapshot): void
  applyDelta(d: SeriesDelta): void
  /** A series charted from now on (a watched /metrics series), empty until its first delta. */
  addSeries(info: SeriesInfo): void
  removeSeries(seriesId: string): void
  clear(): void
}

export const useSeries = create<SeriesState>((set, get) => ({
  byId: {},
  gaps: 0,
  loadSnapshot(s) {
    const byId: Record<string, SeriesEntry> = {}
    for (const series of s.series) {
      const ring = new RingSeries(CHART_CAPACITY)
      const values = fromWire(series.v)
      for (let i = Math.max(0, series.t.length - CHART_CAPACITY); i < series.t.length; i++) ring.push(series.t[i]!, values[i]!)
      // Everything the series says of itself, `headline` included (the Health card shows only headline series).
      const { seq: _seq, t: _t, v: _v, ...info } = series
      byId[info.seriesId] = { info, ring, coreSeq: series.seq, version: 1 }
    }
    set({ byId, gaps: 0 })
  },
  applyDelta(d) {
    const entry = get().byId[d.seriesId]
    if (!entry || d.seq <= entry.coreSeq) return
    const gap = d.fromSeq !== entry.coreSeq
    for (let i = 0; i < d.t.length; i++) entry.ring.push(d.t[i]!, d.v[i] ?? NaN)
    set((s) => ({
      gaps: gap ? s.gaps + 1 : s.gaps,
      byId: { ...s.byId, [d.seriesId]: { ...entry, coreSeq: d.seq, version: entry.version + 1 } }
    }))
  },
  addSeries(info) {
    if (get().byId[info.seriesId]) return
    set((s) => ({ byId: { ...s.byId, [info.seriesId]: { info, ring: new RingSeries(CHART_CAPACITY), coreSeq: 0, version: 1 } } }))
  },
  removeSeries(seriesId) {
    set((s) => {
      const byId = { ...s.byId }
      delete byId[seriesId]
      return { byId }
    })
  },
  clear: () => set({ byId: {}, gaps: 0 })
}))
