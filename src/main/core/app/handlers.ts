import type { ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'
import { LOOKOUT_VERSION } from '../version'

/** The application's own requests: what it is, its jobs, its audit log. */
export function appHandlers(s: CoreServices): Pick<ApiHandlers, 'app.info' | 'job.cancel' | 'audit.recent'> {
  return {
    'app.info': async () => ({
      name: 'Lookout' as const,
      version: LOOKOUT_VERSION,
      transport: s.transport,
      platform: process.platform,
      secretStorage: { persistent: s.secrets.persistent, warning: s.secrets.warning ?? null }
    }),
    'job.cancel': async ({ jobId }) => ({ cancelling: s.jobs.cancel(jobId) }),
    // The renderer gets each entry without its details (they may name keys and hosts it need not hold).
    'audit.recent': async ({ limit, profile, action, outcome }) =>
      (
        await s.audit.recent(
          limit,
          (e) => (!profile || e.profile === profile) && (!action || e.action === action) && (!outcome || e.outcome === outcome)
        )
      ).map(({ details: _details, prev: _prev, ...rest }) => rest)
  }
}
