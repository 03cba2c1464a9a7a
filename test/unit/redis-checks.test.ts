import { describe, expect, it } from 'vitest'
import {
  checkEvictions,
  checkFragmentation,
  checkMemory,
  checkPersistence,
  checkReplicationLink,
  checkTtlShare,
  commandStats,
  latencyPercentiles
} from '../../src/main/core/redis/checks'
import { parseInfo } from '../../src/main/core/redis/info'

const info = (lines: string) => parseInfo(lines.replace(/\n/g, '\r\n'))

describe('Redis checks', () => {
  it('memory against maxmemory, with the policy in the message', () => {
    expect(checkMemory(info('# Memory\nused_memory:70\nmaxmemory:100\nmaxmemory_policy:allkeys-lru'))).toBeNull()
    expect(checkMemory(info('# Memory\nused_memory:85\nmaxmemory:100\nmaxmemory_policy:allkeys-lru'))).toMatchObject({
      severity: 'warning',
      value: 85
    })
    expect(checkMemory(info('# Memory\nused_memory:99\nmaxmemory:100\nmaxmemory_policy:noeviction'))!.message).toMatch(/critical|refused/)
    expect(checkMemory(info('# Memory\nused_memory:99\nmaxmemory:0'))).toBeNull()
  })
  it('evictions, persistence, replication and fragmentation', () => {
    expect(checkEvictions(0)).toBeNull()
    expect(checkEvictions(12.34)).toMatchObject({ value: 12.3, severity: 'warning' })
    expect(checkPersistence(info('# Persistence\nrdb_last_bgsave_status:err'))).toMatchObject({ severity: 'critical' })
    expect(checkPersistence(info('# Persistence\nrdb_last_bgsave_status:ok\naof_enabled:0\naof_last_write_status:err'))).toBeNull()
    expect(checkReplicationLink(info('# Replication\nrole:slave\nmaster_link_status:down'))).toMatchObject({ severity: 'critical' })
    expect(checkReplicationLink(info('# Replication\nrole:master'))).toBeNull()
    expect(checkFragmentation(info('# Memory\nused_memory:1000\nmem_fragmentation_ratio:3'))).toBeNull()
    expect(checkFragmentation(info(`# Memory\nused_memory:${200 * 1024 * 1024}\nmem_fragmentation_ratio:2.1`))).toMatchObject({
      value: 2.1
    })
  })
  it('the share of keys with a TTL across databases', () => {
    expect(checkTtlShare(info('# Keyspace\ndb0:keys=80,expires=10,avg_ttl=0\ndb1:keys=20,expires=10,avg_ttl=0'))).toMatchObject({
      value: 20,
      severity: 'info'
    })
    expect(checkTtlShare(info('# Keyspace\ndb0:keys=10,expires=9,avg_ttl=0'))).toBeNull()
  })
  it('reads commandstats and latencystats, the costliest first', () => {
    const i = info(
      '# Commandstats\ncmdstat_get:calls=100,usec=500,usec_per_call=5.00\ncmdstat_keys:calls=1,usec=9000,usec_per_call=9000.00\ncmdstat_bad:nonsense\n# Latencystats\nlatency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=5.023\nlatency_percentiles_usec_keys:p50=9000,p99=9000,p99.9=9000'
    )
    expect(commandStats(i).map((c) => [c.command, c.usecPerCall])).toEqual([
      ['keys', 9000],
      ['get', 5]
    ])
    expect(latencyPercentiles(i)).toEqual([
      { command: 'keys', p50: 9000, p99: 9000, p999: 9000 },
      { command: 'get', p50: 1.003, p99: 2.007, p999: 5.023 }
    ])
  })
})

describe('the server overview and the fork check', () => {
  it('reads role, RSS, fragmentation, clients, persistence, the last fork and keys per database from one INFO', async () => {
    const { serverOverview, checkForkTime, FORK_WARNING_MS } = await import('../../src/main/core/redis/checks')
    const i = info(
      [
        '# Replication',
        'role:master',
        'connected_slaves:2',
        '# Memory',
        'used_memory_rss:2097152',
        'mem_fragmentation_ratio:1.25',
        'maxmemory_policy:allkeys-lru',
        '# Clients',
        'connected_clients:12',
        'blocked_clients:3',
        '# Persistence',
        'rdb_last_bgsave_status:ok',
        'rdb_changes_since_last_save:40',
        'aof_enabled:1',
        'aof_last_write_status:err',
        '# Stats',
        'latest_fork_usec:812000',
        'a_field_from_redis_9:whatever',
        '# Keyspace',
        'db0:keys=200,expires=50,avg_ttl=100',
        'db3:keys=10,expires=10,avg_ttl=5'
      ].join('\n')
    )
    const byLabel = Object.fromEntries(serverOverview(i).map((f) => [f.label, f.text ?? f.value]))
    expect(byLabel).toEqual({
      Role: 'master',
      'Memory (RSS)': 2097152,
      Fragmentation: 1.25,
      'Eviction policy': 'allkeys-lru',
      'Clients connected': 12,
      'Clients blocked': 3,
      'Last RDB save': 'ok',
      AOF: 'err',
      'Last fork': 812,
      'Keys in db0': 200,
      'Keys in db3': 10
    })
    expect(serverOverview(i).find((f) => f.label === 'Keys in db0')!.detail).toBe('25% with a TTL')
    expect(serverOverview(i).find((f) => f.label === 'Role')!.detail).toBe('2 replica(s) connected')
    expect(checkForkTime(i)).toMatchObject({ check: 'fork_time', severity: 'warning', value: 812, threshold: FORK_WARNING_MS })
    expect(checkForkTime(info('# Stats\nlatest_fork_usec:20000'))).toBeNull()
    expect(serverOverview(info('# Stats\nlatest_fork_usec:0')).find((f) => f.label === 'Last fork')!.text).toBe('none since start')
    // An INFO with none of these fields: unknowns, not a crash.
    expect(serverOverview(info('# Server\nredis_version:7.0.15')).map((f) => f.text ?? f.value)).toEqual([
      '?',
      null,
      null,
      '?',
      null,
      null,
      '?',
      'off',
      null
    ])
    expect(checkForkTime(info('# Server\nredis_version:7.0.15'))).toBeNull()
  })
})
