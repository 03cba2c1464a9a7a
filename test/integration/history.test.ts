import { spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { historyCommand } from '../../src/main/cli/history-command'
import { createCore, type Core } from '../../src/main/core'
import { SqliteHistoryStore } from '../../src/main/core/history/sqlite-store'
import { MemorySecretStore } from '../../src/main/core/ports'
import { startWorkload, type Workload } from '../../src/main/demo/workload'
import type { HistoryInfo, TimelineEvent } from '../../src/shared/history'
import type { AlertsSummary } from '../../src/shared/schemas'
import {
  eventuallyAsync,
  startMetricsFixture,
  startPostgres,
  startRedis,
  type MetricsFixture,
  type PostgresHandle,
  type RedisHandle
} from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'
import { redisHitRateLowRule } from '../helpers/demo-rules'

/**
 * History on the demo's real servers: an induced incident (an invalidation that collapses the
 * hit rate, then a pile-up of blocked sessions) on the timeline in order; the charts, statement
 * windows and timeline of a watched profile surviving a restart of the core; a writer killed
 * mid-write losing at most one tick and never the file; the guard on pruning and retention; and
 * `lookout history info|prune`.
 */

const POLL_MS = 500
/** The history must hold at least this much before the core is restarted. */
const WATCHED_MS = Number(process.env.WATCHED_MS ?? 120_000)
let pgh: PostgresHandle
let redis: RedisHandle
let fixture: MetricsFixture
let workload: Workload
let core: Core
let dataDir: string
let startedAt: number
const call = coreCaller(() => core)
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) => eventuallyAsync(what, fn, timeoutMs)

// One secret store for both runs, as the OS keychain outlives the app.
const secrets = new MemorySecretStore()
const newCore = () => createCore({ dataDir, secrets, notifier: { notify: () => {} }, transport: 'websocket' })

async function firing(name: string) {
  const s = (await call('alerts.summary', {})) as AlertsSummary
  return s.firing.filter((a) => a.name === name)
}

async function timeline(params: Record<string, unknown> = {}): Promise<TimelineEvent[]> {
  return (await call('history.timeline', { range: { from: startedAt - 1000, to: Date.now() + 1000 }, ...params })).events
}

beforeAll(async () => {
  ;[pgh, redis, fixture] = await Promise.all([startPostgres(), startRedis(), startMetricsFixture()])
  workload = await startWorkload({ postgresDsn: pgh.dsn, redisUrl: redis.url, metrics: fixture, readsPerSecond: 50 })
  dataDir = tempDir()
  core = newCore()
  await call('profiles.save', {
    profile: {
      name: 'demo',
      environment: 'staging',
      postgres: pgh.dsn,
      redis: redis.url,
      pollIntervalMs: POLL_MS,
      thresholds: { blocked_s: 1 }
    }
  })
  await call('alerts.setPolicy', { policy: { groupWaitS: 1 } })
  await call('alerts.saveRule', {
    profile: 'demo',
    rule: redisHitRateLowRule()
  })
  await call('alerts.saveRule', {
    profile: 'demo',
    rule: { name: 'PostgresBlockedSessions', watch: { kind: 'finding', check: 'blocked_session' }, threshold: 2, severity: 'critical' }
  })
  startedAt = Date.now()
  await call('monitor.start', { profile: 'demo' })
}, 180_000)

afterAll(async () => {
  await core?.close()
  await workload?.stop()
  await Promise.allSettled([pgh?.stop(), redis?.stop(), fixture?.close()])
})

describe('the incident timeline', () => {
  it(
    'lists the invalidation, the alert it caused, then the blocked sessions’ findings and alert, in order',
    { timeout: 180_000 },
    async () => {
      await until('the hit rate charted', async () => {
        const snap = await call('monitor.snapshot', { profile: 'demo', points: 10 })
        const hit = snap.series.find((s: { seriesId: string }) => s.seriesId === 'redis:hitrate')
        return hit && hit.v.filter((v: number | null) => v !== null && v > 50).length >= 4
      })
      await call('cache.invalidate', { profile: 'demo', pattern: 'customer:*', confirmation: 'confirm' })
      await until('RedisCacheHitLow firing', async () => (await firing('RedisCacheHitLow')).length > 0)

      const blocker = new pg.Client({ connectionString: pgh.dsn, application_name: 'test-blocker' })
      await blocker.connect()
      const waiters = await Promise.all(
        [1, 2].map(async (i) => {
          const c = new pg.Client({ connectionString: pgh.dsn, application_name: `test-waiter-${i}` })
          await c.connect()
          return c
        })
      )
      const pids = waiters.map((c) => `pid ${(c as unknown as { processID: number }).processID}`)
      try {
        await blocker.query('BEGIN')
        await blocker.query('SELECT * FROM customers WHERE id = 4242 FOR UPDATE')
        const pending = waiters.map((c) => c.query("UPDATE customers SET name = 'x' WHERE id = 4242").catch(() => {}))
        await until('our sessions’ PostgresBlockedSessions firing', async () =>
          (await firing('PostgresBlockedSessions')).some((a) => pids.includes(a.labels.object ?? ''))
        )
        await blocker.query('ROLLBACK')
        await Promise.all(pending)
      } finally {
        await Promise.allSettled([blocker.end(), ...waiters.map((c) => c.end())])
      }

      const events = await until('the incident on the timeline', async () => {
        const e = await timeline()
        const find = (pred: (x: TimelineEvent) => boolean) => e.find(pred)
        const action = find((x) => x.kind === 'action' && x.change === 'invalidate keys' && x.title.includes('customer:*'))
        const cacheAlert = find((x) => x.kind === 'alert' && x.change === 'firing' && x.title.startsWith('RedisCacheHitLow'))
        // Our waiters' (the demo's own writes may block each other for a moment too).
        const ours = (x: TimelineEvent) => pids.some((p) => x.title.includes(p))
        const finding = find((x) => x.kind === 'finding' && x.change === 'appeared' && x.title.startsWith('blocked_session') && ours(x))
        const pgAlert = find((x) => x.kind === 'alert' && x.change === 'firing' && x.title.startsWith('PostgresBlockedSessions') && ours(x))
        return action && cacheAlert && finding && pgAlert ? { action, cacheAlert, finding, pgAlert, all: e } : null
      })
      console.log(
        'timeline of the incident:\n' +
          events.all
            .filter((e) => e.kind !== 'statement')
            .map((e) => `${new Date(e.t).toISOString()} ${e.kind} ${e.change} ${e.title}`)
            .join('\n')
      )
      expect(events.action.t).toBeLessThanOrEqual(events.cacheAlert.t)
      expect(events.cacheAlert.t).toBeLessThan(events.finding.t)
      expect(events.finding.t).toBeLessThanOrEqual(events.pgAlert.t)
      expect(events.cacheAlert.severity).toBe('critical')
      // The list is in time order, and a filter keeps only what it names.
      const times = events.all.map((e) => e.t)
      expect([...times].sort((a, b) => a - b)).toEqual(times)
      const actionsOnly = await timeline({ kinds: ['action'] })
      expect(actionsOnly.length).toBeGreaterThan(0)
      expect(actionsOnly.every((e) => e.kind === 'action')).toBe(true)
      expect((await timeline({ search: 'customer:*' })).some((e) => e.change === 'invalidate keys')).toBe(true)
    }
  )
})

describe('history across a restart', () => {
  it(
    'after a few minutes watched, the charts, statement windows and timeline still show them once the core is reopened',
    async () => {
      const info = await until(
        'the history holding the minutes watched',
        async () => {
          const i = (await call('history.info', {})) as HistoryInfo
          const p = i.profiles.find((x) => x.profile === 'demo')
          return Date.now() - startedAt >= WATCHED_MS && p && p.oldest !== null && p.newest !== null && p.newest - p.oldest >= WATCHED_MS
            ? i
            : null
        },
        WATCHED_MS + 60_000
      )
      expect(info.path).toBe(join(dataDir, 'history.db'))
      expect(info.bytes).toBeGreaterThan(0)
      const before = await call('history.series', {
        profile: 'demo',
        series: [{ targetId: 'redis', seriesId: 'redis:hitrate' }],
        range: { from: startedAt, to: Date.now() },
        points: 5000
      })
      const statementsBefore = await call('postgres.statements', { profile: 'demo', range: { from: startedAt, to: Date.now() } })
      expect(statementsBefore.source).toBe('history')
      const busiest = statementsBefore.statements[0]
      expect(busiest.calls).toBeGreaterThan(0)
      const closedAt = Date.now()
      await core.close()

      core = newCore()
      await call('monitor.start', { profile: 'demo' })
      // The live charts start from the points of the run before, then a gap (Lookout was not watching).
      const snap = await call('monitor.snapshot', { profile: 'demo' })
      const hit = snap.series.find((s: { seriesId: string }) => s.seriesId === 'redis:hitrate')
      const old = (hit.t as number[]).filter((t) => t < closedAt)
      expect(old.length).toBeGreaterThanOrEqual(Math.floor((WATCHED_MS / POLL_MS) * 0.5))
      expect(hit.v[old.length - 1]).toBeNull()
      expect(hit.v.slice(0, old.length - 1).filter((v: number | null) => v !== null).length).toBeGreaterThan(old.length / 2)
      // The same range reads the same points from the reopened store.
      const after = await call('history.series', {
        profile: 'demo',
        series: [{ targetId: 'redis', seriesId: 'redis:hitrate' }],
        range: { from: startedAt, to: closedAt },
        points: 5000
      })
      const kept = before.series[0].t.filter((t: number) => t < closedAt).length
      expect(after.series[0].t.length).toBe(kept)
      // Statements over the earlier minutes, from the reopened store: the same busiest statement.
      const statementsAfter = await call('postgres.statements', { profile: 'demo', range: { from: startedAt, to: closedAt } })
      expect(statementsAfter.statements.find((s: { key: string }) => s.key === busiest.key)?.calls).toBeGreaterThan(0)
      // The last hour, once this run has its first sample, reaches into the run before.
      const hour = await until('the last hour answered from the history', async () => {
        const r = await call('postgres.statements', { profile: 'demo', window: '1h' })
        return r.sampledAt !== null && r.source === 'history' ? r : null
      })
      expect(hour.windowSeconds * 1000).toBeGreaterThanOrEqual(closedAt - startedAt - 30_000)
      expect(hour.statements.some((s: { key: string }) => s.key === busiest.key)).toBe(true)
      // The timeline still has the incident.
      expect((await timeline({ kinds: ['action'] })).some((e) => e.change === 'invalidate keys')).toBe(true)
    },
    WATCHED_MS + 180_000
  )
})

describe('a crash mid-write', () => {
  it('a writer killed at any moment loses at most its last tick, and the file stays whole', async () => {
    const dir = tempDir()
    const path = join(dir, 'history.db')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../fixtures/history-writer.ts', import.meta.url)), path],
      {
        stdio: ['ignore', 'pipe', 'inherit']
      }
    )
    let last = -1
    let buffered = ''
    // Killed past the second compaction (every 600 ticks), at whatever point of a tick it is.
    const killAt = 1300 + Math.floor(Math.random() * 200)
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
    child.stdout.on('data', (b: Buffer) => {
      buffered += b.toString()
      const lines = buffered.split('\n')
      buffered = lines.pop()!
      for (const l of lines) last = Number(l.slice(5))
      if (last >= killAt && child.exitCode === null) child.kill('SIGKILL')
    })
    await exited
    expect(last).toBeGreaterThanOrEqual(killAt)
    const db = new Database(path)
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok')
    db.close()
    const start = Date.UTC(2026, 0, 1)
    const store = new SqliteHistoryStore(path, () => start + (last + 2) * 1000)
    const r = store.readSeries('crash', 'pg', 'pg:s7', start, start + (last + 10) * 1000, 100_000)
    store.close()
    // Every tick it reported committed is there; at most one more (committed, not yet printed).
    expect(r.data.t.length).toBeGreaterThanOrEqual(last + 1)
    expect(r.data.t.length).toBeLessThanOrEqual(last + 2)
    const t = Array.from(r.data.t)
    expect(t.every((x, i) => x === start + i * 1000)).toBe(true)
    expect(r.data.avg[last]).toBeCloseTo(last + 0.07, 4)
  })
})

describe('guarding and the command line', () => {
  it('keeps no password: the harness set it with ALTER ROLE, which pg_stat_statements keeps as typed', async () => {
    // The statement's text reaches the store with the first statements sample.
    const text = await until('the ALTER ROLE statement in the history', async () => {
      const db = new Database(join(dataDir, 'history.db'), { readonly: true })
      try {
        return db.prepare("SELECT text FROM stmt_text WHERE text LIKE 'ALTER ROLE postgres PASSWORD%'").pluck().get() as string | undefined
      } finally {
        db.close()
      }
    })
    expect(text).toBe("ALTER ROLE postgres PASSWORD '<redacted>'")
    for (const f of readdirSync(dataDir).filter((x) => x.startsWith('history.db')))
      expect(readFileSync(join(dataDir, f)).includes(pgh.password), f).toBe(false)
    const all = await call('postgres.statements', { profile: 'demo', window: 'connect', limit: 1000 })
    expect(JSON.stringify(all)).not.toContain(pgh.password)
    expect(JSON.stringify(await call('postgres.activity', { profile: 'demo' }))).not.toContain(pgh.password)
  })

  it('shortening the retention needs "confirm"; pruning a prod profile’s history needs its name; both audited', async () => {
    const info = (await call('history.info', {})) as HistoryInfo
    const shorter = { ...info.retention, minuteMs: info.retention.minuteMs - 86_400_000 }
    await expect(call('history.setRetention', { retention: shorter })).rejects.toMatchObject({
      code: 'refused',
      reason: 'confirmation_required'
    })
    expect(await call('history.setRetention', { retention: shorter, confirmation: 'confirm' })).toEqual(shorter)
    // Longer again: nothing is deleted by that, no confirmation asked.
    expect(await call('history.setRetention', { retention: info.retention })).toEqual(info.retention)

    await call('profiles.save', { profile: { name: 'payments', environment: 'prod', redis: redis.url } })
    for (const confirmation of [undefined, 'confirm'])
      await expect(call('history.prune', { profile: 'payments', olderThanMs: 0, confirmation })).rejects.toMatchObject({
        code: 'refused',
        reason: 'confirmation_required'
      })
    // Its timeline held its save and the refusals: gone.
    expect((await call('history.prune', { profile: 'payments', olderThanMs: 0, confirmation: 'payments' })).deleted).toBeGreaterThanOrEqual(
      3
    )
    const audit = (await call('audit.recent', { limit: 20 })) as { action: string; outcome: string }[]
    const mine = audit.filter((a) => a.action === 'prune history' || a.action === 'set history retention')
    expect(mine.map((a) => a.outcome).sort()).toEqual(['ok', 'ok', 'ok', 'refused', 'refused', 'refused'].sort())
  })

  it('lookout history info says where it is and how big; prune refuses without --yes and deletes with it', async () => {
    let stdout = ''
    let stderr = ''
    const io = { out: (s: string) => (stdout += s), err: (s: string) => (stderr += s) }
    // The app's core holds the store open; the command line opens it beside it, as it would beside the desktop app.
    expect(await historyCommand('info', { dataDir }, io), stderr).toBe(0)
    expect(stdout).toContain(join(dataDir, 'history.db'))
    expect(stdout).toMatch(/demo: \d+ series, \d+ timeline events/)
    expect(stdout).toMatch(/retention: raw points 24 h, 1-minute 14 d, 15-minute 90 d/)
    stdout = ''
    expect(await historyCommand('prune', { dataDir, olderThan: 'soon' }, io)).toBe(2)
    expect(stderr).toMatch(/--older-than takes an age/)
    expect(await historyCommand('prune', { dataDir, profile: 'demo', all: true }, io)).toBe(2)
    expect(stderr).toMatch(/needs confirmation: send "confirm".*--yes/)
    // Stopped first, or the watch would write the profile's history again at once.
    await call('monitor.stop', { profile: 'demo' })
    const pruned = await historyCommand('prune', { dataDir, profile: 'demo', all: true, yes: true }, io)
    expect(pruned, stderr).toBe(0)
    expect(stdout).toMatch(/deleted \d+ row\(s\)/)
    stdout = ''
    expect(await historyCommand('info', { dataDir, json: true }, io)).toBe(0)
    const after = JSON.parse(stdout) as HistoryInfo
    // Only the prune itself is left on the profile's timeline (the audit of it comes after it).
    expect(after.profiles.find((p) => p.profile === 'demo')).toMatchObject({ series: 0, statementRows: 0, events: 1 })
    expect((await timeline({ profiles: ['demo'] })).map((e) => e.change)).toEqual(['prune history'])
  })
})
