import { Redis } from 'ioredis'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { dryRun, invalidate, INVALIDATE_UNLINK_BATCH, type InvalidateProgress } from '../../src/main/core/redis/invalidate'
import { createMonitorRedis, describeRedisUrl } from '../../src/main/core/redis/connection'
import { ThreadLatencyProbe } from '../../src/main/core/redis/latency-probe'
import { eventually, startRedis, type RedisHandle } from '../harness'

let server: RedisHandle
let admin: Redis

async function seed(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i += 1000) {
    const p = admin.pipeline()
    for (let k = i; k < Math.min(n, i + 1000); k++) p.set(`${prefix}${k}`, 'v')
    await p.exec()
  }
}

async function countKeys(pattern: string): Promise<number> {
  let cursor = '0'
  let n = 0
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
    cursor = next
    n += keys.length
  } while (cursor !== '0')
  return n
}

const connect = async () => {
  const c = createMonitorRedis(server.url, null, 5000)
  await c.connect()
  return c
}

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
})

afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

beforeEach(async () => {
  await admin.flushall()
})

describe('pattern invalidation on a real Redis', () => {
  it('estimates with a dry run that deletes nothing', async () => {
    await seed('cache:user:', 5000)
    await seed('session:', 3000)
    const c = await connect()
    const d = await dryRun(c, 'cache:user:*')
    expect(d).toMatchObject({ sampled: 8000, matched: 5000, dbsize: 8000, estimatedTotal: 5000, complete: true })
    expect(d.examples).toHaveLength(5)
    expect(d.examples.every((k) => k.startsWith('cache:user:'))).toBe(true)
    expect(await admin.dbsize()).toBe(8000)
    c.disconnect()
  })

  it('deletes exactly the matching keys, and nothing written meanwhile under other prefixes', async () => {
    await seed('cache:user:', 5000)
    await seed('session:', 3000)
    const c = await connect()
    const probe = new ThreadLatencyProbe(describeRedisUrl(server.url), null)
    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) {
        await admin.set(`other:${written}`, 'x')
        written++
      }
    })()
    const progress: InvalidateProgress[] = []
    const r = await invalidate(c, { pattern: 'cache:user:*', probe, estimatedTotal: 5000, onProgress: (p) => progress.push(p) })
    writing = false
    await writer
    expect(r.outcome).toBe('done')
    expect(r.deleted).toBe(5000)
    expect(await countKeys('cache:user:*')).toBe(0)
    expect(await countKeys('session:*')).toBe(3000)
    expect(await countKeys('other:*')).toBe(written)
    expect(written).toBeGreaterThan(0)
    expect(progress.length).toBeGreaterThan(1)
    expect(progress.at(-1)!.etaS).toBe(0)
    c.disconnect()
  })

  it('cancels within one batch and reports the exact count', async () => {
    await seed('big:', 30_000)
    const c = await connect()
    const abort = new AbortController()
    let deletedAtAbort = -1
    const r = await invalidate(c, {
      pattern: 'big:*',
      signal: abort.signal,
      onProgress: (p) => {
        if (p.deleted >= 2000 && deletedAtAbort < 0) {
          deletedAtAbort = p.deleted
          abort.abort()
        }
      }
    })
    expect(r.outcome).toBe('cancelled')
    expect(r.deleted - deletedAtAbort).toBeLessThanOrEqual(INVALIDATE_UNLINK_BATCH)
    expect(30_000 - (await countKeys('big:*'))).toBe(r.deleted)
    c.disconnect()
  })

  it('ends with a clear error and the exact count when its connection drops mid-job', async () => {
    await seed('drop:', 30_000)
    const c = await connect()
    const id = await c.client('ID')
    let killed = false
    const r = await invalidate(c, {
      pattern: 'drop:*',
      batch: 100,
      onProgress: (p) => {
        if (!killed && p.deleted >= 1000) {
          killed = true
          void admin.client('KILL', 'ID', String(id))
        }
      }
    })
    expect(r.outcome).toBe('failed')
    expect(r.error).toMatch(/Connection is closed|ECONNRESET|closed/i)
    // Exact, except for a batch whose reply the drop swallowed: that one is reported as uncertain.
    const actuallyDeleted = 30_000 - (await countKeys('drop:*'))
    expect(actuallyDeleted).toBeGreaterThanOrEqual(r.deleted)
    expect(actuallyDeleted).toBeLessThanOrEqual(r.deleted + r.uncertain)
    c.disconnect()
  })
})

describe('the latency probe', () => {
  it('measures PING round trips from its own thread, and says when it cannot authenticate', async () => {
    const probe = new ThreadLatencyProbe(describeRedisUrl(server.url), null)
    await eventually('a first PING round trip', () => probe.worstMs > 0 || probe.failed || null)
    expect(probe.failed).toBe(false)
    expect(probe.worstMs).toBeGreaterThan(0)
    expect(probe.worstMs).toBeLessThan(1000)
    expect(probe.take()).toBeGreaterThan(0)
    await probe.stop()
    const locked = await startRedis(['--requirepass', 'sekret'])
    try {
      const wrong = new ThreadLatencyProbe(describeRedisUrl(locked.url), 'nope')
      const right = new ThreadLatencyProbe(describeRedisUrl(locked.url), 'sekret')
      await eventually('the wrong password refused', () => wrong.failed || null)
      await eventually('a PING with the right one', () => right.worstMs > 0 || right.failed || null)
      expect(wrong.failed).toBe(true)
      expect(right.failed).toBe(false)
      expect(right.worstMs).toBeGreaterThan(0)
      await Promise.all([wrong.stop(), right.stop()])
    } finally {
      await locked.stop()
    }
  })
})

/** A core with job events collected and two profiles on the test server: `<name>-dev` and read-only `<name>-ro`. */
async function jobCore(name: string) {
  const { createCore } = await import('../../src/main/core')
  const { MemorySecretStore } = await import('../../src/main/core/ports')
  const { tempDir } = await import('../helpers/temp')
  const dataDir = tempDir()
  const core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  const events: any[] = []
  core.onEvent((n, p) => n === 'job.progress' && events.push(p))
  for (const [suffix, readOnly] of [
    ['dev', false],
    ['ro', true]
  ] as const) {
    const saved = await core.dispatch('profiles.save', {
      profile: { name: `${name}-${suffix}`, environment: 'dev', readOnly, redis: server.url }
    })
    if (!saved.ok) throw new Error(saved.error.message)
  }
  return { core, events, dataDir }
}

describe('invalidation through the core', () => {
  it('is refused on read-only profiles and without confirmation, runs as a job with progress, cancels, and is audited', async () => {
    const { core, events } = await jobCore('cache')
    try {
      await seed('cache:v1:', 4000)
      await seed('keep:', 1000)
      expect(
        await core.dispatch('cache.invalidate', { profile: 'cache-ro', pattern: 'cache:v1:*', confirmation: 'confirm' })
      ).toMatchObject({
        ok: false,
        error: { code: 'refused', message: 'profile "cache-ro" is read-only: invalidate keys refused' }
      })
      expect(await core.dispatch('cache.invalidate', { profile: 'cache-dev', pattern: 'cache:v1:*' })).toMatchObject({
        ok: false,
        error: { code: 'refused' }
      })
      expect(await core.dispatch('cache.invalidate', { profile: 'cache-dev', pattern: '**', confirmation: 'confirm' })).toMatchObject({
        ok: false,
        error: { code: 'bad_request', message: /only wildcards/ }
      })
      const dry = await core.dispatch('cache.dryRun', { profile: 'cache-dev', pattern: 'cache:v1:*' })
      expect(dry).toMatchObject({ ok: true, result: { estimatedTotal: 4000, complete: true } })
      const started = await core.dispatch('cache.invalidate', {
        profile: 'cache-dev',
        pattern: 'cache:v1:*',
        estimatedTotal: 4000,
        confirmation: 'confirm'
      })
      if (!started.ok) throw new Error(started.error.message)
      const jobId = (started.result as { jobId: string }).jobId

      const last = await eventually('the job to end', () => events.find((e) => e.jobId === jobId && e.state !== 'running'))
      expect(last).toMatchObject({ state: 'done', deleted: 4000, uncertain: 0, error: null })
      expect(await countKeys('keep:*')).toBe(1000)
      const audit = await core.dispatch('audit.recent', { limit: 5 })
      // The request is audited when the dispatcher accepts or refuses it, the job again when it ends.
      expect(audit.ok && (audit.result as any[]).map((e) => [e.profile, e.action, e.outcome])).toEqual([
        ['cache-dev', 'invalidate keys (job ended)', 'ok'],
        ['cache-dev', 'invalidate keys', 'ok'],
        ['cache-dev', 'invalidate keys', 'refused'],
        ['cache-dev', 'invalidate keys', 'refused'],
        ['cache-ro', 'invalidate keys', 'refused']
      ])
      // A second job, cancelled through the API: the count it reports is what is gone.
      await seed('cache:v2:', 100_000)
      const second = await core.dispatch('cache.invalidate', { profile: 'cache-dev', pattern: 'cache:v2:*', confirmation: 'confirm' })
      const id2 = (second as any).result.jobId
      await eventually('progress of the second job', () => events.find((e) => e.jobId === id2 && e.deleted > 0))
      expect(await core.dispatch('job.cancel', { jobId: id2 })).toEqual({ ok: true, result: { cancelling: true } })
      const end2 = await eventually('the second job to end', () => events.find((e) => e.jobId === id2 && e.state !== 'running'))
      expect(end2.state).toBe('cancelled')
      expect(100_000 - (await countKeys('cache:v2:*'))).toBe(end2.deleted)
    } finally {
      await core.close()
    }
  })
})

describe('TTL by pattern through the core', () => {
  it('sets, then clears, the TTL of exactly the matching keys; guarded and audited like invalidation', async () => {
    const { core, events, dataDir } = await jobCore('ttl')
    const ttls = async (prefix: string, n: number) => {
      const p = admin.pipeline()
      for (let i = 0; i < n; i++) p.ttl(`${prefix}${i}`)
      return ((await p.exec()) ?? []).map(([, t]) => Number(t))
    }
    const run = async (params: Record<string, unknown>) => {
      const started = await core.dispatch('cache.ttlPattern', params)
      if (!started.ok) throw new Error(started.error.message)
      const jobId = (started.result as { jobId: string }).jobId
      return eventually('the TTL job to end', () => events.find((e) => e.jobId === jobId && e.state !== 'running'))
    }
    try {
      await seed('sess:', 3000)
      await seed('keep:', 500)
      expect(
        await core.dispatch('cache.ttlPattern', { profile: 'ttl-ro', pattern: 'sess:*', ttlSeconds: 60, confirmation: 'confirm' })
      ).toMatchObject({
        ok: false,
        error: { code: 'refused', message: 'profile "ttl-ro" is read-only: set TTL by pattern refused' }
      })
      expect(await core.dispatch('cache.ttlPattern', { profile: 'ttl-dev', pattern: 'sess:*', ttlSeconds: 60 })).toMatchObject({
        ok: false,
        error: { code: 'refused' }
      })
      expect(
        await core.dispatch('cache.ttlPattern', { profile: 'ttl-dev', pattern: '*', ttlSeconds: 60, confirmation: 'confirm' })
      ).toMatchObject({
        ok: false,
        error: { code: 'bad_request', message: /only wildcards would change the TTL of every key/ }
      })

      const setAt = Date.now()
      const set = await run({ profile: 'ttl-dev', pattern: 'sess:*', ttlSeconds: 600, estimatedTotal: 3000, confirmation: 'confirm' })
      expect(set).toMatchObject({ kind: 'cache.ttl', state: 'done', deleted: 3000, matched: 3000, uncertain: 0, error: null })
      // 600 s, less the seconds since the job started (a busy machine runs it slowly).
      const floor = 600 - Math.ceil((Date.now() - setAt) / 1000) - 1
      expect((await ttls('sess:', 3000)).every((t) => t >= floor && t <= 600)).toBe(true)
      expect((await ttls('keep:', 500)).every((t) => t === -1)).toBe(true)
      expect(await admin.dbsize()).toBe(3500)

      const cleared = await run({ profile: 'ttl-dev', pattern: 'sess:1*', ttlSeconds: null, confirmation: 'confirm' })
      // sess:1, sess:10-19, sess:100-199, sess:1000-1999.
      expect(cleared).toMatchObject({ state: 'done', deleted: 1111 })
      const after = await ttls('sess:', 3000)
      expect(after.filter((t) => t === -1)).toHaveLength(1111)
      expect(after.filter((t) => t > 0)).toHaveLength(1889)

      // The log itself keeps what each job did: its TTL and the exact count.
      const { AuditLog } = await import('../../src/main/core/audit/audit-log')
      const entries = (await new AuditLog(dataDir).recent(10)).filter((e) => e.action.endsWith('(job ended)'))
      expect(entries.slice(0, 2).map((e) => [e.action, e.outcome, e.details.ttlSeconds, e.details.changed])).toEqual([
        ['clear TTL by pattern (job ended)', 'ok', null, 1111],
        ['set TTL by pattern (job ended)', 'ok', 600, 3000]
      ])
    } finally {
      await core.close()
    }
  })
})

describe('one long job per Redis server', () => {
  it('a second pattern job, warm-up or analysis on the same server is refused as busy while one runs, from any profile', async () => {
    const { core, events } = await jobCore('one')
    try {
      // Enough keys that the job runs for a good while (about a second here) after the refusals.
      await seed('big:', 300_000)
      const first = await core.dispatch('cache.invalidate', { profile: 'one-dev', pattern: 'big:*', confirmation: 'confirm' })
      if (!first.ok) throw new Error(first.error.message)
      const jobId = (first.result as { jobId: string }).jobId
      // Another profile on the same server, three kinds of long work: each refused at once.
      const saved = await core.dispatch('profiles.save', { profile: { name: 'two-dev', environment: 'dev', redis: server.url } })
      expect(saved.ok).toBe(true)
      const refusals = await Promise.all([
        core.dispatch('cache.ttlPattern', { profile: 'two-dev', pattern: 'big:1*', ttlSeconds: 60, confirmation: 'confirm' }),
        core.dispatch('cache.warm', { profile: 'two-dev', text: 'SET a 1', confirmation: 'confirm' }),
        core.dispatch('cache.analyse', { profile: 'two-dev', sampleKeys: 100 })
      ])
      expect(
        events.some((e) => e.jobId === jobId && e.state !== 'running'),
        'the first job was still running'
      ).toBe(false)
      for (const r of refusals)
        expect(r).toMatchObject({ ok: false, error: { code: 'busy', message: expect.stringContaining('a job is already running') } })
      await core.dispatch('job.cancel', { jobId })
      await eventually('the first job to end', () => events.find((e) => e.jobId === jobId && e.state !== 'running'))
      // Once it has ended, the server takes the next one.
      const next = await core.dispatch('cache.analyse', { profile: 'two-dev', sampleKeys: 100 })
      expect(next.ok).toBe(true)
    } finally {
      await core.close()
    }
  })
})
