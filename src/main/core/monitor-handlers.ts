import type { ApiHandlers } from '../../shared/api'
import type { CoreServices } from './services'

/** Watching a profile, and the series of its /metrics targets. */
export function monitorHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'monitor.start' | 'monitor.stop' | 'monitor.snapshot' | 'metrics.series' | 'metrics.watch' | 'metrics.unwatch'> {
  return {
    'monitor.start': async ({ profile }) => (await s.monitors.start(profile)).snapshot(),
    'monitor.stop': async ({ profile }) => ({ stopped: await s.monitors.stop(profile) }),
    'monitor.snapshot': async ({ profile, points }) => s.monitors.of(profile).snapshot(points),
    'metrics.series': async ({ profile, targetId, search, limit }) => s.monitors.of(profile).listSeries(targetId, search, limit),
    'metrics.watch': async ({ profile, targetId, key, quantile }) => s.monitors.of(profile).watch(targetId, key, quantile),
    'metrics.unwatch': async ({ profile, seriesId }) => ({ removed: s.monitors.of(profile).unwatch(seriesId) })
  }
}
