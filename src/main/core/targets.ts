import type { Profile } from '../../shared/schemas'
import type { TargetCollector } from './collector'
import { PostgresCollector } from './postgres/collector'
import { MetricsEndpointCollector } from './prometheus/metrics-collector'
import { PrometheusServerCollector } from './prometheus/server-collector'
import { RedisCollector } from './redis/collector'

/** A poll gets at most this long, and at least one interval up to it. */
export const MAX_POLL_TIMEOUT_MS = 5000
export const MIN_POLL_TIMEOUT_MS = 1000

export function pollTimeout(profile: Profile): number {
  return Math.min(MAX_POLL_TIMEOUT_MS, Math.max(MIN_POLL_TIMEOUT_MS, profile.pollIntervalMs))
}

export interface Passwords {
  postgres: string | null
  redis: string | null
  /** By metrics endpoint URL: its basic-auth password or bearer token. */
  metrics: Map<string, string>
}

/** The collectors of a profile, one per target it names. */
export function buildCollectors(profile: Profile, passwords: Passwords): TargetCollector[] {
  const timeoutMs = pollTimeout(profile)
  const out: TargetCollector[] = []
  if (profile.postgres)
    out.push(
      new PostgresCollector({
        id: 'postgres',
        dsn: profile.postgres,
        password: passwords.postgres,
        connectTimeoutMs: timeoutMs,
        thresholds: profile.thresholds
      })
    )
  if (profile.redis)
    out.push(
      new RedisCollector({ id: 'redis', url: profile.redis, password: passwords.redis, timeoutMs, caFile: profile.redisCaFile ?? null })
    )
  if (profile.prometheus) out.push(new PrometheusServerCollector({ id: 'prometheus', url: profile.prometheus }))
  profile.metrics.forEach((m, i) =>
    out.push(
      new MetricsEndpointCollector({
        id: `metrics-${i}`,
        url: m.url,
        auth: m.auth,
        secret: passwords.metrics.get(m.url) ?? null,
        caFile: m.caFile ?? null,
        insecureSkipVerify: m.insecureSkipVerify
      })
    )
  )
  return out
}
