import { fromWire } from '../../../shared/ring'
import { api } from '../api'

/** A chart's points over a chosen range, as typed arrays (NaN where nothing was stored). */
export interface StoredRange {
  t: Float64Array
  v: Float64Array
  tier: 'raw' | 'minute' | 'quarter'
}

/** Points asked for a chart: about one per pixel of a wide chart. */
export const RANGE_POINTS = 1000

/** One series over [from, to] from the history store, averaged per bucket. */
export async function loadRange(profile: string, targetId: string, seriesId: string, from: number, to: number): Promise<StoredRange> {
  const r = await api.call('history.series', { profile, series: [{ targetId, seriesId }], range: { from, to }, points: RANGE_POINTS })
  const s = r.series[0]!
  return { t: Float64Array.from(s.t), v: Float64Array.from(s.avg, (x) => fromWire(x)), tier: s.tier }
}
