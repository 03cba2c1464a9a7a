import type { Redis } from 'ioredis'
import type { RedisDetails } from '../../../shared/redis'
import type { SeriesInfo } from '../../../shared/schemas'
import { abortable, CounterRate, errorMessage, type CollectResult, type TargetCollector } from '../collector'
import {
  createMonitorRedis,
  LOOKOUT_CLIENT_NAME,
  describeRedisError,
  describeRedisUrl,
  redisEndpoint,
  redisFailure,
  type RedisTarget
} from './connection'
import { infoNumber, infoString, parseInfo, type RedisInfo } from './info'
import {
  checkEvictions,
  checkFragmentation,
  checkMemory,
  checkPersistence,
  checkRejectedConnections,
  checkReplicationLink,
  checkReplicaLag,
  checkTtlShare,
  checkForkTime,
  serverOverview,
  commandStats,
  latencyPercentiles,
  type RedisFinding
} from './checks'
import { SlowlogReader, type SlowlogEntry } from './slowlog'
import { finiteOrNull, keyCount, sumInfos } from './sum-infos'
import { parseClusterNodes } from './cluster'

/** INFO is read at most once a second per node, however short the profile's poll interval. */
export const REDIS_MIN_POLL_MS = 1000
/** Slowlog entries the Cache view keeps, newest first. */
export const SLOWLOG_KEPT = 100
/** How long a cluster replica that could not be reached is left alone before the next try. */
export const NODE_RETRY_MS = 30_000

export interface RedisCollectorOptions {
  id: string
  url: string
  password: string | null
  timeoutMs: number
  caFile?: string | null
  now?: () => number
}

/** Hit rate over the last poll window: Δhits / (Δhits + Δmisses); no data when neither moved. */
export function windowHitRate(dHits: number, dMisses: number): number {
  const total = dHits + dMisses
  return total > 0 ? dHits / total : NaN
}

export class RedisCollector implements TargetCollector {
  readonly kind = 'redis' as const
  readonly minIntervalMs = REDIS_MIN_POLL_MS
  readonly endpoint: string
  readonly series: SeriesInfo[]
  private readonly target: RedisTarget
  private client: Redis | null = null
  /** The client of the last attempt, kept for its error after a failed connect dropped it. */
  private lastClient: Redis | null = null
  private readonly ops = new CounterRate()
  private readonly evictions = new CounterRate()
  private readonly expired = new CounterRate()
  private readonly netIn = new CounterRate()
  private readonly netOut = new CounterRate()
  private readonly rejected = new CounterRate()
  /** One reader per node: slowlog ids are a node's own. */
  private readonly slowlogReaders = new Map<string, SlowlogReader>()
  private slowlog: SlowlogEntry[] = []
  /** In a cluster: every node's connection (seed included) for its slowlog and latency; else empty. */
  private clusterClients: { name: string; client: Redis }[] = []
  /** Cluster nodes kept only for their slowlog that did not answer: why, and when to try again. */
  private readonly nodeProblems = new Map<string, string>()
  private readonly nodeRetryAt = new Map<string, number>()
  /** Nodes CLUSTER NODES flags fail or fail? (or without an address). */
  private failingNodes: { name: string; primary: boolean }[] = []
  private details: RedisDetails = { findings: [], slowlog: [], commands: [], percentiles: [], spikes: [], overview: [], nodes: [] }
  /** In a cluster: a connection per node other than the seed (replicas too, for their slowlog), and an ops/s counter per primary. */
  private readonly peers = new Map<string, Redis>()
  private readonly peerOps = new Map<string, CounterRate>()
  private clusterNodes: RedisDetails['nodes'] = []
  private prevHits: { hits: number; misses: number } | null = null
  private readonly now: () => number

  constructor(private readonly opts: RedisCollectorOptions) {
    this.target = describeRedisUrl(opts.url)
    this.endpoint = redisEndpoint(this.target)
    this.now = opts.now ?? Date.now
    this.series = [
      { seriesId: `${opts.id}:ops`, targetId: opts.id, label: 'Commands/s', unit: 'ops/s' },
      { seriesId: `${opts.id}:hitrate`, targetId: opts.id, label: 'Hit rate (per poll)', unit: '%' },
      { seriesId: `${opts.id}:memory`, targetId: opts.id, headline: false, label: 'Memory used', unit: 'B' },
      { seriesId: `${opts.id}:memory_of_max`, targetId: opts.id, headline: false, label: 'Memory of maxmemory', unit: '%' },
      { seriesId: `${opts.id}:evictions`, targetId: opts.id, headline: false, label: 'Evictions', unit: 'keys/s' },
      { seriesId: `${opts.id}:expirations`, targetId: opts.id, headline: false, label: 'Expirations', unit: 'keys/s' },
      { seriesId: `${opts.id}:net_in`, targetId: opts.id, headline: false, label: 'Network in', unit: 'B/s' },
      { seriesId: `${opts.id}:net_out`, targetId: opts.id, headline: false, label: 'Network out', unit: 'B/s' }
    ]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    try {
      const client = await this.connected(signal)
      const reply = (await abortable(signal, client.call('INFO', 'all'), () => this.drop())) as string
      const seedInfo = parseInfo(reply)
      // A cluster node: the figures are the sums over every primary, each polled on its own connection.
      const isCluster = infoNumber(seedInfo, 'cluster_enabled') === 1
      if (!isCluster) {
        this.clusterClients = []
        this.failingNodes = []
      }
      const info = isCluster ? await this.clusterInfo(client, seedInfo, signal) : seedInfo
      const total = infoNumber(info, 'total_commands_processed')
      if (!Number.isFinite(total)) throw new Error('INFO reply has no total_commands_processed field')
      const t = this.now()
      const opsPerSec = this.ops.next(t, total)
      const evictionsPerSec = this.evictions.next(t, infoNumber(info, 'evicted_keys'))
      const expiredPerSec = this.expired.next(t, infoNumber(info, 'expired_keys'))
      const netInPerSec = this.netIn.next(t, infoNumber(info, 'total_net_input_bytes'))
      const netOutPerSec = this.netOut.next(t, infoNumber(info, 'total_net_output_bytes'))
      const hits = infoNumber(info, 'keyspace_hits')
      const misses = infoNumber(info, 'keyspace_misses')
      let hitRate = NaN
      if (this.prevHits && hits >= this.prevHits.hits && misses >= this.prevHits.misses)
        hitRate = windowHitRate(hits - this.prevHits.hits, misses - this.prevHits.misses)
      this.prevHits = { hits, misses }
      await this.readDetails(client, info, evictionsPerSec, signal)
      const used = infoNumber(info, 'used_memory')
      const max = infoNumber(info, 'maxmemory')
      const result: CollectResult = {
        figures: [
          { label: 'Commands/s', value: Number.isFinite(opsPerSec) ? opsPerSec : null, unit: 'ops/s' },
          {
            label: 'Hit rate',
            value: Number.isFinite(hitRate) ? hitRate * 100 : null,
            unit: '%',
            detail: Number.isFinite(hitRate) ? 'over the last poll window' : 'no reads in the last poll window'
          },
          {
            label: 'Clients',
            value: Number.isFinite(infoNumber(info, 'connected_clients')) ? infoNumber(info, 'connected_clients') : null,
            unit: ''
          },
          {
            label: 'Memory',
            value: Number.isFinite(used) ? used : null,
            unit: 'B',
            detail: max > 0 ? `of maxmemory ${max} B (${infoString(info, 'maxmemory_policy') ?? '?'})` : 'no maxmemory set'
          }
        ],
        samples: [
          { seriesId: `${this.opts.id}:ops`, value: opsPerSec },
          { seriesId: `${this.opts.id}:hitrate`, value: hitRate * 100 },
          { seriesId: `${this.opts.id}:memory`, value: used },
          // Against maxmemory only when there is one: no data rather than a share of nothing.
          { seriesId: `${this.opts.id}:memory_of_max`, value: max > 0 ? (used / max) * 100 : NaN },
          { seriesId: `${this.opts.id}:evictions`, value: evictionsPerSec },
          { seriesId: `${this.opts.id}:expirations`, value: expiredPerSec },
          { seriesId: `${this.opts.id}:net_in`, value: netInPerSec },
          { seriesId: `${this.opts.id}:net_out`, value: netOutPerSec }
        ]
      }
      const serious = this.details.findings.filter((f) => f.severity !== 'info')
      if (serious.length) result.warning = serious.map((f) => f.message).join('; ')
      else if (info.problems.length) result.warning = info.problems.slice(0, 3).join('; ')
      return result
    } catch (err) {
      const reason = signal.aborted ? signal.reason : redisFailure(this.client ?? this.lastClient, err)
      if (!signal.aborted) this.drop()
      throw new Error(describeRedisError(reason, this.target, this.opts.password), { cause: err })
    }
  }

  /** Findings, slowlog and latency from this poll's INFO, kept for the Cache view. */
  private async readDetails(client: Redis, info: RedisInfo, evictions: number, signal: AbortSignal): Promise<void> {
    const rejected = this.rejected.next(this.now(), infoNumber(info, 'rejected_connections'))
    const findings = [
      checkMemory(info),
      checkEvictions(evictions),
      checkRejectedConnections(rejected),
      checkPersistence(info),
      checkReplicationLink(info),
      ...checkReplicaLag(info),
      checkFragmentation(info),
      checkTtlShare(info),
      checkForkTime(info)
    ].filter((f): f is RedisFinding => f !== null)
    // A monitoring user without admin commands still gets everything else; the finding says
    // which grant would enable the rest.
    const optional = async <T>(what: string, grant: string, run: () => Promise<T>): Promise<T | null> => {
      try {
        return await abortable(signal, run(), () => this.drop())
      } catch (err) {
        if (signal.aborted || !/NOPERM/.test(errorMessage(err))) throw err
        const user = this.target.user ?? 'default'
        findings.push({
          check: 'permissions',
          severity: 'info',
          value: what,
          threshold: grant,
          message: `the ACL user "${user}" may not run ${what}: ACL SETUSER ${user} ${grant} to see it`
        })
        return null
      }
    }
    // Every node of a cluster has its own slowlog and latency monitor; a single server is one node.
    const watched = this.clusterClients.length ? this.clusterClients : [{ name: '', client }]
    const fresh: SlowlogEntry[] = []
    const spikes: RedisDetails['spikes'] = []
    for (const { name, client: c } of watched) {
      const reader = this.slowlogReaders.get(name) ?? new SlowlogReader()
      this.slowlogReaders.set(name, reader)
      let entries: SlowlogEntry[] | null
      let latest: unknown[]
      try {
        entries = await optional('SLOWLOG GET', '+slowlog', () => reader.read(c))
        latest = ((await optional('LATENCY LATEST', '+latency', () => c.call('LATENCY', 'LATEST'))) ?? []) as unknown[]
      } catch (err) {
        // Another node of a cluster failing here costs its slowlog, not the poll.
        if (!name || c === client || signal.aborted) throw err
        this.nodeProblems.set(name, errorMessage(err))
        this.peers.get(name)?.disconnect()
        this.peers.delete(name)
        continue
      }
      // Lookout's own commands are not the user's problem: leave them out, as for Postgres.
      for (const e of entries ?? []) if (!e.client.startsWith(`${LOOKOUT_CLIENT_NAME} `)) fresh.push(name ? { ...e, node: name } : e)
      for (const e of Array.isArray(latest) ? latest : [])
        if (Array.isArray(e) && e.length >= 4)
          spikes.push({
            event: String(e[0]),
            at: Number(e[1]) * 1000,
            latestMs: Number(e[2]),
            maxMs: Number(e[3]),
            ...(name ? { node: name } : {})
          })
    }
    // The cluster's own verdict: a failing primary leaves its slots unserved until a failover.
    for (const f of this.failingNodes)
      findings.push({
        check: 'cluster_node',
        severity: f.primary ? 'critical' : 'warning',
        value: f.name,
        threshold: 'not failing',
        message: `cluster node ${f.name} (${f.primary ? 'primary' : 'replica'}) is marked as failing by the cluster`
      })
    for (const [node, problem] of this.nodeProblems)
      findings.push({
        check: 'cluster_node',
        severity: 'warning',
        value: node,
        threshold: 'reachable',
        message: `cluster node ${node} did not answer (${problem}): its slowlog and latency are missing`
      })
    // A reader is dropped only with its node: one unreachable for a while keeps its place in the log.
    const listedNodes = new Set([...watched.map((w) => w.name), ...this.nodeProblems.keys()])
    for (const name of this.slowlogReaders.keys()) if (!listedNodes.has(name)) this.slowlogReaders.delete(name)
    fresh.sort((a, b) => b.at - a.at || b.id - a.id)
    this.slowlog = [...fresh, ...this.slowlog].slice(0, SLOWLOG_KEPT)
    this.details = {
      findings,
      slowlog: this.slowlog,
      commands: commandStats(info),
      percentiles: latencyPercentiles(info),
      spikes,
      overview: serverOverview(info),
      nodes: this.clusterNodes
    }
  }

  /**
   * INFO from every primary of the cluster the seed node belongs to, summed into one reply: ops,
   * hits and misses, evictions, memory, clients, keys add up across primaries. Every reachable
   * node, replicas included, is kept for its slowlog and latency.
   */
  private async clusterInfo(seed: Redis, seedInfo: RedisInfo, signal: AbortSignal): Promise<RedisInfo> {
    const listedNodes = parseClusterNodes((await abortable(signal, seed.call('CLUSTER', 'NODES'))) as string)
    const all = listedNodes.filter((n) => !n.failing)
    this.failingNodes = listedNodes.filter((n) => n.failing).map((n) => ({ name: `${n.host}:${n.port}`, primary: n.primary }))
    const seedName = `${this.target.host}:${this.target.port}`
    const infos: { name: string; slots: string; info: RedisInfo }[] = []
    const clients: { name: string; client: Redis }[] = []
    for (const n of all) {
      const name = `${n.host}:${n.port}`
      const holdsData = n.primary && n.slots.length > 0
      let c = name === seedName ? seed : this.peers.get(name)
      if (!c || c.status !== 'ready') {
        c?.disconnect()
        this.peers.delete(name)
        // A node kept only for its slowlog (a replica) that cannot be reached is a finding, not a
        // failed poll, and is tried again after a pause rather than on every poll.
        const retryAt = this.nodeRetryAt.get(name)
        if (!holdsData && retryAt !== undefined && this.now() < retryAt) continue
        const u = new URL(this.opts.url)
        u.hostname = n.host
        u.port = String(n.port)
        c = createMonitorRedis(u.toString(), this.opts.password, this.opts.timeoutMs, this.opts.caFile)
        try {
          await abortable(signal, c.connect())
        } catch (err) {
          const reason = redisFailure(c, err)
          c.disconnect()
          if (holdsData || signal.aborted) throw err
          this.nodeRetryAt.set(name, this.now() + NODE_RETRY_MS)
          this.nodeProblems.set(name, describeRedisError(reason, { ...this.target, host: n.host, port: n.port }, this.opts.password))
          continue
        }
        this.peers.set(name, c)
        this.nodeRetryAt.delete(name)
        this.nodeProblems.delete(name)
      }
      clients.push({ name, client: c })
      if (!holdsData) continue
      const info = name === seedName ? seedInfo : parseInfo((await abortable(signal, c.call('INFO', 'all'))) as string)
      infos.push({ name, slots: n.slots.join(' '), info })
    }
    for (const [name, c] of this.peers)
      if (!clients.some((x) => x.name === name)) {
        c.disconnect()
        this.peers.delete(name)
      }
    // Nodes that left the cluster take their problems with them.
    const listed = new Set(all.map((n) => `${n.host}:${n.port}`))
    for (const name of this.nodeProblems.keys()) if (!listed.has(name)) this.nodeProblems.delete(name)
    this.clusterClients = clients
    const t = this.now()
    this.clusterNodes = infos.map(({ name, slots, info }) => {
      const rate = this.peerOps.get(name) ?? new CounterRate()
      this.peerOps.set(name, rate)
      const ops = rate.next(t, infoNumber(info, 'total_commands_processed'))
      return {
        name,
        slots,
        opsPerSec: Number.isFinite(ops) ? ops : null,
        usedMemory: finiteOrNull(infoNumber(info, 'used_memory')),
        keys: keyCount(info)
      }
    })
    return sumInfos(
      seedInfo,
      infos.map((i) => i.info)
    )
  }

  /** The last poll's findings, slowlog, latency and top commands. */
  getDetails(): RedisDetails {
    return this.details
  }

  private async connected(signal: AbortSignal): Promise<Redis> {
    if (this.client && this.client.status === 'ready') return this.client
    if (this.client) this.drop()
    const client = createMonitorRedis(this.opts.url, this.opts.password, this.opts.timeoutMs, this.opts.caFile)
    this.client = client
    this.lastClient = client
    await abortable(signal, client.connect(), () => this.drop())
    return client
  }

  private drop(): void {
    const c = this.client
    this.client = null
    this.ops.reset()
    for (const r of [this.evictions, this.expired, this.netIn, this.netOut]) r.reset()
    this.prevHits = null
    c?.disconnect()
    for (const p of this.peers.values()) p.disconnect()
    this.peers.clear()
    this.peerOps.clear()
    this.clusterClients = []
    this.nodeProblems.clear()
    this.nodeRetryAt.clear()
    this.failingNodes = []
  }

  async close(): Promise<void> {
    this.drop()
  }
}
