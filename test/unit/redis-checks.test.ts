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
