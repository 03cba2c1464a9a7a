import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'
import { PrometheusClient } from './api-client'
import { instantQuery, rangeQuery } from './queries'
import { SavedQueryStore } from './saved-queries'

export function prometheusHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'prom.query' | 'prom.queryRange' | 'prom.savedQueries' | 'prom.saveQuery' | 'prom.deleteQuery'> {
  const savedQueries = new SavedQueryStore(s.dataDir)
  /** The profile's Prometheus server, reached with its credentials. */
  const client = async (name: string): Promise<PrometheusClient> => {
    const profile = await s.profiles.get(name)
    if (!profile.prometheus) throw new ApiError('bad_request', `profile "${name}" names no Prometheus server`)
    const { urls } = await s.profiles.secretsOf(profile)
    return new PrometheusClient(urls.prometheus ?? profile.prometheus, { timeoutMs: 30_000 })
  }
  return {
    'prom.query': async ({ profile, expr, timeS }) => instantQuery(await client(profile), expr, timeS),
    'prom.queryRange': async ({ profile, expr, startS, endS, widthPx }) => rangeQuery(await client(profile), expr, startS, endS, widthPx),
    'prom.savedQueries': async ({ profile }) => savedQueries.list((await s.profiles.get(profile)).name),
    'prom.saveQuery': async ({ profile, query }) => savedQueries.save((await s.profiles.get(profile)).name, query),
    'prom.deleteQuery': async ({ profile, name }) => savedQueries.delete((await s.profiles.get(profile)).name, name)
  }
}
