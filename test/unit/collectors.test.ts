import { describe, expect, it } from 'vitest'
import { CounterRate } from '../../src/main/core/collector'
import { describeDsn, describePgError } from '../../src/main/core/postgres/connection'
import { describeRedisError, describeRedisUrl } from '../../src/main/core/redis/connection'
import { RedisWatch, windowHitRate } from '../../src/main/core/redis/watch'
import { infoNumber, parseInfo } from '../../src/main/core/redis/info'
import { redactUrl } from '../../src/main/core/prometheus/http'

describe('CounterRate', () => {
  it('turns counter reads into per-second rates and counts a reset from zero', () => {
    const r = new CounterRate()
    expect(r.next(0, 100)).toBeNaN()
    expect(r.next(2000, 300)).toBe(100)
    expect(r.next(3000, 50)).toBe(50)
    expect(r.next(3000, 60)).toBeNaN()
  })
})

describe('Postgres connection descriptions', () => {
  it('reads host, port, user and database from a DSN', () => {
    expect(describeDsn('postgresql://mon:pw@db.internal:6432/orders')).toEqual({
      host: 'db.internal',
      port: 6432,
      user: 'mon',
      database: 'orders'
    })
  })
  it('names user and host, never the password, even if the driver echoes it', () => {
    const t = { host: 'db', port: 5432, user: 'mon', database: 'app' }
    const msg = describePgError(Object.assign(new Error('password authentication failed for user "mon"'), { code: '28P01' }), t, 'hunter2')
    expect(msg).toBe(
      'Postgres db:5432 as user "mon", database "app": password authentication failed for user "mon" (28P01: wrong password)'
    )
    expect(describePgError(new Error('bad postgresql://mon:hunter2@db'), t, 'hunter2')).not.toContain('hunter2')
    expect(describePgError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }), t)).toMatch(
      /connection refused \(is PostgreSQL running and listening on db:5432\?\)/
    )
  })
})

describe('Redis', () => {
  it('parses redis:// and rediss:// URLs', () => {
    expect(describeRedisUrl('rediss://app:pw@cache:6380/2')).toEqual({
      host: 'cache',
      port: 6380,
      user: 'app',
      db: 2,
      tls: true,
      sentinel: null
    })
    expect(describeRedisUrl('redis://cache')).toMatchObject({ port: 6379, db: 0, tls: false, user: null })
    expect(describeRedisUrl('redis+sentinel://s1/mymaster/3?sentinel=s2:26380&sentinel=s3')).toMatchObject({
      db: 3,
      sentinel: {
        name: 'mymaster',
        nodes: [
          { host: 's1', port: 26379 },
          { host: 's2', port: 26380 },
          { host: 's3', port: 26379 }
        ]
      }
    })
    expect(() => describeRedisUrl('redis+sentinel://s1/')).toThrow(/names the primary/)
  })
  it('describes errors with host and never the password', () => {
    const t = describeRedisUrl('redis://app@cache:6379/0')
    expect(describeRedisError(new Error('WRONGPASS s3cret'), t, 's3cret')).toBe('Redis cache:6379 as user "app": WRONGPASS ***')
  })
  it('hit rate is Δhits/(Δhits+Δmisses) and no data (not 100%) when nothing was read', () => {
    expect(windowHitRate(85, 15)).toBeCloseTo(0.85)
    expect(windowHitRate(0, 10)).toBe(0)
    expect(windowHitRate(0, 0)).toBeNaN()
  })
  it('the Redis watch turns two INFO replies into rates, a window hit rate and findings, with no server', () => {
    const info = (ops: number, hits: number, misses: number) =>
      parseInfo(
        `# Stats\r\ntotal_commands_processed:${ops}\r\nkeyspace_hits:${hits}\r\nkeyspace_misses:${misses}\r\n` +
          `evicted_keys:0\r\n# Memory\r\nused_memory:1000\r\nmaxmemory:4000\r\n`
      )
    const w = new RedisWatch('redis', 'monitor')
    const ownCommand = { id: 1, at: 1000, durationUs: 20_000, command: 'INFO all', client: 'lookout 127.0.0.1:5000' }
    const theirs = { id: 2, at: 1500, durationUs: 30_000, command: 'KEYS *', client: 'app 10.0.0.1:4000' }
    const poll = (ops: number, hits: number, misses: number, slowlog = [ownCommand, theirs]) => ({
      info: info(ops, hits, misses),
      nodes: [{ name: '', slowlog, latest: [] }],
      denied: [{ what: 'LATENCY LATEST', grant: '+latency' }],
      failing: [],
      unreachable: [] as [string, string][],
      primaries: []
    })
    const first = w.observe(poll(100, 0, 0), 0)
    expect(first.samples.find((x) => x.seriesId === 'redis:ops')!.value).toBeNaN()
    const second = w.observe(poll(300, 90, 10, []), 2000)
    const sample = (id: string) => second.samples.find((x) => x.seriesId === `redis:${id}`)!.value
    expect(sample('ops')).toBe(100)
    expect(sample('hitrate')).toBeCloseTo(90)
    expect(sample('memory_of_max')).toBe(25)
    const details = w.getDetails()
    // Lookout's own commands stay out of the user's slowlog.
    expect(details.slowlog.map((e) => e.command)).toEqual(['KEYS *'])
    expect(details.findings.find((f) => f.check === 'permissions')!.message).toContain('ACL SETUSER monitor +latency')
    w.reset()
    expect(w.observe(poll(400, 100, 10), 3000).samples.find((x) => x.seriesId === 'redis:ops')!.value).toBeNaN()
  })
  it('parses INFO tolerantly: sections, unknown fields, malformed lines reported with their number', () => {
    const info = parseInfo(
      '# Server\r\nredis_version:7.0.15\r\n\r\n# Stats\r\ntotal_commands_processed:42\r\nweird line\r\nnew_field_v9:abc\r\n'
    )
    expect(info.sections.server!.redis_version).toBe('7.0.15')
    expect(infoNumber(info, 'total_commands_processed')).toBe(42)
    expect(infoNumber(info, 'new_field_v9')).toBeNaN()
    expect(infoNumber(info, 'absent')).toBeNaN()
    expect(info.problems).toEqual(['INFO line 6: expected "field:value", got "weird line"'])
  })
})

describe('/metrics pages', () => {
  it('redacts credentials from URLs shown to the user', () => {
    expect(redactUrl('https://u:pw@h:9100/metrics')).toBe('https://h:9100/metrics')
  })
})
