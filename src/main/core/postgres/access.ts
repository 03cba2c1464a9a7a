import { ApiError } from '../../../shared/api'
import type { SlotLimiter } from '../limits'
import { MAX_PG_SESSIONS_PER_PROFILE } from '../limits'
import type { MonitorRegistry } from '../monitors'
import type { ProfileStore } from '../profiles/store'
import { PostgresCollector } from './collector'
import { createMonitorClient, describeDsn, describePgError, destroyClient, pgEndpoint } from './connection'

/** How handlers reach a profile's Postgres: its watched collector, or a short-lived session of their own. */
export class PostgresAccess {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly monitors: MonitorRegistry,
    private readonly limits: SlotLimiter
  ) {}

  /** The collector of a watched profile (its checks, statements, activity). */
  collectorOf(name: string): PostgresCollector {
    const c = this.monitors.of(name).collector('postgres')
    if (!(c instanceof PostgresCollector)) throw new ApiError('bad_request', `profile "${name}" names no Postgres`)
    return c
  }

  /**
   * A short-lived session for on-demand reads and actions, apart from the monitoring sessions: at
   * most MAX_PG_SESSIONS_PER_PROFILE at once per profile, released when the session ends.
   */
  async forProfile(name: string) {
    const profile = await this.profiles.get(name)
    if (!profile.postgres) throw new ApiError('bad_request', `profile "${name}" names no Postgres`)
    const secrets = await this.profiles.secretsOf(profile)
    // A stored password, else libpq's own variable (headless and CLI use).
    const password = secrets.postgres ?? process.env.PGPASSWORD ?? null
    const dsn = secrets.urls.postgres ?? profile.postgres
    const target = describeDsn(profile.postgres)
    /** `statementTimeoutMs`: longer than the monitoring sessions' for a one-off run of every check. */
    const open = async (opts: { statementTimeoutMs?: number } = {}) => {
      const release = this.limits.acquire(
        `pg:${name}`,
        MAX_PG_SESSIONS_PER_PROFILE,
        () =>
          `profile "${name}" already has ${MAX_PG_SESSIONS_PER_PROFILE} sessions open for EXPLAIN and actions on ${pgEndpoint(target)}; wait for one to finish`
      )
      const c = createMonitorClient({ dsn, password, connectTimeoutMs: 10_000, ...opts })
      c.once('end', release)
      try {
        await c.connect()
      } catch (err) {
        release()
        destroyClient(c)
        throw new ApiError('unavailable', describePgError(err, target, password))
      }
      return c
    }
    /**
     * Cancels what a session of this profile is running (a job's EXPLAIN ANALYZE), from a session
     * of its own that lives for one statement. It is not counted against the limit: a cancel must
     * get through when every slot is taken, and the session it cancels holds one of them.
     */
    const cancelBackend = async (pid: number): Promise<void> => {
      const c = createMonitorClient({ dsn, password, connectTimeoutMs: 10_000 })
      try {
        await c.connect()
        await c.query('/* lookout */ SELECT pg_cancel_backend($1)', [pid])
      } finally {
        destroyClient(c)
      }
    }
    return { profile, open, cancelBackend, endpoint: pgEndpoint(target), user: target.user }
  }
}
