import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisCollector } from '../../src/main/core/redis/collector'
import { startRedis, type RedisHandle } from '../harness'

let server: RedisHandle
let app: Redis
let collector: RedisCollector
const poll = () => collector.collect(AbortSignal.timeout(5000))

beforeAll(async () => {
  server = await startRedis()
  app = new Redis(server.url, { connectionName: 'checkout-api' })
  collector = new RedisCollector({ id: 'redis', url: server.url, password: null, timeoutMs: 5000 })
})

afterAll(async () => {
  await collector?.close()
  app?.disconnect()
  await server?.stop()
})

describe('the Redis collector on a real server', () => {
  it("reads the slowlog incrementally: every slow command once, none of Lookout's own", async () => {
    await app.config('SET', 'slowlog-log-slower-than', '0')
    await poll()
    await app.set('order:1', 'x')
    await app.get('order:1')
    await poll()
    const first = collector.getDetails().slowlog.filter((e) => e.client.startsWith('checkout-api'))
    expect(first.map((e) => e.command)).toEqual(expect.arrayContaining(['set order:1 x', 'get order:1']))
    await app.get('order:2')
    await poll()
    const second = collector.getDetails().slowlog.filter((e) => e.client.startsWith('checkout-api'))
    const ids = second.map((e) => e.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(second[0]!.command).toBe('get order:2')
    expect(collector.getDetails().slowlog.some((e) => e.client.startsWith('lookout '))).toBe(false)
    await app.config('SET', 'slowlog-log-slower-than', '10000')
  })

  it('finds a cache that is full and evicting, and lists the costliest commands', async () => {
    await app.config('SET', 'maxmemory-policy', 'allkeys-lru')
    const used = Number(/used_memory:(\d+)/.exec(await app.info('memory'))![1])
    await app.config('SET', 'maxmemory', String(used + 2 * 1024 * 1024))
    await poll()
    const big = 'x'.repeat(10_000)
    for (let i = 0; i < 600; i++) await app.set(`blob:${i}`, big)
    const r = await poll()
    const checks = collector.getDetails().findings.map((f) => f.check)
    expect(checks).toEqual(expect.arrayContaining(['memory', 'evictions']))
    expect(r.warning).toMatch(/of maxmemory \(allkeys-lru\)/)
    expect(collector.getDetails().commands[0]!.command).toBeTruthy()
    expect(collector.getDetails().percentiles.find((p) => p.command === 'set')?.p99).toBeGreaterThan(0)
  })
})
