import { create } from 'zustand'
import { fromWire, RingSeries } from '../../../shared/ring'
import type { MonitorSnapshot, SeriesDelta, SeriesInfo } from '../../../shared/schemas'

/**
 * Points a chart shows, and so all the renderer keeps: 15 minutes at one poll a second. The
 * snapshot asks the core for no more than this.
 */
export const CHART_CAPACITY = 900

export interface SeriesEntry {
  info: SeriesInfo
  /** Mutated in place (typed arrays, no copy per point; NaN is a missing point); `version` tells React it changed. */
  ring: RingSeries
  /** The core's sequence number of the last point received. */
  coreSeq: number
  version: number
}

interface SeriesState {
  byId: Record<string, SeriesEntry>
  /** Points that skipped a sequence number; the app then reloads a snapshot. */
  gaps: number
  loadSnapshot(s: MonitorSnapshot): void
  /** One poll's points: pushed into their rings, then one store update for all of them. */
  applyDelta(d: SeriesDelta): void
  /** A series charted from now on (a watched /metrics series), empty until its first point. */
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
      for (let i = Math.max(0, series.t.length - CHART_CAPACITY); i < series.t.length; i++) ring.push(series.t[i]!, fromWire(series.v[i]!))
      // Everything the series says of itself, `headline` included (the Health card shows only headline series).
      const { seq: _seq, t: _t, v: _v, ...info } = series
      byId[info.seriesId] = { info, ring, coreSeq: series.seq, version: 1 }
    }
    set({ byId, gaps: 0 })
  },
  applyDelta(d) {
    const { byId } = get()
    const changed: Record<string, SeriesEntry> = {}
    let gaps = 0
    for (const p of d.points) {
      const entry = byId[p.seriesId]
      if (!entry || p.seq <= entry.coreSeq) continue
      if (p.seq !== entry.coreSeq + 1) gaps++
      entry.ring.push(d.t, fromWire(p.v))
      changed[p.seriesId] = { ...entry, coreSeq: p.seq, version: entry.version + 1 }
    }
    if (Object.keys(changed).length === 0) return
    set((s) => ({ gaps: s.gaps + gaps, byId: { ...s.byId, ...changed } }))
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
