import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RedisCollector } from '../../src/main/core/redis/collector'
import { eventuallyAsync, startRedis, type RedisHandle } from '../harness'

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

describe('the Cache view series', () => {
  it('chart memory against maxmemory, evictions, expirations and network as rates over the poll window', async () => {
    const clock = { t: 1_000_000 }
    const c = new RedisCollector({ id: 'redis', url: server.url, password: null, timeoutMs: 5000, now: () => clock.t })
    const value = (r: Awaited<ReturnType<typeof c.collect>>, id: string) => r.samples.find((s) => s.seriesId === `redis:${id}`)!.value
    try {
      await app.config('SET', 'maxmemory', '0')
      await app.flushall()
      const first = await c.collect(AbortSignal.timeout(5000))
      // No maxmemory: no share of it, only bytes.
      expect(Number.isNaN(value(first, 'memory_of_max'))).toBe(true)
      expect(value(first, 'memory')).toBeGreaterThan(0)
      expect(c.series.map((s) => s.seriesId)).toEqual(
        ['ops', 'hitrate', 'memory', 'memory_of_max', 'evictions', 'expirations', 'net_in', 'net_out'].map((id) => `redis:${id}`)
      )

      // 500 keys that expire at once, and a memory limit that forces evictions.
      const before = await app.info('stats')
      const p = app.pipeline()
      for (let i = 0; i < 500; i++) p.set(`gone:${i}`, 'x', 'PX', 1)
      await p.exec()
      // Wait on the server's own clock until the 1 ms TTLs are behind it.
      const [setAtS, setAtUs] = (await app.time()).map(Number) as [number, number]
      await eventuallyAsync('the TTLs to pass', async () => {
        const [s, us] = (await app.time()).map(Number) as [number, number]
        return (s - setAtS) * 1e6 + (us - setAtUs) > 2000 || null
      })
      for (let i = 0; i < 500; i++) await app.get(`gone:${i}`) // each read finds it expired and deletes it
      const used = Number(/used_memory:(\d+)/.exec(await app.info('memory'))![1])
      await app.config('SET', 'maxmemory-policy', 'allkeys-lru')
      await app.config('SET', 'maxmemory', String(used + 512 * 1024))
      const big = 'v'.repeat(1024)
      for (let i = 0; i < 2000; i++) await app.set(`fill:${i}`, big)
      const after = await app.info('stats')
      const delta = (field: string) =>
        Number(new RegExp(`${field}:(\\d+)`).exec(after)![1]) - Number(new RegExp(`${field}:(\\d+)`).exec(before)![1])
      clock.t += 10_000
      const second = await c.collect(AbortSignal.timeout(5000))
      // Over 10 s of the test's clock: the counters' deltas divided by 10, up to what moved meanwhile.
      expect(delta('expired_keys')).toBe(500)
      expect(value(second, 'expirations')).toBeGreaterThanOrEqual(50)
      expect(value(second, 'evictions')).toBeGreaterThanOrEqual(delta('evicted_keys') / 10)
      expect(delta('evicted_keys')).toBeGreaterThan(0)
      expect(value(second, 'memory_of_max')).toBeGreaterThan(80)
      expect(value(second, 'memory_of_max')).toBeLessThanOrEqual(105)
      expect(value(second, 'net_in')).toBeGreaterThan((2000 * 1024) / 10)
      expect(value(second, 'net_out')).toBeGreaterThan(0)
    } finally {
      await app.config('SET', 'maxmemory', '0')
      await c.close()
    }
  })
})
