import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { describeRedisUrl, resolvePrimary } from '../../src/main/core/redis/connection'
import { RedisCollector } from '../../src/main/core/redis/collector'
import { eventuallyAsync, startRedis, startRedisSentinel, type RedisHandle, type RedisSentinelHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

let primary: RedisHandle
let replica: RedisHandle
let sentinel: RedisSentinelHandle
let core: Core
const call = coreCaller(() => core)

beforeAll(async () => {
  primary = await startRedis()
  replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port)])
  const p = new Redis(primary.url)
  await eventuallyAsync('the replica online', async () => /slave0:.*state=online/.test(await p.info('replication')))
  p.disconnect()
  sentinel = await startRedisSentinel(primary.port)
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  await call('profiles.save', { profile: { name: 'rs', environment: 'dev', redis: sentinel.url } })
})

afterAll(async () => {
  await core?.close()
  await sentinel?.stop()
  await replica?.stop()
  await primary?.stop()
})

describe('Redis behind Sentinel', () => {
  it('reads a redis+sentinel:// URL, and follows the primary through a failover', async () => {
    const t = describeRedisUrl(`${sentinel.url}?sentinel=127.0.0.1:1`)
    expect(t.sentinel).toEqual({
      name: sentinel.name,
      nodes: [
        { host: '127.0.0.1', port: sentinel.port },
        { host: '127.0.0.1', port: 1 }
      ]
    })
    expect((await resolvePrimary(t, 2000)).port).toBe(primary.port)

    const c = new RedisCollector({ id: 'redis', url: sentinel.url, password: null, timeoutMs: 3000 })
    try {
      await c.collect(AbortSignal.timeout(3000))
      await call('cache.setTtl', { profile: 'rs', key: 'missing', ttlSeconds: 60, confirmation: 'confirm' })
      const w = new Redis(primary.url)
      await w.set('before-failover', 'v')
      // Acknowledged by the replica before the primary dies.
      expect(await w.call('WAIT', '1', '2000')).toBe(1)
      w.disconnect()
      // The primary dies; the Sentinel promotes the replica.
      await primary.kill()
      const promoted = await eventuallyAsync(
        'the failover',
        async () => ((await resolvePrimary(describeRedisUrl(sentinel.url), 1000)).port === replica.port ? true : null),
        30_000
      )
      expect(promoted).toBe(true)
      // The collector's next polls reconnect through the Sentinel, to the new primary.
      await eventuallyAsync(
        'the collector on the new primary',
        async () => {
          try {
            await c.collect(AbortSignal.timeout(3000))
            return true
          } catch {
            return null
          }
        },
        15_000
      )
      const info = await call('cache.inspect', { profile: 'rs', key: 'before-failover' })
      expect(info).toMatchObject({ exists: true, preview: ['v'] })
      const r = new Redis(replica.url)
      expect(await r.info('replication')).toMatch(/role:master/)
      r.disconnect()
    } finally {
      await c.close()
    }
  })
})
