import type { RedisDetails } from '../../../shared/redis'
import type { SeriesInfo } from '../../../shared/schemas'
import { CounterRate, type CollectResult } from '../collector'
import {
  checkEvictions,
  checkForkTime,
  checkFragmentation,
  checkMemory,
  checkPersistence,
  checkRejectedConnections,
  checkReplicaLag,
  checkReplicationLink,
  checkTtlShare,
  commandStats,
  latencyPercentiles,
  serverOverview,
  type RedisFinding
} from './checks'
import { LOOKOUT_CLIENT_NAME } from './connection'
import { infoNumber, infoString, type RedisInfo } from './info'
import type { SlowlogEntry } from './slowlog'
import { finiteOrNull, keyCount } from './sum-infos'

/** Slowlog entries the Cache view keeps, newest first. */
export const SLOWLOG_KEPT = 100

/** Hit rate over the last poll window: Δhits / (Δhits + Δmisses); no data when neither moved. */
export function windowHitRate(dHits: number, dMisses: number): number {
  const total = dHits + dMisses
  return total > 0 ? dHits / total : NaN
}

/** What the collector read from one node besides INFO: its slowlog and latency events, or what it may not read. */
export interface NodeReads {
  /** The node's address in a cluster; '' for a single server. */
  name: string
  slowlog: SlowlogEntry[]
  /** LATENCY LATEST's reply. */
  latest: unknown[]
}

/** Everything one poll read, for the watch to turn into figures, samples and details. */
export interface RedisPoll {
  /** INFO, summed over the primaries on a cluster. */
  info: RedisInfo
  nodes: NodeReads[]
  /** Commands the monitoring user may not run: what, and the ACL grant that would allow it. */
  denied: { what: string; grant: string }[]
  /** Cluster nodes the cluster marks as failing. */
  failing: { name: string; primary: boolean }[]
  /** Cluster nodes that did not answer, and why. */
  unreachable: [string, string][]
  /** Each primary of a cluster with its own INFO; empty for a single server. */
  primaries: { name: string; slots: string; info: RedisInfo }[]
}

/**
 * What Lookout makes of a Redis server's polls, apart from reaching it (collector.ts): rates from
 * counters, the hit rate of each poll window, the findings, the merged slowlog, and the Cache
 * view's details. It does no I/O, so every figure is testable from INFO text.
 */
export class RedisWatch {
  readonly series: SeriesInfo[]
  private readonly ops = new CounterRate()
  private readonly evictions = new CounterRate()
  private readonly expired = new CounterRate()
  private readonly netIn = new CounterRate()
  private readonly netOut = new CounterRate()
  private readonly rejected = new CounterRate()
  private readonly primaryOps = new Map<string, CounterRate>()
  private prevHits: { hits: number; misses: number } | null = null
  private slowlog: SlowlogEntry[] = []
  private details: RedisDetails = { findings: [], slowlog: [], commands: [], percentiles: [], spikes: [], overview: [], nodes: [] }

  constructor(
    private readonly id: string,
    /** The Redis user Lookout connects as, for the ACL hint of a denied command. */
    private readonly user: string
  ) {
    this.series = [
      { seriesId: `${id}:ops`, targetId: id, label: 'Commands/s', unit: 'ops/s' },
      { seriesId: `${id}:hitrate`, targetId: id, label: 'Hit rate (per poll)', unit: '%' },
      { seriesId: `${id}:memory`, targetId: id, headline: false, label: 'Memory used', unit: 'B' },
      { seriesId: `${id}:memory_of_max`, targetId: id, headline: false, label: 'Memory of maxmemory', unit: '%' },
      { seriesId: `${id}:evictions`, targetId: id, headline: false, label: 'Evictions', unit: 'keys/s' },
      { seriesId: `${id}:expirations`, targetId: id, headline: false, label: 'Expirations', unit: 'keys/s' },
      { seriesId: `${id}:net_in`, targetId: id, headline: false, label: 'Network in', unit: 'B/s' },
      { seriesId: `${id}:net_out`, targetId: id, headline: false, label: 'Network out', unit: 'B/s' }
    ]
  }

  /** One poll at time `t`: the figures and samples the monitor shows, and the details kept for the Cache view. */
  observe(poll: RedisPoll, t: number): CollectResult {
    const { info } = poll
    if (!Number.isFinite(infoNumber(info, 'total_commands_processed'))) throw new Error('INFO reply has no total_commands_processed field')
    const opsPerSec = this.ops.next(t, infoNumber(info, 'total_commands_processed'))
    const evictionsPerSec = this.evictions.next(t, infoNumber(info, 'evicted_keys'))
    const rates = {
      expirations: this.expired.next(t, infoNumber(info, 'expired_keys')),
      net_in: this.netIn.next(t, infoNumber(info, 'total_net_input_bytes')),
      net_out: this.netOut.next(t, infoNumber(info, 'total_net_output_bytes'))
    }
    const hitRate = this.hitRate(info)
    this.details = this.detailsOf(poll, evictionsPerSec, t)
    const used = infoNumber(info, 'used_memory')
    const max = infoNumber(info, 'maxmemory')
    const result: CollectResult = {
      figures: [
        { label: 'Commands/s', value: finiteOrNull(opsPerSec), unit: 'ops/s' },
        {
          label: 'Hit rate',
          value: Number.isFinite(hitRate) ? hitRate * 100 : null,
          unit: '%',
          detail: Number.isFinite(hitRate) ? 'over the last poll window' : 'no reads in the last poll window'
        },
        { label: 'Clients', value: finiteOrNull(infoNumber(info, 'connected_clients')), unit: '' },
        {
          label: 'Memory',
          value: finiteOrNull(used),
          unit: 'B',
          detail: max > 0 ? `of maxmemory ${max} B (${infoString(info, 'maxmemory_policy') ?? '?'})` : 'no maxmemory set'
        }
      ],
      samples: [
        { seriesId: `${this.id}:ops`, value: opsPerSec },
        { seriesId: `${this.id}:hitrate`, value: hitRate * 100 },
        { seriesId: `${this.id}:memory`, value: used },
        // Against maxmemory only when there is one: no data rather than a share of nothing.
        { seriesId: `${this.id}:memory_of_max`, value: max > 0 ? (used / max) * 100 : NaN },
        { seriesId: `${this.id}:evictions`, value: evictionsPerSec },
        ...Object.entries(rates).map(([name, value]) => ({ seriesId: `${this.id}:${name}`, value }))
      ]
    }
    result.findings = this.details.findings.map((f) => ({
      check: f.check,
      object: (f as { node?: string }).node ?? this.id,
      severity: f.severity,
      value: f.value,
      message: f.message
    }))
    const serious = this.details.findings.filter((f) => f.severity !== 'info')
    if (serious.length) result.warning = serious.map((f) => f.message).join('; ')
    else if (info.problems.length) result.warning = info.problems.slice(0, 3).join('; ')
    return result
  }

  /** Hits over hits and misses since the previous poll; NaN after a restart (counters went down). */
  private hitRate(info: RedisInfo): number {
    const hits = infoNumber(info, 'keyspace_hits')
    const misses = infoNumber(info, 'keyspace_misses')
    const prev = this.prevHits
    this.prevHits = { hits, misses }
    return prev && hits >= prev.hits && misses >= prev.misses ? windowHitRate(hits - prev.hits, misses - prev.misses) : NaN
  }

  private findingsOf(poll: RedisPoll, evictions: number, t: number): RedisFinding[] {
    const { info } = poll
    const rejected = this.rejected.next(t, infoNumber(info, 'rejected_connections'))
    const checks = [checkMemory(info), checkEvictions(evictions), checkRejectedConnections(rejected), checkPersistence(info)]
    checks.push(checkReplicationLink(info), ...checkReplicaLag(info), checkFragmentation(info), checkTtlShare(info), checkForkTime(info))
    const findings = checks.filter((f): f is RedisFinding => f !== null)
    // A monitoring user without admin commands still gets everything else; the finding says which grant would enable the rest.
    for (const { what, grant } of poll.denied)
      findings.push({
        check: 'permissions',
        severity: 'info',
        value: what,
        threshold: grant,
        message: `the ACL user "${this.user}" may not run ${what}: ACL SETUSER ${this.user} ${grant} to see it`
      })
    // The cluster's own verdict: a failing primary leaves its slots unserved until a failover.
    for (const f of poll.failing)
      findings.push({
        check: 'cluster_node',
        severity: f.primary ? 'critical' : 'warning',
        value: f.name,
        threshold: 'not failing',
        message: `cluster node ${f.name} (${f.primary ? 'primary' : 'replica'}) is marked as failing by the cluster`
      })
    for (const [node, problem] of poll.unreachable)
      findings.push({
        check: 'cluster_node',
        severity: 'warning',
        value: node,
        threshold: 'reachable',
        message: `cluster node ${node} did not answer (${problem}): its slowlog and latency are missing`
      })
    return findings
  }

  private detailsOf(poll: RedisPoll, evictions: number, t: number): RedisDetails {
    const fresh: SlowlogEntry[] = []
    const spikes: RedisDetails['spikes'] = []
    for (const { name, slowlog, latest } of poll.nodes) {
      // Lookout's own commands are not the user's problem: leave them out, as for Postgres.
      for (const e of slowlog) if (!e.client.startsWith(`${LOOKOUT_CLIENT_NAME} `)) fresh.push(name ? { ...e, node: name } : e)
      for (const e of latest)
        if (Array.isArray(e) && e.length >= 4)
          spikes.push({
            event: String(e[0]),
            at: Number(e[1]) * 1000,
            latestMs: Number(e[2]),
            maxMs: Number(e[3]),
            ...(name ? { node: name } : {})
          })
    }
    fresh.sort((a, b) => b.at - a.at || b.id - a.id)
    this.slowlog = [...fresh, ...this.slowlog].slice(0, SLOWLOG_KEPT)
    const { info } = poll
    const nodes = this.primariesOf(poll.primaries, t)
    const findings = this.findingsOf(poll, evictions, t)
    return {
      findings,
      slowlog: this.slowlog,
      commands: commandStats(info),
      percentiles: latencyPercentiles(info),
      spikes,
      overview: serverOverview(info),
      nodes
    }
  }

  /** Each primary of a cluster: its slots, its own ops/s, memory and keys. */
  private primariesOf(primaries: RedisPoll['primaries'], t: number): RedisDetails['nodes'] {
    for (const name of this.primaryOps.keys()) if (!primaries.some((p) => p.name === name)) this.primaryOps.delete(name)
    return primaries.map(({ name, slots, info }) => {
      const rate = this.primaryOps.get(name) ?? new CounterRate()
      this.primaryOps.set(name, rate)
      const ops = rate.next(t, infoNumber(info, 'total_commands_processed'))
      return { name, slots, opsPerSec: finiteOrNull(ops), usedMemory: finiteOrNull(infoNumber(info, 'used_memory')), keys: keyCount(info) }
    })
  }

  /** The last poll's findings, slowlog, latency and top commands. */
  getDetails(): RedisDetails {
    return this.details
  }

  /** After a lost connection: counters start again (a rate across a reconnect would be a guess). */
  reset(): void {
    for (const r of [this.ops, this.evictions, this.expired, this.netIn, this.netOut]) r.reset()
    this.primaryOps.clear()
    this.prevHits = null
  }
}
