import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import { eventually, eventuallyAsync, startRedis, type RedisHandle } from '../harness'
import { coreCaller, jobCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

let primary: RedisHandle
let replica: RedisHandle
let admin: Redis
let core: Core
const call = coreCaller(() => core)
const runJob = jobCaller(() => core)
const progress: EventPayload<'keyspace.progress'>[] = []

beforeAll(async () => {
  primary = await startRedis(['--enable-debug-command', 'yes'])
  replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)])
  admin = new Redis(primary.url)
  await admin.call('DEBUG', 'POPULATE', '60000', 'sess')
  const r = new Redis(replica.url)
  await eventuallyAsync('the replica loaded', async () => (await r.dbsize()) === 60000)
  r.disconnect()
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  core.onEvent((name, payload) => {
    if (name === 'keyspace.progress') progress.push(payload as EventPayload<'keyspace.progress'>)
  })
  await call('profiles.save', { profile: { name: 'ks', environment: 'dev', redis: primary.url, redisReplica: replica.url } })
  await call('profiles.save', { profile: { name: 'ks-primary', environment: 'dev', redis: primary.url } })
})

afterAll(async () => {
  await core?.close()
  admin?.disconnect()
  await replica?.stop()
  await primary?.stop()
})

describe('key-space analysis as a job', () => {
  it('reads from the replica when the profile names one, with progress events', async () => {
    const before = Number(/cmdstat_scan:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)
    const a = await runJob('cache.analyse', { profile: 'ks', sampleKeys: 20_000, jobId: 'job-1' })
    expect(a).toMatchObject({ sampled: 20_000, dbsize: 60_000, readFrom: `redis://127.0.0.1:${replica.port}/0` })
    // The primary served no SCAN for it.
    expect(Number(/cmdstat_scan:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0)).toBe(before)
    const mine = progress.filter((p) => p.jobId === 'job-1')
    expect(mine.length).toBeGreaterThan(1)
    expect(mine.at(-1)).toMatchObject({ sampled: 20_000, sampleKeys: 20_000 })
  })

  it('cancels between batches with a clear message', async () => {
    const run = runJob('cache.analyse', { profile: 'ks-primary', sampleKeys: 200_000, jobId: 'job-2' })
    await eventually('the first progress', () => progress.some((p) => p.jobId === 'job-2'))
    expect(await call('job.cancel', { jobId: 'job-2' })).toEqual({ cancelling: true })
    await expect(run).rejects.toMatchObject({ code: 'conflict', message: 'the analysis was cancelled' })
  })
})

describe('cache warming through the core', () => {
  it('is guarded, checks every line first, writes with progress, and is audited', async () => {
    await call('profiles.save', { profile: { name: 'ks-ro', environment: 'dev', readOnly: true, redis: primary.url } })
    const text = Array.from({ length: 2500 }, (_, i) => `SET warm:${i} v${i} EX 600`).join('\n')
    await expect(runJob('cache.warm', { profile: 'ks-primary', text })).rejects.toMatchObject({ code: 'refused' })
    await expect(runJob('cache.warm', { profile: 'ks-ro', text, confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('read-only')
    })
    await expect(
      runJob('cache.warm', { profile: 'ks-primary', text: 'SET a 1\nCONFIG SET maxmemory 1', confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('line 2: CONFIG is not allowed')
    })
    expect(await admin.exists('a')).toBe(0)
    const seen: number[] = []
    const off = core.onEvent((name, p) => {
      if (name === 'warm.progress' && (p as { jobId: string }).jobId === 'warm-1') seen.push((p as { ok: number }).ok)
    })
    const r = await runJob('cache.warm', { profile: 'ks-primary', text, jobId: 'warm-1', confirmation: 'confirm' })
    off()
    expect(r).toMatchObject({ outcome: 'done', total: 2500, ok: 2500, failed: 0 })
    expect(seen).toEqual([1000, 2000, 2500])
    expect(await admin.get('warm:42')).toBe('v42')
    const audit = await call('audit.recent', { limit: 20 })
    expect(audit.filter((e: { action: string }) => e.action === 'warm cache').map((e: { outcome: string }) => e.outcome)).toEqual(
      expect.arrayContaining(['refused', 'ok'])
    )
  })
})
