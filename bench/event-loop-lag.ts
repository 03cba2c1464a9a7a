import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { MemorySecretStore } from '../src/main/core/ports'
import { startMetricsFixture } from '../src/main/harness/metrics-fixture'
import { startPostgres } from '../src/main/harness/postgres'
import { startPrometheus } from '../src/main/harness/prometheus'
import { startRedis } from '../src/main/harness/redis'
import type { BenchResult } from './benchmarks'

/** Profiles of the demo's shape (Postgres, Redis, Prometheus server, /metrics): 5 x 4 = 20 targets. */
const PROFILES = 5
const SECONDS = Number(process.env.BENCH_SECONDS ?? 15)

async function p99Over(seconds: number): Promise<{ p99: number; max: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 })
  h.enable()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  h.disable()
  return { p99: h.percentile(99) / 1e6, max: h.max / 1e6 }
}

/**
 * The core's event-loop lag (p99) while polling 20 demo-like targets every second, against the
 * same measure on an idle event loop in the same process.
 */
export async function eventLoopLag(): Promise<BenchResult> {
  const pg = await startPostgres()
  const redis = await startRedis()
  const fixture = await startMetricsFixture()
  const prom = await startPrometheus([{ job: 'fixture', targets: [`127.0.0.1:${fixture.port}`] }])
  const dataDir = mkdtempSync(join(tmpdir(), 'lookout-bench-'))
  const core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  let polls = 0
  core.onEvent((name) => {
    if (name === 'target.state') polls++
  })
  try {
    const idle = await p99Over(SECONDS)
    for (let i = 0; i < PROFILES; i++) {
      const profile = {
        name: `bench-${i}`,
        environment: 'dev' as const,
        postgres: pg.dsn,
        redis: redis.url,
        prometheus: prom.url,
        metrics: [fixture.url],
        pollIntervalMs: 1000
      }
      const saved = await core.dispatch('profiles.save', { profile })
      if (!saved.ok) throw new Error(saved.error.message)
      const started = await core.dispatch('monitor.start', { profile: profile.name })
      if (!started.ok) throw new Error(started.error.message)
    }
    await new Promise((r) => setTimeout(r, 2000))
    const before = polls
    const busy = await p99Over(SECONDS)
    const pollsDone = polls - before
    return {
      ours_ms: round(busy.p99),
      ref: 'idle event loop',
      ref_ms: round(idle.p99),
      ratio: round(busy.p99 / idle.p99),
      targets: PROFILES * 4,
      polls_per_s: round(pollsDone / SECONDS),
      ours_max_ms: round(busy.max),
      seconds: SECONDS
    }
  } finally {
    await core.close()
    await Promise.allSettled([pg.stop(), redis.stop(), prom.stop(), fixture.close()])
    rmSync(dataDir, { recursive: true, force: true })
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}
