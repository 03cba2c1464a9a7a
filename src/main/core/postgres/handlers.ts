import { randomUUID } from 'node:crypto'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import { runJob } from '../jobs'
import type { CoreServices } from '../services'
import { signalBackend } from './actions'
import { readRelationCache } from './checks/settings'
import { statementsFromHistory, windowOf } from './statement-views'
import { MEDIUM_TIER_MS } from './watch'

export function postgresHandlers(
  s: CoreServices
): Pick<
  ApiHandlers,
  | 'postgres.details'
  | 'postgres.statements'
  | 'postgres.activity'
  | 'postgres.runChecks'
  | 'postgres.relationCache'
  | 'postgres.signalBackend'
> {
  const watch = (profile: string) => s.postgres.collectorOf(profile).watch
  return {
    'postgres.details': async ({ profile }) => watch(profile).details(),
    'postgres.statements': async ({ profile, range, ...q }) => {
      const store = s.history.store
      if (range) {
        if (!store) throw new ApiError('unavailable', s.history.info().problem ?? 'history is off')
        return statementsFromHistory(store, profile, 'postgres', range, q, MEDIUM_TIER_MS)
      }
      const w = watch(profile)
      // A window reaching before this run (Lookout restarted within it): the store holds the run before.
      const windowMs = windowOf(q.window)
      const span = w.statementsSpan()
      const stored = store?.statementsSince(profile, 'postgres') ?? null
      if (
        store &&
        windowMs !== null &&
        span.last !== null &&
        span.since !== null &&
        span.since > span.last - windowMs &&
        stored !== null &&
        stored < span.since
      )
        return statementsFromHistory(store, profile, 'postgres', { from: span.last - windowMs, to: span.last }, q, MEDIUM_TIER_MS)
      return w.statements(q)
    },
    'postgres.activity': async ({ profile }) => watch(profile).activity(),
    'postgres.runChecks': async ({ profile, jobId: asked }) => {
      const collector = s.postgres.collectorOf(profile)
      const jobId = asked ?? randomUUID()
      runJob(s, { jobId, profile, kind: 'postgres.runChecks' }, async (signal) => {
        // The tiers cannot be stopped half-way (they share the monitor's session); a cancel ends the wait.
        const cancelled = new Promise<never>((_, reject) =>
          signal.addEventListener(
            'abort',
            () => reject(new ApiError('conflict', 'stopped waiting; the checks in flight finish on their own')),
            {
              once: true
            }
          )
        )
        await Promise.race([collector.runChecksNow(), cancelled])
        return { ranAt: s.clock.now() }
      })
      return { jobId }
    },
    'postgres.relationCache': async ({ profile, limit }) => {
      const c = await (await s.postgres.forProfile(profile)).open()
      try {
        return await readRelationCache(c, limit)
      } finally {
        await c.end().catch(() => {})
      }
    },
    'postgres.signalBackend': async ({ profile, pid, action }, ctx) => {
      const { open, endpoint } = await s.postgres.forProfile(profile)
      return signalBackend(open, { endpoint, pid, action }, ctx)
    }
  }
}
