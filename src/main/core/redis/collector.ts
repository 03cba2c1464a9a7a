import type { Redis } from 'ioredis'
import type { RedisDetails } from '../../../shared/redis'
import type { SeriesInfo } from '../../../shared/schemas'
import { abortable, errorMessage, type CollectResult, type TargetCollector } from '../collector'
import { parseClusterNodes } from './cluster'
import {
  createMonitorRedis,
  describeRedisError,
  describeRedisUrl,
  redisEndpoint,
  redisFailure,
  type RedisTarget,
  type RedisTlsFiles
} from './connection'
import { infoNumber, parseInfo, type RedisInfo } from './info'
import { SlowlogReader, type SlowlogEntry } from './slowlog'
import { sumInfos } from './sum-infos'
import { RedisWatch, type NodeReads, type RedisPoll } from './watch'

/** INFO is read at most once a second per node, however short the profile's poll interval. */
export const REDIS_MIN_POLL_MS = 1000
/** How long a cluster replica that could not be reached is left alone before the next try. */
export const NODE_RETRY_MS = 30_000

export interface RedisCollectorOptions {
  id: string
  /** The endpoint to show when the URL connected to is not the server's own (an SSH tunnel's local end). */
  shownAs?: string
  url: string
  password: string | null
  timeoutMs: number
  tls?: RedisTlsFiles | null
  now?: () => number
}

/**
 * Reaches a Redis server for its monitor: one connection (and, on a cluster, one per node), INFO
 * every poll, each node's slowlog and latency events. What the replies mean is the watch's
 * (watch.ts), as for Postgres.
 */
export class RedisCollector implements TargetCollector {
  readonly kind = 'redis' as const
  readonly minIntervalMs = REDIS_MIN_POLL_MS
  readonly endpoint: string
  readonly series: SeriesInfo[]
  private readonly target: RedisTarget
  private readonly watch: RedisWatch
  private client: Redis | null = null
  /** The client of the last attempt, kept for its error after a failed connect dropped it. */
  private lastClient: Redis | null = null
  /** One reader per node: slowlog ids are a node's own. */
  private readonly slowlogReaders = new Map<string, SlowlogReader>()
  /** In a cluster: every node's connection (seed included) for its slowlog and latency; else empty. */
  private clusterClients: { name: string; client: Redis }[] = []
  /** Cluster nodes kept only for their slowlog that did not answer: why, and when to try again. */
  private readonly nodeProblems = new Map<string, string>()
  private readonly nodeRetryAt = new Map<string, number>()
  /** In a cluster: a connection per node other than the seed (replicas too, for their slowlog). */
  private readonly peers = new Map<string, Redis>()
  private readonly now: () => number

  constructor(private readonly opts: RedisCollectorOptions) {
    this.target = describeRedisUrl(opts.url)
    this.endpoint = opts.shownAs ?? redisEndpoint(this.target)
    this.now = opts.now ?? Date.now
    this.watch = new RedisWatch(opts.id, this.target.user ?? 'default')
    this.series = this.watch.series
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
      const cluster = infoNumber(seedInfo, 'cluster_enabled') === 1 ? await this.clusterInfo(client, seedInfo, signal) : null
      if (!cluster) this.clusterClients = []
      const poll: RedisPoll = {
        info: cluster?.info ?? seedInfo,
        failing: cluster?.failing ?? [],
        primaries: cluster?.primaries ?? [],
        ...(await this.readNodes(client, signal)),
        unreachable: [...this.nodeProblems]
      }
      return this.watch.observe(poll, this.now())
    } catch (err) {
      const reason = signal.aborted ? signal.reason : redisFailure(this.client ?? this.lastClient, err)
      if (!signal.aborted) this.drop()
      throw new Error(describeRedisError(reason, this.target, this.opts.password), { cause: err })
    }
  }

  /**
   * Each node's slowlog and latency events (every node of a cluster has its own; a single server
   * is one node). A monitoring user without admin commands still gets everything else: what it
   * may not run is reported with the grant that would allow it.
   */
  private async readNodes(client: Redis, signal: AbortSignal): Promise<Pick<RedisPoll, 'nodes' | 'denied'>> {
    const denied = new Map<string, string>()
    const optional = async <T>(what: string, grant: string, run: () => Promise<T>): Promise<T | null> => {
      try {
        return await abortable(signal, run(), () => this.drop())
      } catch (err) {
        if (signal.aborted || !/NOPERM/.test(errorMessage(err))) throw err
        denied.set(what, grant)
        return null
      }
    }
    const watched = this.clusterClients.length ? this.clusterClients : [{ name: '', client }]
    const nodes: NodeReads[] = []
    for (const { name, client: c } of watched) {
      const reader = this.slowlogReaders.get(name) ?? new SlowlogReader()
      this.slowlogReaders.set(name, reader)
      try {
        const slowlog: SlowlogEntry[] = (await optional('SLOWLOG GET', '+slowlog', () => reader.read(c))) ?? []
        const latest = await optional('LATENCY LATEST', '+latency', () => c.call('LATENCY', 'LATEST'))
        nodes.push({ name, slowlog, latest: Array.isArray(latest) ? latest : [] })
      } catch (err) {
        // Another node of a cluster failing here costs its slowlog, not the poll.
        if (!name || c === client || signal.aborted) throw err
        this.nodeProblems.set(name, errorMessage(err))
        this.peers.get(name)?.disconnect()
        this.peers.delete(name)
      }
    }
    // A reader is dropped only with its node: one unreachable for a while keeps its place in the log.
    const listedNodes = new Set([...watched.map((w) => w.name), ...this.nodeProblems.keys()])
    for (const name of this.slowlogReaders.keys()) if (!listedNodes.has(name)) this.slowlogReaders.delete(name)
    return { nodes, denied: [...denied].map(([what, grant]) => ({ what, grant })) }
  }

  /**
   * INFO from every primary of the cluster the seed node belongs to, summed into one reply: ops,
   * hits and misses, evictions, memory, clients, keys add up across primaries. Every reachable
   * node, replicas included, is kept for its slowlog and latency.
   */
  private async clusterInfo(seed: Redis, seedInfo: RedisInfo, signal: AbortSignal) {
    const listedNodes = parseClusterNodes((await abortable(signal, seed.call('CLUSTER', 'NODES'))) as string)
    const all = listedNodes.filter((n) => !n.failing)
    const failing = listedNodes.filter((n) => n.failing).map((n) => ({ name: `${n.host}:${n.port}`, primary: n.primary }))
    const seedName = `${this.target.host}:${this.target.port}`
    const primaries: RedisPoll['primaries'] = []
    const clients: { name: string; client: Redis }[] = []
    for (const n of all) {
      const name = `${n.host}:${n.port}`
      const holdsData = n.primary && n.slots.length > 0
      const c = name === seedName ? seed : await this.peer(n, holdsData, signal)
      if (!c) continue
      clients.push({ name, client: c })
      if (!holdsData) continue
      const info = name === seedName ? seedInfo : parseInfo((await abortable(signal, c.call('INFO', 'all'))) as string)
      primaries.push({ name, slots: n.slots.join(' '), info })
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
    return {
      info: sumInfos(
        seedInfo,
        primaries.map((i) => i.info)
      ),
      primaries,
      failing
    }
  }

  /**
   * The connection to a cluster node other than the seed, opened when needed. A node kept only
   * for its slowlog (a replica) that cannot be reached is a finding, not a failed poll, and is
   * tried again after a pause rather than on every poll.
   */
  private async peer(n: { host: string; port: number }, holdsData: boolean, signal: AbortSignal): Promise<Redis | null> {
    const name = `${n.host}:${n.port}`
    const open = this.peers.get(name)
    if (open?.status === 'ready') return open
    open?.disconnect()
    this.peers.delete(name)
    const retryAt = this.nodeRetryAt.get(name)
    if (!holdsData && retryAt !== undefined && this.now() < retryAt) return null
    const u = new URL(this.opts.url)
    u.hostname = n.host
    u.port = String(n.port)
    const c = createMonitorRedis(u.toString(), this.opts.password, this.opts.timeoutMs, this.opts.tls)
    try {
      await abortable(signal, c.connect())
    } catch (err) {
      const reason = redisFailure(c, err)
      c.disconnect()
      if (holdsData || signal.aborted) throw err
      this.nodeRetryAt.set(name, this.now() + NODE_RETRY_MS)
      this.nodeProblems.set(name, describeRedisError(reason, { ...this.target, host: n.host, port: n.port }, this.opts.password))
      return null
    }
    this.peers.set(name, c)
    this.nodeRetryAt.delete(name)
    this.nodeProblems.delete(name)
    return c
  }

  /** The last poll's findings, slowlog, latency and top commands. */
  getDetails(): RedisDetails {
    return this.watch.getDetails()
  }

  private async connected(signal: AbortSignal): Promise<Redis> {
    if (this.client && this.client.status === 'ready') return this.client
    if (this.client) this.drop()
    const client = createMonitorRedis(this.opts.url, this.opts.password, this.opts.timeoutMs, this.opts.tls)
    this.client = client
    this.lastClient = client
    await abortable(signal, client.connect(), () => this.drop())
    return client
  }

  private drop(): void {
    const c = this.client
    this.client = null
    this.watch.reset()
    c?.disconnect()
    for (const p of this.peers.values()) p.disconnect()
    this.peers.clear()
    this.clusterClients = []
    this.nodeProblems.clear()
    this.nodeRetryAt.clear()
  }

  async close(): Promise<void> {
    this.drop()
  }
}
