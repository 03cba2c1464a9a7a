import type { Profile } from '../../shared/schemas'
import type { ProfileSecrets } from './profiles/store'
import type { TargetCollector } from './collector'
import { PostgresCollector } from './postgres/collector'
import { MetricsEndpointCollector } from './prometheus/metrics-collector'
import { PrometheusServerCollector } from './prometheus/server-collector'
import { RedisCollector } from './redis/collector'
import { describeDsn, pgEndpoint } from './postgres/connection'
import { describeRedisUrl, redisEndpoint, redisTlsFiles } from './redis/connection'

/** A poll gets at most this long, and at least one interval up to it. */
export const MAX_POLL_TIMEOUT_MS = 5000
export const MIN_POLL_TIMEOUT_MS = 1000

export function pollTimeout(profile: Profile): number {
  return Math.min(MAX_POLL_TIMEOUT_MS, Math.max(MIN_POLL_TIMEOUT_MS, profile.pollIntervalMs))
}

/** Whether a target of the profile is reached through its SSH bastion. */
export function throughSsh(profile: Profile, target: 'postgres' | 'redis'): boolean {
  return Boolean(profile.ssh) && (profile.sshTargets ?? ['postgres', 'redis']).includes(target)
}

/** The target of another database on the profile's Postgres server: postgres-<name>, within target-id rules. */
export function postgresTargetId(database: string): string {
  return `postgres-${database.replace(/[^A-Za-z0-9_-]/g, '_')}`
}

/** The DSN with another database in its path (null: as it is); the rest (user, TLS, options) kept. */
function withDatabase(dsn: string, database: string | null): string {
  if (database === null) return dsn
  const u = new URL(dsn)
  u.pathname = `/${encodeURIComponent(database)}`
  u.searchParams.delete('dbname')
  return u.toString()
}

/** The collectors of a profile, one per target it names. */
/** `secrets`: what the profile's targets are reached with; the collectors show their endpoints without it. */
export function buildCollectors(profile: Profile, secrets: ProfileSecrets): TargetCollector[] {
  const timeoutMs = pollTimeout(profile)
  const out: TargetCollector[] = []
  if (profile.postgres) {
    const viaSsh = throughSsh(profile, 'postgres')
    const databases: [string, string | null][] = [
      ['postgres', null],
      ...(profile.postgresDatabases ?? []).map((db): [string, string] => [postgresTargetId(db), db])
    ]
    for (const [id, database] of databases) {
      const dsn = withDatabase(secrets.urls.postgres ?? profile.postgres, database)
      const shown = withDatabase(profile.postgres, database)
      out.push(
        new PostgresCollector({
          id,
          dsn,
          shownAs: viaSsh ? `${pgEndpoint(describeDsn(shown))} via ssh` : pgEndpoint(describeDsn(shown)),
          password: secrets.postgres,
          connectTimeoutMs: timeoutMs,
          thresholds: profile.thresholds
        })
      )
    }
  }
  if (profile.redis)
    out.push(
      new RedisCollector({
        id: 'redis',
        url: secrets.urls.redis ?? profile.redis,
        shownAs: throughSsh(profile, 'redis') ? `${redisEndpoint(describeRedisUrl(profile.redis))} via ssh` : undefined,
        password: secrets.redis,
        timeoutMs,
        tls: redisTlsFiles(profile)
      })
    )
  if (profile.prometheus) out.push(new PrometheusServerCollector({ id: 'prometheus', url: secrets.urls.prometheus ?? profile.prometheus }))
  profile.metrics.forEach((m, i) =>
    out.push(
      new MetricsEndpointCollector({
        id: `metrics-${i}`,
        url: secrets.metrics.get(m.url)?.url ?? m.url,
        auth: m.auth,
        secret: secrets.metrics.get(m.url)?.secret ?? null,
        caFile: m.caFile ?? null,
        insecureSkipVerify: m.insecureSkipVerify
      })
    )
  )
  return out
}
