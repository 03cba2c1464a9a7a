import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { CheckFinding } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import { pgThresholds } from '../postgres/thresholds'
import { PostgresWatch } from '../postgres/watch'
import { RedisCollector } from '../redis/collector'
import type { CoreServices } from '../services'

/** A one-off run of every check may take longer than a poll: the slow tier's catalog reads on a big database. */
export const CHECK_STATEMENT_TIMEOUT_MS = 15_000

/** Two INFO reads this far apart give Redis its rates (evictions/s, hit rate over the window). */
export const REDIS_CHECK_WINDOW_MS = 1000

/** Every check once, without watching: what `lookout check` runs, for cron and deploy scripts. */
export function checkHandlers(s: CoreServices): Pick<ApiHandlers, 'checks.run'> {
  async function postgres(profile: string, notes: string[]): Promise<CheckFinding[]> {
    const { profile: p, open, endpoint, user } = await s.postgres.forProfile(profile)
    const client = await open({ statementTimeoutMs: CHECK_STATEMENT_TIMEOUT_MS })
    try {
      const watch = new PostgresWatch(pgThresholds(p.thresholds), user)
      await watch.once(client)
      for (const c of watch.checkStatuses())
        if (c.error) notes.push(`postgres ${c.check}: ${c.error}${c.enable ? `\n  to enable: ${c.enable}` : ''}`)
      return watch.findings().map((f) => ({ ...f, target: `postgres ${endpoint}`, unit: f.unit, fixSql: f.fixSql }))
    } finally {
      await client.end().catch(() => {})
    }
  }

  async function redis(profile: string): Promise<CheckFinding[]> {
    const { credentials } = await s.redis.forProfile(profile)
    const c = new RedisCollector({ id: 'redis', timeoutMs: 10_000, ...credentials })
    try {
      await c.collect(AbortSignal.timeout(10_000))
      await new Promise((r) => setTimeout(r, REDIS_CHECK_WINDOW_MS))
      await c.collect(AbortSignal.timeout(10_000))
      return c.getDetails().findings.map((f) => ({
        target: c.endpoint,
        check: f.check,
        object: c.endpoint,
        severity: f.severity,
        value: f.value,
        unit: '',
        threshold: f.threshold,
        message: f.message,
        fixSql: null
      }))
    } finally {
      await c.close()
    }
  }

  return {
    'checks.run': async ({ profile }) => {
      const p = await s.profiles.get(profile)
      if (!p.postgres && !p.redis) throw new ApiError('bad_request', `profile "${profile}" names no Postgres or Redis`)
      const findings: CheckFinding[] = []
      const notes: string[] = []
      const failures: string[] = []
      const run = async (what: () => Promise<CheckFinding[]>) => {
        try {
          findings.push(...(await what()))
        } catch (err) {
          failures.push(errorMessage(err))
        }
      }
      await Promise.all([p.postgres ? run(() => postgres(profile, notes)) : null, p.redis ? run(() => redis(profile)) : null])
      return { findings, notes, failures }
    }
  }
}
