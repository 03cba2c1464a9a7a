import type { ApiHandlers } from '../../../shared/api'
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
    'postgres.runChecks': async ({ profile }) => {
      await s.postgres.collectorOf(profile).runChecksNow()
      return { ranAt: s.clock.now() }
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
