import { ApiError, type ApiHandlers } from '../../../shared/api'
import { toWire } from '../../../shared/ring'
import type { CoreServices } from '../services'
import type { HistoryStore } from './port'
import { backfillQuery, serverRange } from '../prometheus/backfill'

const wire = (a: Float64Array) => Array.from(a, toWire)

/** The part of a range older than the local history, from a watched profile's Prometheus server, when it has the series. */
async function olderFromPrometheus(
  s: CoreServices,
  profile: string,
  targetId: string,
  seriesId: string,
  from: number,
  to: number,
  points: number
) {
  if (!s.monitors.has(profile)) return null
  const m = s.monitors.of(profile)
  const c = m.collector(targetId)
  const expr = c ? backfillQuery(c, seriesId) : null
  if (!expr) return null
  const url = (await s.profiles.secretsOf(m.profile)).urls.prometheus
  return url ? serverRange(url, expr, from, to, points) : null
}

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
        series: await Promise.all(
          series.map(async ({ targetId, seriesId }) => {
            const r = st.readSeries(profile, targetId, seriesId, range.from, range.to, points)
            const out = {
              seriesId,
              tier: r.tier,
              t: Array.from(r.data.t),
              avg: wire(r.data.avg),
              min: wire(r.data.min),
              max: wire(r.data.max),
              fromPrometheus: 0
            }
            // A range reaching before the local history: the profile's Prometheus server fills
            // the part it has, for the series it can reproduce (as the live charts' backfill).
            const first = out.t[0] ?? range.to
            if (first - range.from > (2 * (range.to - range.from)) / points) {
              const older = await olderFromPrometheus(s, profile, targetId, seriesId, range.from, first, points)
              if (older) {
                const v = older.v.map(toWire)
                Object.assign(out, {
                  t: [...older.t, ...out.t],
                  avg: [...v, ...out.avg],
                  min: [...v, ...out.min],
                  max: [...v, ...out.max],
                  fromPrometheus: older.t.length
                })
              }
            }
            return out
          })
        )
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
