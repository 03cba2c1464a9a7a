import type { RedisInfo } from './info'
import { infoNumber, infoString, keyspaceDbs } from './info'

export interface RedisFinding {
  check: string
  severity: 'info' | 'warning' | 'critical'
  value: number | string
  threshold: number | string
  message: string
}

/** Memory used against maxmemory: a cache that fills evicts; a store that fills refuses writes. */
export const MEMORY_WARNING_RATIO = 0.8
export const MEMORY_CRITICAL_RATIO = 0.95
/** Above this fragmentation the allocator holds much more than the data needs (ignored on tiny instances). */
export const FRAGMENTATION_WARNING_RATIO = 1.5
export const FRAGMENTATION_MIN_USED_BYTES = 100 * 1024 * 1024
/** Keys with no TTL in what should be a cache: under this share with a TTL, say so. */
export const CACHE_TTL_SHARE_INFO = 0.5

export function checkMemory(info: RedisInfo): RedisFinding | null {
  const used = infoNumber(info, 'used_memory')
  const max = infoNumber(info, 'maxmemory')
  if (!(max > 0) || !Number.isFinite(used)) return null
  const ratio = used / max
  if (ratio < MEMORY_WARNING_RATIO) return null
  const policy = infoString(info, 'maxmemory_policy') ?? '?'
  return {
    check: 'memory',
    severity: ratio >= MEMORY_CRITICAL_RATIO ? 'critical' : 'warning',
    value: Math.round(ratio * 1000) / 10,
    threshold: MEMORY_WARNING_RATIO * 100,
    message: `memory at ${(ratio * 100).toFixed(1)}% of maxmemory (${policy}): ${policy === 'noeviction' ? 'writes will be refused when full' : 'keys are being evicted to make room'}`
  }
}

export function checkFragmentation(info: RedisInfo): RedisFinding | null {
  const ratio = infoNumber(info, 'mem_fragmentation_ratio')
  const used = infoNumber(info, 'used_memory')
  if (!(ratio > FRAGMENTATION_WARNING_RATIO) || !(used >= FRAGMENTATION_MIN_USED_BYTES)) return null
  return {
    check: 'fragmentation',
    severity: 'warning',
    value: ratio,
    threshold: FRAGMENTATION_WARNING_RATIO,
    message: `memory fragmentation ratio ${ratio}: consider activedefrag yes`
  }
}

/** Per-second counters the collector turns into rates over the poll window. */
export function checkEvictions(evictionsPerSec: number): RedisFinding | null {
  if (!(evictionsPerSec > 0)) return null
  return {
    check: 'evictions',
    severity: 'warning',
    value: Math.round(evictionsPerSec * 10) / 10,
    threshold: 0,
    message: `${evictionsPerSec.toFixed(1)} keys/s evicted: the cache is full`
  }
}

export function checkRejectedConnections(rejectedPerSec: number): RedisFinding | null {
  if (!(rejectedPerSec > 0)) return null
  return {
    check: 'rejected-connections',
    severity: 'critical',
    value: rejectedPerSec,
    threshold: 0,
    message: 'connections are being rejected (maxclients reached)'
  }
}

/** A fork (for RDB saves and AOF rewrites) stops the server for its whole duration. */
export const FORK_WARNING_MS = 500

/** The last fork's duration: Redis serves nobody while it forks, so a slow one is felt by every client. */
export function checkForkTime(info: RedisInfo): RedisFinding | null {
  const ms = infoNumber(info, 'latest_fork_usec') / 1000
  if (!(ms > FORK_WARNING_MS)) return null
  return {
    check: 'fork_time',
    severity: 'warning',
    value: Math.round(ms),
    threshold: FORK_WARNING_MS,
    message: `the last fork took ${Math.round(ms)} ms, during which the server answered nobody: lower the dataset per instance, or disable transparent huge pages`
  }
}

/** A figure of the server's state, as the Cache view lists it. */
export interface OverviewFigure {
  label: string
  value: number | null
  unit: string
  text?: string
  detail?: string
}

/** The last fork's duration; 0 in INFO means the server has not forked since it started. */
function lastFork(usec: number | null): OverviewFigure {
  if (usec === 0) return { label: 'Last fork', value: null, unit: 'ms', text: 'none since start' }
  return { label: 'Last fork', value: usec === null ? null : usec / 1000, unit: 'ms' }
}

/**
 * What an SRE reads first about a Redis, from one INFO: role, memory as the OS sees it,
 * fragmentation, clients, persistence, the last fork, and the keyspace per database.
 */
export function serverOverview(info: RedisInfo): OverviewFigure[] {
  const n = (field: string) => {
    const v = infoNumber(info, field)
    return Number.isFinite(v) ? v : null
  }
  const role = infoString(info, 'role')
  const replicas = n('connected_slaves')
  const aofOn = n('aof_enabled') === 1
  const out: OverviewFigure[] = [
    {
      label: 'Role',
      value: null,
      unit: '',
      text: role ?? '?',
      ...(role === 'master' && replicas !== null ? { detail: `${replicas} replica(s) connected` } : {}),
      ...(role === 'slave' ? { detail: `link ${infoString(info, 'master_link_status') ?? '?'}` } : {})
    },
    { label: 'Memory (RSS)', value: n('used_memory_rss'), unit: 'B', detail: 'resident, as the OS counts it' },
    { label: 'Fragmentation', value: n('mem_fragmentation_ratio'), unit: '', detail: 'RSS / used memory' },
    { label: 'Eviction policy', value: null, unit: '', text: infoString(info, 'maxmemory_policy') ?? '?' },
    { label: 'Clients connected', value: n('connected_clients'), unit: '' },
    { label: 'Clients blocked', value: n('blocked_clients'), unit: '', detail: 'waiting in BLPOP, XREAD BLOCK, WAIT...' },
    {
      label: 'Last RDB save',
      value: null,
      unit: '',
      text: infoString(info, 'rdb_last_bgsave_status') ?? '?',
      detail: `${n('rdb_changes_since_last_save') ?? '?'} changes since`
    },
    { label: 'AOF', value: null, unit: '', text: aofOn ? (infoString(info, 'aof_last_write_status') ?? '?') : 'off' },
    lastFork(n('latest_fork_usec'))
  ]
  for (const { db, keys, expires } of keyspaceDbs(info))
    out.push({ label: `Keys in ${db}`, value: keys, unit: '', detail: `${keys ? Math.round((expires / keys) * 100) : 0}% with a TTL` })
  return out
}

export function checkPersistence(info: RedisInfo): RedisFinding | null {
  const bgsave = infoString(info, 'rdb_last_bgsave_status')
  if (bgsave && bgsave !== 'ok')
    return { check: 'persistence', severity: 'critical', value: bgsave, threshold: 'ok', message: `the last RDB save failed (${bgsave})` }
  const aof = infoString(info, 'aof_last_write_status')
  if (infoNumber(info, 'aof_enabled') === 1 && aof && aof !== 'ok')
    return { check: 'persistence', severity: 'critical', value: aof, threshold: 'ok', message: `the last AOF write failed (${aof})` }
  return null
}

export function checkReplicationLink(info: RedisInfo): RedisFinding | null {
  if (infoString(info, 'role') !== 'slave') return null
  const link = infoString(info, 'master_link_status')
  if (link === 'up') return null
  return {
    check: 'replication',
    severity: 'critical',
    value: link ?? 'unknown',
    threshold: 'up',
    message: `this replica's link to its primary is ${link ?? 'unknown'}`
  }
}

/** A replica this far behind its primary, in bytes of the replication stream or seconds since its last ack. */
export const REPLICA_LAG_WARNING_BYTES = 1024 * 1024
export const REPLICA_LAG_WARNING_S = 10

export interface ReplicaState {
  name: string
  state: string
  offsetLagBytes: number
  lagS: number
}

/**
 * On a primary, each replica from INFO replication ("slave0:ip=10.0.0.2,port=6379,state=online,
 * offset=123,lag=0"): how far behind master_repl_offset it is. Unreadable lines are skipped.
 */
export function replicaStates(info: RedisInfo): ReplicaState[] {
  const repl = info.sections['replication'] ?? {}
  const master = infoNumber(info, 'master_repl_offset')
  const out: ReplicaState[] = []
  for (const [k, v] of Object.entries(repl)) {
    if (!/^slave\d+$/.test(k)) continue
    const f = Object.fromEntries(v.split(',').map((kv) => kv.split('=', 2) as [string, string]))
    const offset = Number(f.offset)
    if (!Number.isFinite(offset) || !Number.isFinite(master)) continue
    out.push({
      name: `${f.ip ?? '?'}:${f.port ?? '?'}`,
      state: f.state ?? '?',
      offsetLagBytes: Math.max(0, master - offset),
      lagS: Number(f.lag ?? 0)
    })
  }
  return out
}

export function checkReplicaLag(info: RedisInfo, maxBytes = REPLICA_LAG_WARNING_BYTES, maxS = REPLICA_LAG_WARNING_S): RedisFinding[] {
  return replicaStates(info)
    .filter((r) => r.offsetLagBytes >= maxBytes || r.lagS >= maxS || r.state !== 'online')
    .map((r) => ({
      check: 'replica_lag',
      severity: r.state !== 'online' ? ('critical' as const) : ('warning' as const),
      value: r.offsetLagBytes,
      threshold: maxBytes,
      message: `replica ${r.name} (${r.state}) is ${r.offsetLagBytes} bytes behind the primary, last ack ${r.lagS} s ago: reads from it are stale`
    }))
}

/** Share of keys with a TTL across databases: a cache whose keys never expire only ever grows. */
export function checkTtlShare(info: RedisInfo): RedisFinding | null {
  let keys = 0
  let expires = 0
  for (const d of keyspaceDbs(info)) {
    keys += d.keys
    expires += d.expires
  }
  if (keys === 0) return null
  const share = expires / keys
  if (share >= CACHE_TTL_SHARE_INFO) return null
  return {
    check: 'ttl-share',
    severity: 'info',
    value: Math.round(share * 1000) / 10,
    threshold: CACHE_TTL_SHARE_INFO * 100,
    message: `only ${(share * 100).toFixed(1)}% of ${keys} keys have a TTL: fine for a store, a leak for a cache`
  }
}

export interface CommandStat {
  command: string
  calls: number
  usec: number
  usecPerCall: number
}

/** `cmdstat_get:calls=10,usec=50,usec_per_call=5.00,...` lines, the most time-consuming first. */
export function commandStats(info: RedisInfo, limit = 10): CommandStat[] {
  const out: CommandStat[] = []
  for (const [k, v] of Object.entries(info.sections['commandstats'] ?? {})) {
    if (!k.startsWith('cmdstat_')) continue
    const f = Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string]))
    const calls = Number(f.calls)
    const usec = Number(f.usec)
    if (!Number.isFinite(calls) || !Number.isFinite(usec)) continue
    out.push({ command: k.slice(8), calls, usec, usecPerCall: calls ? usec / calls : 0 })
  }
  return out.sort((a, b) => b.usec - a.usec).slice(0, limit)
}

export interface LatencyPercentiles {
  command: string
  p50: number | null
  p99: number | null
  p999: number | null
}

/** Redis 7's `latency_percentiles_usec_<cmd>:p50=1.003,p99=2.007,p99.9=5.023`, in microseconds. */
export function latencyPercentiles(info: RedisInfo): LatencyPercentiles[] {
  const out: LatencyPercentiles[] = []
  for (const [k, v] of Object.entries(info.sections['latencystats'] ?? {})) {
    if (!k.startsWith('latency_percentiles_usec_')) continue
    const f = Object.fromEntries(v.split(',').map((kv) => kv.split('=') as [string, string]))
    const n = (x: string | undefined) => (x !== undefined && Number.isFinite(Number(x)) ? Number(x) : null)
    out.push({ command: k.slice('latency_percentiles_usec_'.length), p50: n(f.p50), p99: n(f.p99), p999: n(f['p99.9']) })
  }
  return out.sort((a, b) => (b.p99 ?? 0) - (a.p99 ?? 0))
}
