import { randomUUID } from 'node:crypto'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import { runJob } from '../jobs'
import type { CoreServices } from '../services'
import { signalBackend } from './actions'
import { readRelationCache } from './checks/settings'

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
    'postgres.statements': async ({ profile, ...q }) => watch(profile).statements(q),
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
