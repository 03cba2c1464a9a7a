import type { Profile, TargetKind } from '../../../shared/schemas'
import { describeDsn, pgEndpoint } from '../postgres/connection'
import { describeRedisUrl, redisEndpoint } from '../redis/connection'
import { ownSeriesQuery } from '../prometheus/backfill'
import { postgresTargetId } from '../targets'
import type { ReportTarget } from './model'

/** The series a report charts and sums up, per kind of target: Lookout's own ids, labels and units. */
export const REPORT_SERIES: Record<TargetKind, { key: string; label: string; unit: string }[]> = {
  postgres: [
    { key: 'tps', label: 'Transactions/s', unit: 'tx/s' },
    { key: 'connections', label: 'Connections used', unit: '%' },
    { key: 'cache_hit', label: 'Buffer cache hit', unit: '%' }
  ],
  redis: [
    { key: 'hitrate', label: 'Hit rate', unit: '%' },
    { key: 'ops', label: 'Commands/s', unit: 'ops/s' },
    { key: 'memory', label: 'Memory used', unit: 'B' },
    { key: 'evictions', label: 'Evictions', unit: 'keys/s' }
  ],
  prometheus: [{ key: 'up', label: 'Scrape targets up', unit: '' }],
  metrics: [{ key: 'scrape', label: 'Scrape duration', unit: 'ms' }]
}

/**
 * The same figures as a Prometheus server has them, for a window older than the local history:
 * Lookout's own series where the server scrapes the same thing, and the Debian/community
 * exporters' metrics (postgres_exporter, redis_exporter) where it runs them. Each query must give
 * one series; a server without the metric gives none and the figure stays "not available".
 */
export function prometheusEquivalent(target: ReportTarget, key: string, metricsUrl?: string): string | null {
  const own =
    target.kind === 'metrics' ? (metricsUrl ? ownSeriesQuery('metrics', key, metricsUrl) : null) : ownSeriesQuery(target.kind, key, '')
  if (own) return own
  if (target.kind === 'postgres' && target.id === 'postgres') {
    if (key === 'tps') return 'sum(rate(pg_stat_database_xact_commit[1m]) + rate(pg_stat_database_xact_rollback[1m]))'
    if (key === 'cache_hit')
      return '100 * sum(rate(pg_stat_database_blks_hit[5m])) / (sum(rate(pg_stat_database_blks_hit[5m])) + sum(rate(pg_stat_database_blks_read[5m])))'
    if (key === 'connections') return '100 * sum(pg_stat_database_numbackends) / max(pg_settings_max_connections)'
  }
  if (target.kind === 'redis') {
    if (key === 'ops') return 'sum(rate(redis_commands_processed_total[1m]))'
    if (key === 'hitrate')
      return '100 * sum(rate(redis_keyspace_hits_total[1m])) / (sum(rate(redis_keyspace_hits_total[1m])) + sum(rate(redis_keyspace_misses_total[1m])))'
    if (key === 'memory') return 'sum(redis_memory_used_bytes)'
    if (key === 'evictions') return 'sum(rate(redis_evicted_keys_total[1m]))'
  }
  return null
}

/** An HTTP endpoint without its user-info, query or fragment: what a report may print of it. */
export function bareUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}`
  } catch {
    return '(unreadable URL)'
  }
}

/** The profile's targets, with the ids its collectors and its history use, and no credentials. */
export function profileTargets(p: Profile): ReportTarget[] {
  const out: ReportTarget[] = []
  if (p.postgres) {
    out.push({ id: 'postgres', kind: 'postgres', endpoint: pgEndpoint(describeDsn(p.postgres)) })
    for (const db of p.postgresDatabases ?? [])
      out.push({ id: postgresTargetId(db), kind: 'postgres', endpoint: `${pgEndpoint(describeDsn(p.postgres))} (${db})` })
  }
  if (p.redis) out.push({ id: 'redis', kind: 'redis', endpoint: redisEndpoint(describeRedisUrl(p.redis)) })
  if (p.prometheus) out.push({ id: 'prometheus', kind: 'prometheus', endpoint: bareUrl(p.prometheus) })
  p.metrics.forEach((m, i) => out.push({ id: `metrics-${i}`, kind: 'metrics', endpoint: bareUrl(m.url) }))
  return out
}
