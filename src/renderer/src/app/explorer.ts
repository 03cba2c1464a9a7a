import type { ExploredPage } from '../../../shared/prometheus'
import { api } from '../api'
import { useSeries } from '../stores/series'
import { useSession } from '../stores/session'

export async function listSeries(targetId: string, search: string): Promise<ExploredPage> {
  const profile = useSession.getState().active
  if (!profile) return { series: [], total: 0, warnings: [], warningCount: 0 }
  return api.call('metrics.series', { profile, targetId, search, limit: 300 })
}

/** Charts a series live: the core records it from the next scrape, the store shows it. */
export async function watchSeries(targetId: string, key: string): Promise<void> {
  const profile = useSession.getState().active
  if (!profile) return
  try {
    const info = await api.call('metrics.watch', { profile, targetId, key, quantile: null })
    useSeries.getState().addSeries(info)
  } catch (err) {
    useSession.getState().setError(`Cannot chart ${key}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

export async function unwatchSeries(seriesId: string): Promise<void> {
  const profile = useSession.getState().active
  if (!profile) return
  await api.call('metrics.unwatch', { profile, seriesId }).catch(() => {})
  useSeries.getState().removeSeries(seriesId)
}
