import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ProfileInput } from '../../shared/schemas'
import { startMetricsFixture, type MetricsFixture } from '../harness/metrics-fixture'
import { startPostgres, type PostgresHandle } from '../harness/postgres'
import { startPrometheus, type PrometheusHandle } from '../harness/prometheus'
import { startAlertmanager, type AlertmanagerHandle } from '../harness/alertmanager'
import { startRedis, type RedisHandle } from '../harness/redis'
import { startWorkload, type Workload } from './workload'

export const DEMO_PROFILE = 'demo'

/** The demo Prometheus's alerting rules (JSON is YAML): what a team would page on for this app. */
export const DEMO_RULES = {
  groups: [
    {
      name: 'demo-app',
      rules: [
        {
          alert: 'HighRequestLatencyP99',
          expr: 'histogram_quantile(0.99, sum by (le, route) (rate(http_request_duration_seconds_bucket[1m]))) > 0.05',
          for: '0s',
          labels: { severity: 'warning' },
          annotations: { summary: 'p99 latency of {{ $labels.route }} is above 50 ms' }
        },
        {
          // The demo's cache is built for about 85% hits: this one fires, as it would on a cold cache.
          alert: 'CacheHitRateLow',
          expr: 'sum(rate(cache_requests_total{result="hit"}[1m])) / sum(rate(cache_requests_total[1m])) < 0.9',
          for: '0s',
          labels: { severity: 'warning' },
          annotations: { summary: 'cache hit rate is {{ $value | humanizePercentage }} (below 90%)' }
        },
        {
          alert: 'HttpErrors',
          expr: 'sum by (route) (rate(http_requests_total{status="500"}[1m])) > 0',
          for: '0s',
          labels: { severity: 'critical' },
          annotations: { summary: '{{ $labels.route }} answers 500s' }
        }
      ]
    }
  ]
}

export interface DemoEnvironment {
  postgres: PostgresHandle
  redis: RedisHandle
  prometheus: PrometheusHandle
  alertmanager: AlertmanagerHandle
  metrics: MetricsFixture
  workload: Workload
  /** The ready-made profile, passwords included (they go to the secret store, never to disk). */
  profile: ProfileInput
  stop(): Promise<void>
}

/** Starts the demo's real servers and workload; on any failure, stops what did start. */
export async function startDemo(log: (msg: string) => void = () => {}, pollIntervalMs = 1000): Promise<DemoEnvironment> {
  const started: { stop(): Promise<void> }[] = []
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {})
  }
  try {
    log('starting PostgreSQL (initdb into a temp dir)...')
    const postgres = await startPostgres()
    started.push(postgres)
    log('starting Redis...')
    // Sized and evicting like a real cache, so the Cache view has a memory limit to show.
    const redis = await startRedis(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru'])
    started.push(redis)
    const metrics = await startMetricsFixture()
    started.push({ stop: () => metrics.close() })
    log('starting Alertmanager...')
    const alertmanager = await startAlertmanager()
    started.push(alertmanager)
    log('starting Prometheus...')
    const rulesDir = mkdtempSync(join(tmpdir(), 'lookout-demo-rules-'))
    started.push({ stop: async () => rmSync(rulesDir, { recursive: true, force: true }) })
    const rules = join(rulesDir, 'demo-rules.yml')
    writeFileSync(rules, JSON.stringify(DEMO_RULES))
    const prometheus = await startPrometheus(
      [{ job: 'demo-app', targets: [`127.0.0.1:${metrics.port}`] }],
      [rules],
      [`127.0.0.1:${alertmanager.port}`]
    )
    started.push(prometheus)
    log('seeding the demo database and starting the workload...')
    const workload = await startWorkload({ postgresDsn: postgres.dsn, redisUrl: redis.url, metrics })
    started.push(workload)
    return {
      postgres,
      redis,
      prometheus,
      alertmanager,
      metrics,
      workload,
      profile: {
        name: DEMO_PROFILE,
        environment: 'dev',
        readOnly: false,
        postgres: postgres.dsn,
        redis: redis.url,
        prometheus: prometheus.url,
        alertmanager: alertmanager.url,
        metrics: [metrics.url],
        pollIntervalMs,
        // Short enough that the demo's stuck session shows as a finding within seconds.
        thresholds: { idle_in_transaction_s: 5, long_running_query_s: 10 }
      },
      stop: stopAll
    }
  } catch (err) {
    await stopAll()
    throw err
  }
}
