import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { inspectKey, PREVIEW_BYTES, PREVIEW_ITEMS } from '../../src/main/core/redis/keys'
import { startRedis, type RedisHandle } from '../harness'
import { tempDir } from '../helpers/temp'
import { coreCaller } from '../helpers/core-call'

let server: RedisHandle
let admin: Redis
let core: Core

const call = coreCaller(() => core)

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  for (const [name, environment, readOnly, allowFlush] of [
    ['k-dev', 'dev', false, true],
    ['k-prod', 'prod', false, true],
    ['k-noflush', 'dev', false, false],
    ['k-ro', 'dev', true, true]
  ] as const)
    await call('profiles.save', { profile: { name, environment, readOnly, allowFlush, redis: server.url } })
})

afterAll(async () => {
  await core?.close()
  admin?.disconnect()
  await server?.stop()
})

describe('inspecting keys', () => {
  it('shows type, TTL, encoding, memory, length and a bounded preview of each type', async () => {
    await admin.set('s', 'x'.repeat(1000), 'EX', 100)
    await admin.rpush('l', ...Array.from({ length: 25 }, (_, i) => `item${i}`))
    await admin.hset('h', { a: '1', b: '2' })
    await admin.sadd('set', 'm1', 'm2')
    await admin.zadd('z', 1, 'one', 2, 'two')
    await admin.xadd('st', '*', 'f', 'v')
    const s = await inspectKey(admin, 's')
    expect(s).toMatchObject({ exists: true, type: 'string', length: 1000, truncated: true, encoding: 'raw' })
    expect(s.preview[0]!.length).toBe(PREVIEW_BYTES + 1) // the cut is marked with …
    expect(s.ttlMs).toBeGreaterThan(90_000)
    expect(s.memoryBytes).toBeGreaterThan(1000)
    const l = await inspectKey(admin, 'l')
    expect(l).toMatchObject({ type: 'list', length: 25, truncated: true, ttlMs: null })
    expect(l.preview).toHaveLength(PREVIEW_ITEMS)
    expect((await inspectKey(admin, 'h')).preview.sort()).toEqual(['a = 1', 'b = 2'])
    expect(await inspectKey(admin, 'set')).toMatchObject({ type: 'set', length: 2, truncated: false })
    expect((await inspectKey(admin, 'z')).preview).toEqual(['one (1)', 'two (2)'])
    expect(await inspectKey(admin, 'st')).toMatchObject({ type: 'stream', length: 1 })
    expect(await inspectKey(admin, 'missing')).toMatchObject({ exists: false, type: 'none' })
  })
})

describe('key commands through the core', () => {
  it('deletes a key and sets or clears a TTL, guarded and audited', async () => {
    await admin.set('victim', 'v')
    await expect(call('cache.deleteKey', { profile: 'k-ro', key: 'victim', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused'
    })
    await expect(call('cache.deleteKey', { profile: 'k-prod', key: 'victim', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused'
    })
    expect(await call('cache.deleteKey', { profile: 'k-prod', key: 'victim', confirmation: 'k-prod' })).toEqual({ deleted: 1 })
    await admin.set('t', 'v')
    expect(await call('cache.setTtl', { profile: 'k-dev', key: 't', ttlSeconds: 60, confirmation: 'confirm' })).toEqual({ applied: true })
    expect(await admin.ttl('t')).toBeGreaterThan(50)
    expect(await call('cache.setTtl', { profile: 'k-dev', key: 't', ttlSeconds: null, confirmation: 'confirm' })).toEqual({ applied: true })
    expect(await admin.ttl('t')).toBe(-1)
    // Profile saves are audited too; this test looks at the key commands.
    const audit = (await call('audit.recent', { limit: 20 })).filter((e: any) => e.action !== 'save profile')
    expect(audit.map((e: any) => [e.profile, e.action, e.outcome])).toEqual([
      ['k-dev', 'clear TTL', 'ok'],
      ['k-dev', 'set TTL', 'ok'],
      ['k-prod', 'delete key', 'ok'],
      ['k-prod', 'delete key', 'refused'],
      ['k-ro', 'delete key', 'refused']
    ])
  })

  it('flushes only with allowFlush, only ASYNC, with the typed name on prod', async () => {
    await admin.mset('a', '1', 'b', '2', 'c', '3')
    await expect(call('cache.flush', { profile: 'k-noflush', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused',
      message: /does not allow flushing/
    })
    await expect(call('cache.flush', { profile: 'k-ro', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused',
      message: /read-only/
    })
    await expect(call('cache.flush', { profile: 'k-prod', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused',
      message: /needs its name typed/
    })
    expect(await admin.dbsize()).toBeGreaterThan(0)
    const before = await admin.dbsize()
    expect(await call('cache.flush', { profile: 'k-prod', confirmation: 'k-prod' })).toEqual({ flushed: true, keysBefore: before })
    expect(await admin.dbsize()).toBe(0)
    const commands = await admin.call('INFO', 'commandstats')
    expect(String(commands)).toMatch(/cmdstat_flushdb:calls=1/)
  })
})
