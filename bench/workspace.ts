import { spawn } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startMetricsFixture } from '../src/main/harness/metrics-fixture'
import { startPostgres } from '../src/main/harness/postgres'
import { startPrometheus } from '../src/main/harness/prometheus'
import { startRedis } from '../src/main/harness/redis'
import type { BenchResult } from './benchmarks'

/** The measure: 10 demo-like profiles (40 targets), watched for 60 s. */
const PROFILES = Number(process.env.BENCH_PROFILES ?? 10)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const SETTLE_SECONDS = 5

interface CoreFigures {
  profiles: number
  targets: number
  seconds: number
  rss_mb: number
  rss_start_mb: number
  rss_peak_mb: number
  cpu_ms_per_s: number
  loop_p99_ms: number
  loop_max_ms: number
  polls_per_s: number
  events_per_s: number
  down_polls: number
  watched: number
}

function runCore(profiles: number, targets: Record<string, string>): Promise<CoreFigures> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'workspace-core.ts')], {
      env: { ...process.env, WORKSPACE_BENCH: JSON.stringify({ profiles, seconds: SECONDS, settleSeconds: SETTLE_SECONDS, targets }) },
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => {
      const line = out.trim().split('\n').at(-1) ?? ''
      if (code !== 0 || !line.startsWith('{')) return reject(new Error(`the measured core exited with ${code}: ${out}`))
      resolve(JSON.parse(line) as CoreFigures)
    })
  })
}

const r3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * `npm run bench workspace`: a core (in a process of its own, so nothing else is counted) watching
 * 10 pinned demo-like profiles, each Postgres + Redis + a Prometheus server + a /metrics page
 * polled every second, against the same core watching one, on the same real servers in the same
 * run. One line per measure: RSS, CPU per second, event-loop p99; the ratio is many over one.
 */
export async function workspaceBench(): Promise<BenchResult[]> {
  const pg = await startPostgres()
  const redis = await startRedis()
  const fixture = await startMetricsFixture()
  const prom = await startPrometheus([{ job: 'fixture', targets: [`127.0.0.1:${fixture.port}`] }])
  try {
    const targets = { postgres: pg.dsn, redis: redis.url, prometheus: prom.url, metrics: fixture.url }
    const one = await runCore(1, targets)
    const many = await runCore(PROFILES, targets)
    const common = {
      targets: many.targets,
      seconds: r3(many.seconds),
      polls_per_s: r3(many.polls_per_s),
      ref_polls_per_s: r3(one.polls_per_s),
      events_per_s: r3(many.events_per_s),
      down_polls: many.down_polls,
      watched: many.watched
    }
    const ref = `the same core watching 1 profile (4 targets)`
    return [
      {
        measure: 'rss_mb',
        ours_ms: r3(many.rss_mb),
        ref,
        ref_ms: r3(one.rss_mb),
        ratio: r3(many.rss_mb / one.rss_mb),
        rss_growth_mb: r3(many.rss_mb - many.rss_start_mb),
        ref_rss_growth_mb: r3(one.rss_mb - one.rss_start_mb),
        rss_peak_mb: r3(many.rss_peak_mb),
        ...common
      },
      {
        measure: 'cpu_ms_per_s',
        ours_ms: r3(many.cpu_ms_per_s),
        ref,
        ref_ms: r3(one.cpu_ms_per_s),
        ratio: r3(many.cpu_ms_per_s / one.cpu_ms_per_s),
        cpu_ms_per_target_s: r3(many.cpu_ms_per_s / many.targets),
        ref_cpu_ms_per_target_s: r3(one.cpu_ms_per_s / one.targets),
        ...common
      },
      {
        measure: 'event_loop_p99_ms',
        ours_ms: r3(many.loop_p99_ms),
        ref,
        ref_ms: r3(one.loop_p99_ms),
        ratio: r3(many.loop_p99_ms / one.loop_p99_ms),
        max_ms: r3(many.loop_max_ms),
        ref_max_ms: r3(one.loop_max_ms),
        ...common
      }
    ]
  } finally {
    await Promise.allSettled([pg.stop(), redis.stop(), prom.stop(), fixture.close()])
  }
}
