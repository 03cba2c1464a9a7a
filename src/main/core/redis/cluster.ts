import type { Redis } from 'ioredis'
import calculateSlot from 'cluster-key-slot'
import {
  dryRun,
  emptyProgress,
  invalidate,
  type DryRun,
  type InvalidateOptions,
  type InvalidateProgress,
  type InvalidateResult,
  type LatencyProbe
} from './invalidate'
import { warm, type WarmProgress, type WarmResult } from './warm'
import { errorMessage } from '../collector'

export interface ClusterNode {
  id: string
  host: string
  port: number
  primary: boolean
  /** Slot ranges it serves, as CLUSTER NODES prints them ("0-5460"). */
  slots: string[]
  failing: boolean
}

/** Whether the server runs in cluster mode (INFO cluster's cluster_enabled). */
export async function isCluster(redis: Redis): Promise<boolean> {
  const info = (await redis.info('cluster')) as string
  return /^cluster_enabled:1\s*$/m.test(info)
}

/**
 * The cluster's nodes from CLUSTER NODES: "<id> <ip:port@cport[,hostname]> <flags> <master> <ping>
 * <pong> <epoch> <link> <slot> ...". A malformed line is an error that names it.
 */
export function parseClusterNodes(text: string): ClusterNode[] {
  const out: ClusterNode[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const f = line.trim().split(' ')
    const addr = /^(.+):(\d+)(?:@\d+)?(?:,.*)?$/.exec(f[1] ?? '')
    if (f.length < 8 || !addr) throw new Error(`CLUSTER NODES: cannot read the line "${line.slice(0, 120)}"`)
    const flags = (f[2] ?? '').split(',')
    out.push({
      id: f[0]!,
      host: addr[1]!,
      port: Number(addr[2]),
      primary: flags.includes('master'),
      failing: flags.includes('fail') || flags.includes('fail?') || flags.includes('noaddr'),
      slots: f.slice(8).filter((s) => /^\d+(-\d+)?$/.test(s))
    })
  }
  return out
}

/** The primaries that serve slots and are not failing: where every key of the cluster lives. */
export async function clusterPrimaries(redis: Redis): Promise<ClusterNode[]> {
  const nodes = parseClusterNodes((await redis.call('CLUSTER', 'NODES')) as string)
  return nodes.filter((n) => n.primary && !n.failing && n.slots.length > 0)
}

/** The primary whose slot ranges hold the key's hash slot. */
export function primaryForKey(primaries: ClusterNode[], key: string): ClusterNode | undefined {
  const slot = calculateSlot(key)
  return primaries.find((n) =>
    n.slots.some((r) => {
      const [a, b] = r.split('-').map(Number) as [number, number | undefined]
      return slot >= a && slot <= (b ?? a)
    })
  )
}

/**
 * UNLINK in cluster mode: one command may only name keys of one slot, so a batch is split by slot
 * and the per-slot UNLINKs are pipelined on the node's connection (one round trip per batch).
 */
export async function unlinkBySlot(redis: Redis, keys: string[]): Promise<number> {
  const bySlot = new Map<number, string[]>()
  for (const k of keys) {
    const slot = calculateSlot(k)
    const list = bySlot.get(slot)
    if (list) list.push(k)
    else bySlot.set(slot, [k])
  }
  const pipe = redis.pipeline()
  for (const group of bySlot.values()) pipe.unlink(...group)
  const replies = (await pipe.exec()) ?? []
  let deleted = 0
  for (const [err, n] of replies) {
    if (err) throw err
    deleted += Number(n)
  }
  return deleted
}

export type ClusterInvalidateOptions = Omit<InvalidateOptions, 'apply' | 'probe'> & {
  /** What is done to a batch of one node's keys. Default: UNLINK grouped by slot. */
  applyOn?: (redis: Redis, keys: string[]) => Promise<number>
  /** A latency probe on the named node ("host:port"); that node's job stops it. */
  probeFor?: (node: string) => LatencyProbe | Promise<LatencyProbe>
}

/** "host:port" (the host may be an IPv6 address) as its two parts. */
export function splitNodeName(name: string): { host: string; port: number } {
  const at = name.lastIndexOf(':')
  return { host: name.slice(0, at), port: Number(name.slice(at + 1)) }
}

/** The dry run on every primary, summed: each samples its own keys. */
export async function clusterDryRun(nodes: Redis[], pattern: string): Promise<DryRun> {
  const parts = await Promise.all(nodes.map((n) => dryRun(n, pattern)))
  return {
    sampled: parts.reduce((s, p) => s + p.sampled, 0),
    matched: parts.reduce((s, p) => s + p.matched, 0),
    dbsize: parts.reduce((s, p) => s + p.dbsize, 0),
    estimatedTotal: parts.reduce((s, p) => s + p.estimatedTotal, 0),
    complete: parts.every((p) => p.complete),
    examples: parts.flatMap((p) => p.examples).slice(0, 5)
  }
}

/**
 * Invalidation on every primary of a cluster, one after another, each with SCAN on that node and
 * slot-grouped UNLINK. Progress and the result are the sums over the nodes; cancelling or a failure
 * stops the fan-out with exact counts.
 */
export async function invalidateCluster(
  nodes: { name: string; redis: Redis }[],
  opts: ClusterInvalidateOptions
): Promise<InvalidateResult & { nodes: { name: string; deleted: number; outcome: InvalidateResult['outcome'] }[] }> {
  const done = emptyProgress()
  const perNode: { name: string; deleted: number; outcome: InvalidateResult['outcome'] }[] = []
  let last: InvalidateResult | null = null
  const started = performance.now()
  const sum = (p: InvalidateProgress): InvalidateProgress => {
    const elapsedMs = performance.now() - started
    const deleted = done.deleted + p.deleted
    const ratePerS = elapsedMs > 0 ? (deleted / elapsedMs) * 1000 : 0
    return {
      scanCalls: done.scanCalls + p.scanCalls,
      matched: done.matched + p.matched,
      deleted,
      elapsedMs,
      ratePerS,
      etaS: opts.estimatedTotal !== undefined && ratePerS > 0 ? Math.max(0, opts.estimatedTotal - deleted) / ratePerS : null,
      throttled: done.throttled + p.throttled,
      worstPingMs: Math.max(done.worstPingMs, p.worstPingMs)
    }
  }
  // The node being emptied is the one whose other clients feel the job: each node's job watches
  // its own. All probes start at once, so each is connected by the time its node's turn comes.
  const probes: (LatencyProbe | undefined)[] = opts.probeFor ? await Promise.all(nodes.map((n) => opts.probeFor!(n.name))) : []
  for (const [i, node] of nodes.entries()) {
    const probe = probes[i]
    probes[i] = undefined
    last = await invalidate(node.redis, {
      ...opts,
      probe,
      estimatedTotal: undefined,
      apply: (keys) => (opts.applyOn ?? unlinkBySlot)(node.redis, keys),
      onProgress: (p) => opts.onProgress?.(sum(p))
    })
    perNode.push({ name: node.name, deleted: last.deleted, outcome: last.outcome })
    Object.assign(done, sum(last))
    if (last.outcome !== 'done') break
  }
  // Nodes a cancel or a failure never reached: their probes were not stopped by a job.
  await Promise.all(probes.map((p) => p?.stop()))
  const total = sum(emptyProgress())
  return {
    ...total,
    outcome: last?.outcome ?? 'done',
    error: last?.error ?? null,
    uncertain: last?.uncertain ?? 0,
    nodes: perNode
  }
}

/**
 * Warm-up commands split by the primary that owns each command's key (the word after the command).
 * MSET names several keys that may live on several primaries: refused, naming the command.
 */
export function routeCommands(primaries: ClusterNode[], commands: string[][]): Map<ClusterNode, string[][]> {
  const out = new Map<ClusterNode, string[][]>()
  commands.forEach((c, i) => {
    if (c[0] === 'MSET') throw new Error(`command ${i + 1}: MSET may span hash slots in a cluster; write one SET per key`)
    const owner = primaryForKey(primaries, c[1]!)
    if (!owner) throw new Error(`command ${i + 1}: no healthy primary serves the slot of "${c[1]}"`)
    const list = out.get(owner)
    if (list) list.push(c)
    else out.set(owner, [c])
  })
  return out
}

/**
 * Warming a cluster: each primary gets its own commands (see routeCommands) in pipelined batches
 * on its own connection, one primary after another. Progress and the result are the sums; a
 * cancel or a failure stops the fan-out with exact counts.
 */
export async function warmCluster(
  routed: Map<ClusterNode, string[][]>,
  total: number,
  connect: (node: ClusterNode) => Promise<Redis>,
  opts: { signal?: AbortSignal; onProgress?(p: WarmProgress): void } = {}
): Promise<WarmResult> {
  const started = performance.now()
  let r: WarmResult = { total, sent: 0, ok: 0, failed: 0, elapsedMs: 0, ratePerS: 0, etaS: null, outcome: 'done', errors: [], error: null }
  const sum = (part: WarmProgress): WarmProgress => {
    const elapsedMs = performance.now() - started
    const done = r.ok + r.failed + part.ok + part.failed
    const ratePerS = elapsedMs > 0 ? (done / elapsedMs) * 1000 : 0
    return {
      total,
      sent: r.sent + part.sent,
      ok: r.ok + part.ok,
      failed: r.failed + part.failed,
      elapsedMs,
      ratePerS,
      etaS: ratePerS > 0 ? (total - done) / ratePerS : null
    }
  }
  for (const [node, cmds] of routed) {
    if (opts.signal?.aborted) {
      r = { ...r, outcome: 'cancelled' }
      break
    }
    let peer: Redis
    try {
      peer = await connect(node)
    } catch (err) {
      // What the other primaries took stays counted: the job fails with exact figures.
      r = { ...r, outcome: 'failed', error: `${node.host}:${node.port}: ${errorMessage(err)}` }
      break
    }
    try {
      const part = await warm(peer, cmds, { signal: opts.signal, onProgress: (p) => opts.onProgress?.(sum(p)) })
      r = { ...r, ...sum(part), errors: [...r.errors, ...part.errors].slice(0, 5), outcome: part.outcome, error: part.error }
    } finally {
      peer.disconnect()
    }
    if (r.outcome !== 'done') break
  }
  return r
}
