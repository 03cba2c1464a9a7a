import { tempDir } from '../helpers/temp'
import { pointsOf } from '../helpers/core-call'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import type { TargetState } from '../../src/shared/schemas'
import {
  eventually,
  startMetricsFixture,
  startPostgres,
  startPrometheus,
  startRedis,
  type MetricsFixture,
  type PostgresHandle,
  type PrometheusHandle,
  type RedisHandle
} from '../harness'

const POLL_MS = 500

let pg: PostgresHandle
let redis: RedisHandle
let prom: PrometheusHandle
let fixture: MetricsFixture
let core: Core
const states: TargetState[] = []
/** Every point the core sent, one per series per poll. */
const deltas: { seriesId: string; t: number; v: number | null }[] = []

const latest = (targetId: string) => [...states].reverse().find((s) => s.targetId === targetId && s.profile === 'it')

beforeAll(async () => {
  pg = await startPostgres()
  redis = await startRedis()
  fixture = await startMetricsFixture()
  prom = await startPrometheus([{ job: 'fixture', targets: [`127.0.0.1:${fixture.port}`] }])
  core = createCore({
    dataDir: tempDir(),
    secrets: new MemorySecretStore(),
    notifier: { notify() {} },
    transport: 'websocket'
  })
  core.onEvent((name, payload) => {
    if (name === 'target.state') states.push(payload as TargetState)
    if (name === 'series.delta') deltas.push(...pointsOf(payload as EventPayload<'series.delta'>))
  })
  const saved = await core.dispatch('profiles.save', {
    profile: {
      name: 'it',
      environment: 'dev',
      postgres: pg.dsn,
      redis: redis.url,
      prometheus: prom.url,
      metrics: [fixture.url],
      pollIntervalMs: POLL_MS
    }
  })
  expect(saved.ok).toBe(true)
  expect(JSON.stringify(saved)).not.toContain(pg.password)
  const started = await core.dispatch('monitor.start', { profile: 'it' })
  expect(started.ok).toBe(true)
})

afterAll(async () => {
  await core?.close()
  await Promise.allSettled([pg?.stop(), redis?.stop(), prom?.stop(), fixture?.close()])
})

describe('the core against real servers', () => {
  it('brings every target up with live figures', async () => {
    for (const id of ['postgres', 'redis', 'prometheus', 'metrics-0'])
      await eventually(`${id} up`, () => latest(id)?.health === 'up', 20_000)
    // Rates need two polls: wait for a finite transactions/s point from the real server.
    await eventually('a Postgres tx/s point', () => deltas.some((d) => d.seriesId === 'postgres:tps' && typeof d.v === 'number'))
    await eventually('a Redis ops/s point', () => deltas.some((d) => d.seriesId === 'redis:ops' && typeof d.v === 'number'))
    const pgState = latest('postgres')!
    expect(pgState.endpoint).toBe(`127.0.0.1:${pg.port}/app`)
    expect(pgState.figures.find((f) => f.label === 'Connections')!.detail).toMatch(/of max_connections 100/)
    expect(latest('metrics-0')!.figures.find((f) => f.label === 'Samples')!.value).toBeGreaterThan(0)
  })

  it('marks a killed Redis down with the server error within two polls while Postgres keeps updating', async () => {
    await eventually('redis up', () => latest('redis')?.health === 'up')
    const killedAt = Date.now()
    const pgPointsBefore = deltas.filter((d) => d.seriesId === 'postgres:tps').length
    await redis.kill()
    const down = await eventually('redis down', () => (latest('redis')?.health === 'down' ? latest('redis') : null), 5000)
    const redisPollsAfterKill = states.filter((s) => s.targetId === 'redis' && s.lastPollAt! >= killedAt)
    expect(redisPollsAfterKill.findIndex((s) => s.health === 'down')).toBeLessThan(2)
    expect(down.lastError).toMatch(new RegExp(`Redis 127\\.0\\.0\\.1:${redis.port}: .*(refused|closed)`))
    // Postgres went on polling at its own pace during the outage.
    const pgAfter = await eventually('two Postgres points during the outage', () => {
      const after = deltas.filter((d) => d.seriesId === 'postgres:tps').slice(pgPointsBefore)
      return after.length >= 2 ? after : null
    })
    expect(pgAfter.some((d) => typeof d.v === 'number')).toBe(true)
    expect(latest('postgres')!.health).toBe('up')
    // The failed redis polls leave gaps (null) in its chart.
    expect(deltas.filter((d) => d.seriesId === 'redis:ops' && d.t >= killedAt).some((d) => d.v === null)).toBe(true)
  })

  it('recovers when Redis comes back, without restarting the core', async () => {
    await redis.restart()
    await eventually('redis up again', () => latest('redis')?.health === 'up', 20_000)
    expect(latest('redis')!.consecutiveFailures).toBe(0)
    expect(latest('redis')!.circuit).toBe('closed')
  })

  it('a wrong Postgres password gives a clear error naming user and host, never the password', async () => {
    const wrong = 'not-the-password-123'
    const dsn = `postgresql://postgres:${wrong}@127.0.0.1:${pg.port}/app`
    const r = await core.dispatch('profiles.save', {
      profile: { name: 'wrongpw', environment: 'dev', postgres: dsn, pollIntervalMs: POLL_MS }
    })
    expect(r.ok).toBe(true)
    await core.dispatch('monitor.start', { profile: 'wrongpw' })
    const s = await eventually('wrongpw down', () => [...states].reverse().find((x) => x.profile === 'wrongpw' && x.health === 'down'))
    expect(s.lastError).toBe(
      `Postgres 127.0.0.1:${pg.port} as user "postgres", database "app": password authentication failed for user "postgres" (28P01: wrong password)`
    )
    expect(JSON.stringify(states.filter((x) => x.profile === 'wrongpw'))).not.toContain(wrong)
    await core.dispatch('monitor.stop', { profile: 'wrongpw' })
  })

  it('a killed Postgres is reported down and comes back after a restart (crash recovery)', async () => {
    await pg.kill()
    const down = await eventually('postgres down', () => (latest('postgres')?.health === 'down' ? latest('postgres') : null), 5000)
    expect(down.lastError).toMatch(/^Postgres 127\.0\.0\.1:\d+ as user "postgres", database "app": /)
    await pg.restart()
    await eventually('postgres up again', () => latest('postgres')?.health === 'up', 30_000)
  })

  it('fails the scrape of a malformed page with its line and column, on that target only', async () => {
    fixture.override('# TYPE rq histogram\nrq_bucket{le="1"} 5\nrq_bucket{le="+Inf"} oops\n')
    try {
      const s = await eventually(
        'metrics down on a bad page',
        () => (latest('metrics-0')?.health === 'down' ? latest('metrics-0') : null),
        5000
      )
      expect(s.lastError).toBe(`${fixture.url}: invalid text 0.0.4 page at line 3, column 22: expected a number, found "oops"`)
      expect(latest('postgres')!.health).toBe('up')
    } finally {
      fixture.override(null)
    }
    await eventually('metrics up again', () => latest('metrics-0')?.health === 'up', 10_000)
  })

  it('shows an HTTP error from a broken /metrics endpoint on that target only', async () => {
    fixture.override('oops', 500)
    try {
      const s = await eventually('metrics down', () => (latest('metrics-0')?.health === 'down' ? latest('metrics-0') : null), 5000)
      expect(s.lastError).toBe(`${fixture.url}: HTTP 500 Internal Server Error`)
      expect(latest('redis')!.health).toBe('up')
    } finally {
      fixture.override(null)
    }
    await eventually('metrics up again', () => latest('metrics-0')?.health === 'up', 10_000)
  })
})
