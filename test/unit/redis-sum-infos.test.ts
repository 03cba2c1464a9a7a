import { describe, expect, it } from 'vitest'
import { sumInfos } from '../../src/main/core/redis/sum-infos'
import { commandStats, latencyPercentiles } from '../../src/main/core/redis/checks'
import { parseInfo } from '../../src/main/core/redis/info'

const node = (calls: number, usec: number, p99: number, hits: number) =>
  parseInfo(
    [
      '# Stats',
      `keyspace_hits:${hits}`,
      'keyspace_misses:1',
      '# Commandstats',
      `cmdstat_get:calls=${calls},usec=${usec},usec_per_call=${usec / calls},rejected_calls=0,failed_calls=0`,
      '# Latencystats',
      `latency_percentiles_usec_get:p50=1.003,p99=${p99},p99.9=${p99 * 2}`,
      '# Keyspace',
      `db0:keys=${calls},expires=1,avg_ttl=0`
    ].join('\r\n')
  )

describe('INFO of a cluster summed over its primaries', () => {
  it('adds counters and command time, and keeps the worst node for each percentile', () => {
    const a = node(10, 100, 5, 7)
    const b = node(30, 900, 40.5, 3)
    const sum = sumInfos(a, [a, b])
    expect(sum.sections['stats']!['keyspace_hits']).toBe('10')
    expect(commandStats(sum)).toEqual([{ command: 'get', calls: 40, usec: 1000, usecPerCall: 25 }])
    expect(latencyPercentiles(sum)).toEqual([{ command: 'get', p50: 1.003, p99: 40.5, p999: 81 }])
    expect(sum.sections['keyspace']!['db0']).toBe('keys=40,expires=2,avg_ttl=0')
    // The seed's own INFO is left as it was.
    expect(commandStats(a)[0]!.calls).toBe(10)
  })
})
