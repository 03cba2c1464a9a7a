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

/** The collectors of a profile, one per target it names. */
/** `secrets`: what the profile's targets are reached with; the collectors show their endpoints without it. */
export function buildCollectors(profile: Profile, secrets: ProfileSecrets): TargetCollector[] {
  const timeoutMs = pollTimeout(profile)
  const out: TargetCollector[] = []
  if (profile.postgres)
    out.push(
      new PostgresCollector({
        id: 'postgres',
        dsn: secrets.urls.postgres ?? profile.postgres,
        shownAs: throughSsh(profile, 'postgres') ? `${pgEndpoint(describeDsn(profile.postgres))} via ssh` : undefined,
        password: secrets.postgres,
        connectTimeoutMs: timeoutMs,
        thresholds: profile.thresholds
      })
    )
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
