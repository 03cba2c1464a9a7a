import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore, type Notification } from '../../src/main/core/ports'
import { startWorkload, type Workload } from '../../src/main/demo/workload'
import type { Alert, AlertsSummary } from '../../src/shared/schemas'
import {
  eventuallyAsync,
  startAlertmanager,
  startMetricsFixture,
  startPostgres,
  startRedis,
  type AlertmanagerHandle,
  type MetricsFixture,
  type PostgresHandle,
  type RedisHandle
} from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'
import { redisHitRateLowRule } from '../helpers/demo-rules'

/**
 * Lookout's rules on the demo's real servers: a mass invalidation collapses the Redis hit rate
 * and a pile-up of sessions waits on a lock; the matching critical alerts fire within their `for`
 * plus two polls, notify once per group, reach Debian's Alertmanager, and resume after a restart.
 */

const POLL_MS = 500
let pgh: PostgresHandle
let redis: RedisHandle
let fixture: MetricsFixture
let am: AlertmanagerHandle
let workload: Workload
let core: Core
let dataDir: string
let notes: Notification[] = []
const call = coreCaller(() => core)
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000) => eventuallyAsync(what, fn, timeoutMs)

const RUNBOOK = 'https://runbooks.example/cache-collapse'

function newCore(): Core {
  notes = []
  return createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify: (n) => notes.push(n) }, transport: 'websocket' })
}

async function alertsNamed(name: string): Promise<Alert[]> {
  const s = (await call('alerts.summary', {})) as AlertsSummary
  return [...s.firing, ...s.other].filter((a) => a.name === name)
}

beforeAll(async () => {
  ;[pgh, redis, fixture, am] = await Promise.all([startPostgres(), startRedis(), startMetricsFixture(), startAlertmanager()])
  workload = await startWorkload({ postgresDsn: pgh.dsn, redisUrl: redis.url, metrics: fixture, readsPerSecond: 50 })
  dataDir = tempDir()
  core = newCore()
  await call('profiles.save', {
    profile: {
      name: 'demo',
      environment: 'staging',
      postgres: pgh.dsn,
      redis: redis.url,
      metrics: [fixture.url],
      alertmanager: am.url,
      pollIntervalMs: POLL_MS,
      // Sessions count as blocked after a second (the default is 5 s).
      thresholds: { blocked_s: 1 }
    }
  })
  await call('alerts.setPolicy', { policy: { groupWaitS: 1, forwardToAlertmanager: true } })
  // The profile's own versions of two built-in rules, shorter than the pack's so the test is quick.
  await call('alerts.saveRule', {
    profile: 'demo',
    rule: { ...redisHitRateLowRule(3), runbookUrl: RUNBOOK }
  })
  await call('alerts.saveRule', {
    profile: 'demo',
    rule: {
      name: 'PostgresBlockedSessions',
      watch: { kind: 'finding', check: 'blocked_session' },
      threshold: 2,
      severity: 'critical',
      summary: '{{ $labels.object }} has waited {{ $value }} s on a lock'
    }
  })
  await call('monitor.start', { profile: 'demo' })
}, 180_000)

afterAll(async () => {
  await core?.close()
  await workload?.stop()
  await Promise.allSettled([pgh?.stop(), redis?.stop(), fixture?.close(), am?.stop()])
})

describe('alert rules on the demo’s real servers', () => {
  it('a mass invalidation collapses the hit rate: the critical alert fires within `for` plus two polls, notifies once, and reaches Alertmanager', async () => {
    // Healthy first: the rule sees data and holds its peace.
    await until('the hit rate charted', async () => {
      const snap = await call('monitor.snapshot', { profile: 'demo', points: 10 })
      const hit = snap.series.find((s: { seriesId: string }) => s.seriesId === 'redis:hitrate')
      return hit && hit.v.filter((v: number | null) => v !== null && v > 50).length >= 4
    })
    expect(await alertsNamed('RedisCacheHitLow')).toEqual([])

    const started = Date.now()
    await call('cache.invalidate', { profile: 'demo', pattern: 'customer:*', confirmation: 'confirm' })
    const [alert] = await until('RedisCacheHitLow firing', async () => {
      const a = (await alertsNamed('RedisCacheHitLow')).filter((x) => x.state === 'firing')
      return a.length ? a : null
    })
    console.log(`RedisCacheHitLow fired ${Date.now() - started} ms after the invalidation was asked for`)
    // Pending at the poll whose window average crossed, firing at the first poll once `for` had
    // passed: no poll of the target between the two (a busy machine stretches the polls, not the rule).
    expect(alert!.firedAt! - alert!.since).toBeGreaterThanOrEqual(3000)
    const polls = (await call('monitor.snapshot', { profile: 'demo' })).series.find(
      (x: { seriesId: string }) => x.seriesId === 'redis:hitrate'
    ).t as number[]
    expect(polls).toContain(alert!.since)
    expect(polls).toContain(alert!.firedAt)
    expect(polls.filter((t) => t >= alert!.since + 3000 && t < alert!.firedAt!)).toEqual([])
    expect(alert).toMatchObject({ severity: 'critical', runbookUrl: RUNBOOK, labels: { profile: 'demo', target: 'redis' } })
    expect(alert!.summary).toMatch(/^Redis hit rate \d+(\.\d+)?%$/)

    // Exactly one notification for the group, however many polls follow.
    await until('the notification', async () => notes.some((n) => n.title === 'demo: RedisCacheHitLow'))
    const polled = (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt
    await until(
      'four more polls',
      async () => (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt > polled + 4 * POLL_MS
    )
    expect(notes.filter((n) => n.title.startsWith('demo: RedisCacheHitLow'))).toHaveLength(1)
    expect(notes.find((n) => n.title === 'demo: RedisCacheHitLow')).toMatchObject({ severity: 'critical', alertId: alert!.id })

    // Forwarded: Debian's Alertmanager has it, with the profile and the runbook.
    const inAm = await until('the alert in Alertmanager', async () => {
      const list = (await call('alertmanager.alerts', { profile: 'demo' })) as { labels: Record<string, string>; summary: string }[]
      return list.find((a) => a.labels.alertname === 'RedisCacheHitLow')
    })
    expect(inAm.labels).toMatchObject({ lookout_profile: 'demo', severity: 'critical', target: 'redis' })
  })

  it('a pile-up of blocked sessions fires one critical alert per session and one notification for the group', async () => {
    const blocker = new pg.Client({ connectionString: pgh.dsn, application_name: 'test-blocker' })
    await blocker.connect()
    const waiters = await Promise.all(
      [1, 2, 3].map(async (i) => {
        const c = new pg.Client({ connectionString: pgh.dsn, application_name: `test-waiter-${i}` })
        await c.connect()
        return c
      })
    )
    try {
      await blocker.query('BEGIN')
      await blocker.query('SELECT * FROM customers WHERE id = 4242 FOR UPDATE')
      const pending = waiters.map((c) => c.query("UPDATE customers SET name = 'x' WHERE id = 4242").catch(() => {}))
      const firing = await until('three blocked sessions firing', async () => {
        const a = (await alertsNamed('PostgresBlockedSessions')).filter((x) => x.state === 'firing' && x.summary.includes('waited'))
        const pids = new Set(waiters.map((c) => `pid ${(c as unknown as { processID: number }).processID}`))
        const ours = a.filter((x) => pids.has(x.labels.object!))
        return ours.length === 3 ? ours : null
      })
      for (const a of firing) expect(a.value).toBeGreaterThan(2)
      await until('the notification', async () => notes.some((n) => n.title.startsWith('demo: PostgresBlockedSessions')))
      expect(notes.filter((n) => n.title.startsWith('demo: PostgresBlockedSessions'))).toHaveLength(1)
      // The blocker gives up: the findings clear and the alerts resolve (not "no data").
      await blocker.query('ROLLBACK')
      await Promise.all(pending)
      await until('resolved', async () => {
        const a = await alertsNamed('PostgresBlockedSessions')
        return firing.every((f) => a.find((x) => x.id === f.id)?.state === 'resolved')
      })
      expect(notes.filter((n) => n.title.startsWith('demo: PostgresBlockedSessions'))).toHaveLength(1)
    } finally {
      await Promise.allSettled([blocker.end(), ...waiters.map((c) => c.end())])
    }
  })

  it('an Alertmanager silence mutes a Lookout alert: shown as silenced there, no notification', async () => {
    await call('alertmanager.createSilence', {
      profile: 'demo',
      matchers: [{ name: 'alertname', value: 'DemoAlwaysOn' }],
      durationMinutes: 60,
      comment: 'known, being fixed',
      confirmation: 'confirm'
    })
    // The core reads the Alertmanager's silences when it starts watching: restart the watch.
    await call('monitor.stop', { profile: 'demo' })
    await call('alerts.saveRule', {
      profile: 'demo',
      rule: { name: 'DemoAlwaysOn', watch: { kind: 'series', metric: 'redis_ops' }, comparator: '>=', threshold: 0, severity: 'critical' }
    })
    await call('monitor.start', { profile: 'demo' })
    const [a] = await until('DemoAlwaysOn firing and silenced', async () => {
      const list = (await alertsNamed('DemoAlwaysOn')).filter((x) => x.state === 'firing' && x.muted.some((m) => m.kind === 'alertmanager'))
      return list.length ? list : null
    })
    expect(a!.muted.find((m) => m.kind === 'alertmanager')!.detail).toMatch(/known, being fixed/)
    const polled = (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt
    await until(
      'four more polls',
      async () => (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt > polled + 4 * POLL_MS
    )
    expect(notes.filter((n) => n.title.startsWith('demo: DemoAlwaysOn'))).toEqual([])
  })

  it('after a restart, a firing alert resumes as it was: same start, no second notification', async () => {
    const before = (await alertsNamed('RedisCacheHitLow')).find((x) => x.state === 'firing')
    expect(before).toBeDefined()
    await core.close()
    core = newCore()
    await call('monitor.start', { profile: 'demo' })
    const after = await until('RedisCacheHitLow firing again', async () =>
      (await alertsNamed('RedisCacheHitLow')).find((x) => x.state === 'firing')
    )
    expect(after.since).toBe(before!.since)
    expect(after.firedAt).toBe(before!.firedAt)
    const history = (await call('alerts.history', { profile: 'demo', limit: 1000 })) as { rule: string; to: string }[]
    expect(history.filter((h) => h.rule === 'RedisCacheHitLow').map((h) => h.to)).toContain('firing')
    const polled = (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt
    await until(
      'four more polls',
      async () => (await call('monitor.snapshot', { profile: 'demo', points: 1 })).targets[0].lastPollAt > polled + 4 * POLL_MS
    )
    expect(notes.filter((n) => n.title.startsWith('demo: RedisCacheHitLow'))).toEqual([])
  })
})

describe('guarding alert rules', () => {
  it('turning a rule off on prod needs the profile’s name; acknowledging on a read-only profile does not; both audited', async () => {
    await call('profiles.save', { profile: { name: 'pay-prod', environment: 'prod', redis: redis.url } })
    const off = { name: 'RedisMemoryHigh', watch: { kind: 'series', metric: 'redis_memory_of_max' }, threshold: 90, enabled: false }
    for (const confirmation of [undefined, 'confirm']) {
      const r = await core.dispatch('alerts.saveRule', { profile: 'pay-prod', rule: off, confirmation })
      expect(r).toMatchObject({ ok: false, error: { reason: 'confirmation_required' } })
    }
    const r = await core.dispatch('alerts.deleteRule', { profile: 'pay-prod', name: 'RedisMemoryHigh' })
    expect(r).toMatchObject({ ok: false, error: { reason: 'confirmation_required' } })
    await call('alerts.saveRule', { profile: 'pay-prod', rule: off, confirmation: 'pay-prod' })
    const rules = await call('alerts.rules', { profile: 'pay-prod' })
    expect(rules.rules.find((x: { rule: { name: string } }) => x.rule.name === 'RedisMemoryHigh')).toMatchObject({
      origin: 'profile',
      rule: { enabled: false }
    })
    // A rule is a rule: a bad one is refused with what is wrong.
    const bad = await core.dispatch('alerts.saveRule', {
      profile: 'demo',
      rule: { name: '9lives', watch: { kind: 'series', metric: 'up' } }
    })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad_request' } })

    await call('profiles.save', {
      profile: { name: 'demo', environment: 'staging', readOnly: true, postgres: pgh.dsn, redis: redis.url, pollIntervalMs: POLL_MS },
      replace: true,
      confirmation: 'confirm'
    })
    // Read-only now (the watch restarted with it): its alerts can still be acknowledged.
    const firing = await until('an alert of the read-only profile', async () =>
      ((await call('alerts.summary', {})).firing as Alert[]).find((a) => a.profile === 'demo')
    )
    const acked = await call('alerts.mute', { id: firing.id, how: 'ack' })
    expect(acked.muted[0]).toMatchObject({ kind: 'ack' })
    const audit = (await call('audit.recent', { limit: 50 })) as { action: string; outcome: string }[]
    expect(audit.filter((e) => e.action === 'save alert rule').map((e) => e.outcome)).toEqual(expect.arrayContaining(['ok', 'refused']))
    expect(audit.find((e) => e.action === 'ack alert')).toMatchObject({ outcome: 'ok' })
  })

  it('a local silence is previewed against the current alerts, then mutes them until it ends', async () => {
    const matchers = [{ name: 'profile', op: '=', value: 'demo' }]
    const hit = (await call('alerts.previewSilence', { matchers })) as Alert[]
    expect(hit.length).toBeGreaterThan(0)
    const s = await call('alerts.createSilence', { matchers, durationS: 600, comment: 'maintenance window' })
    const after = (await call('alerts.summary', {})).firing.filter((a: Alert) => a.profile === 'demo') as Alert[]
    expect(after.every((a) => a.muted.some((m) => m.kind === 'silence' && m.detail.startsWith('maintenance window')))).toBe(true)
    expect((await call('alerts.expireSilence', { id: s.id })).expired).toBe(true)
    const again = (await call('alerts.summary', {})).firing.filter((a: Alert) => a.profile === 'demo') as Alert[]
    expect(again.some((a) => a.muted.some((m) => m.kind === 'silence'))).toBe(false)
  })
})
