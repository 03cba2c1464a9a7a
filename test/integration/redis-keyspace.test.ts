import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analyseKeyspace, prefixOf, ttlBucket } from '../../src/main/core/redis/keyspace'
import { startRedis, type RedisHandle } from '../harness'

let server: RedisHandle
let admin: Redis

beforeAll(async () => {
  server = await startRedis()
  admin = new Redis(server.url)
  const p = admin.pipeline()
  for (let i = 0; i < 300; i++) p.set(`session:user:${i}`, 'x'.repeat(100), 'EX', 1800)
  for (let i = 0; i < 100; i++) p.set(`cache:product:${i}`, 'y'.repeat(2000))
  p.rpush('queue:big', ...Array.from({ length: 12_000 }, (_, i) => `job${i}`))
  await p.exec()
  await admin.select(3)
  await admin.set('other-db', '1')
  await admin.select(0)
})

afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

describe('key-space analysis on a real Redis', () => {
  it('names prefixes and TTL buckets as SREs read them', () => {
    expect(prefixOf('session:user:42', ':')).toBe('session:user:*')
    expect(prefixOf('plain', ':')).toBe('(no prefix)')
    expect(prefixOf('a/b', '/')).toBe('a/*')
    expect([-1, 60_000, 7_200_000, 2 * 86_400_000, 30 * 86_400_000].map(ttlBucket)).toEqual(['none', '<1h', '1-24h', '1-7d', '>7d'])
  })

  it('measures memory and counts per prefix, TTLs, the biggest keys and what to do about them', async () => {
    const a = await analyseKeyspace(admin, { databasesInUse: 2 })
    expect(a).toMatchObject({ sampled: 401, dbsize: 401, complete: true })
    const byPrefix = Object.fromEntries(a.prefixes.map((p) => [p.prefix, p]))
    expect(byPrefix['session:user:*']).toMatchObject({ keys: 300, withoutTtl: 0 })
    expect(byPrefix['cache:product:*']).toMatchObject({ keys: 100, withoutTtl: 100 })
    expect(byPrefix['cache:product:*']!.bytes).toBeGreaterThan(100 * 2000)
    expect(a.ttl).toEqual({ none: 101, '<1h': 300, '1-24h': 0, '1-7d': 0, '>7d': 0 })
    expect(a.biggestByLength[0]).toMatchObject({ key: 'queue:big', type: 'list', length: 12_000 })
    expect(a.recommendations).toEqual([
      'queue:big: a list of 12000 items (over 10000): shard it; read it with SCAN, delete it with UNLINK',
      'cache:product:*: 100% of its keys have no TTL: in a cache they only ever grow',
      '2 logical databases hold keys: they share one thread and one memory limit; prefer separate instances'
    ])
  })

  it('samples at most the keys it is told to', async () => {
    const a = await analyseKeyspace(admin, { sampleKeys: 100 })
    expect(a.sampled).toBeLessThanOrEqual(100)
    expect(a.complete).toBe(false)
  })
})
