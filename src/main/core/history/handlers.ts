import { ApiError, type ApiHandlers } from '../../../shared/api'
import { toWire } from '../../../shared/ring'
import type { CoreServices } from '../services'
import type { HistoryStore } from './port'

const wire = (a: Float64Array) => Array.from(a, toWire)

/** The `history.*` requests: the store's size and retention, ranges of series, the timeline, pruning. */
export function historyHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'history.info' | 'history.series' | 'history.timeline' | 'history.prune' | 'history.setRetention'> {
  const store = (): HistoryStore => {
    const st = s.history.store
    if (!st) throw new ApiError('unavailable', s.history.info().problem ?? 'history is off')
    return st
  }
  return {
    'history.info': async () => s.history.info(),
    'history.series': async ({ profile, series, range, points }) => {
      const st = store()
      s.history.flushNow()
      return {
        series: series.map(({ targetId, seriesId }) => {
          const r = st.readSeries(profile, targetId, seriesId, range.from, range.to, points)
          return { seriesId, tier: r.tier, t: Array.from(r.data.t), avg: wire(r.data.avg), min: wire(r.data.min), max: wire(r.data.max) }
        })
      }
    },
    'history.timeline': async (q) => {
      const st = store()
      s.history.flushNow()
      // One more than asked tells whether the answer was cut.
      const events = st.timeline({ ...q, limit: q.limit + 1 })
      return { events: events.slice(0, q.limit), truncated: events.length > q.limit }
    },
    'history.prune': async ({ profile, olderThanMs }, ctx) => {
      const st = store()
      ctx.requireConfirmation(profile ? `pruning the history of profile "${profile}"` : "pruning every profile's history")
      const before = olderThanMs === null ? null : s.clock.now() - olderThanMs
      const r = st.prune({ before, profile })
      ctx.audit({ deleted: r.deleted, bytesBefore: r.bytesBefore, bytesAfter: r.bytesAfter })
      return r
    },
    'history.setRetention': async ({ retention }, ctx) => {
      const st = store()
      const now = st.retention()
      if (retention.rawMs < now.rawMs || retention.minuteMs < now.minuteMs || retention.quarterMs < now.quarterMs)
        ctx.requireConfirmation('shortening the history retention (older history is deleted)')
      st.setRetention(retention)
      ctx.audit({ before: now, after: retention })
      return retention
    }
  }
}
