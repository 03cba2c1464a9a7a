import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { ApiError, type ApiHandlers, type ParsedParams, type RequestContext } from '../../../shared/api'
import { errorMessage } from '../collector'
import { auditJobEnd, runJob } from '../jobs'
import type { CoreServices } from '../services'
import type { RedisNode } from './access'
import { clusterPrimaries, isCluster, routeCommands, warmCluster, type ClusterNode } from './cluster'
import { describeRedisUrl, redisEndpoint } from './connection'
import { parseInfo } from './info'
import { expireKeys } from './invalidate'
import { analyseKeyspace } from './keyspace'
import { startPatternJob } from './pattern-job'
import { parseWarmFile, warm, WarmFileError } from './warm'

/**
 * A key-space analysis as a job. A sample of thousands of keys is real load: it reads the replica
 * when the profile names one. On a cluster every primary holds its own slots' keys: each gives
 * its share of the sample.
 */
async function startKeyspaceAnalysis(s: CoreServices, { profile, delimiter, sampleKeys, jobId: asked }: ParsedParams<'cache.analyse'>) {
  const { profile: p, openReplica, targets, jobSlot } = await s.redis.forProfile(profile)
  const release = jobSlot('key-space analysis')
  let nodes: Pick<RedisNode, 'name' | 'redis'>[]
  try {
    nodes = p.redisReplica ? [{ name: redisEndpoint(describeRedisUrl(p.redisReplica)), redis: await openReplica() }] : await targets()
  } catch (err) {
    release()
    throw err
  }
  const jobId = asked ?? randomUUID()
  const readFrom =
    nodes.length > 1
      ? `the cluster's ${nodes.length} primaries (${nodes.map((n) => n.name).join(', ')})`
      : redisEndpoint(describeRedisUrl(p.redisReplica ?? p.redis!))
  runJob(s, { jobId, profile, kind: 'cache.analyse' }, async (signal) => {
    try {
      const keyspace = parseInfo(await nodes[0]!.redis.info('keyspace')).sections['keyspace'] ?? {}
      const databasesInUse = Object.keys(keyspace).filter((k) => /^db\d+$/.test(k)).length
      const onProgress = (sampled: number) => s.emit('keyspace.progress', { jobId, sampled, sampleKeys })
      const redises = nodes.map((n) => n.redis)
      const result = await analyseKeyspace(redises, { delimiter, sampleKeys, databasesInUse, signal, onProgress }).catch((err: unknown) => {
        if (signal.aborted) throw new ApiError('conflict', 'the analysis was cancelled')
        throw err
      })
      return { ...result, readFrom }
    } finally {
      release()
      for (const n of nodes) n.redis.disconnect()
    }
  })
  return { jobId }
}

/** Every line of a warm-up file read before anything connects or runs. */
function parseWarm(text: string, format: ParsedParams<'cache.warm'>['format']): string[][] {
  try {
    return parseWarmFile(text, format)
  } catch (err) {
    if (err instanceof WarmFileError) throw new ApiError('bad_request', err.message)
    throw err
  }
}

/** On a cluster each command goes to the primary owning its key; MSET across slots is refused here, before anything runs. */
async function routeWarm(client: Redis, commands: string[][]): Promise<Map<ClusterNode, string[][]> | null> {
  if (!(await isCluster(client))) return null
  try {
    return routeCommands(await clusterPrimaries(client), commands)
  } catch (err) {
    throw new ApiError('bad_request', errorMessage(err))
  }
}

/** A cache warm-up as a job: pipelined batches, progress, cancel between batches, its counts audited at its end. */
async function startWarm(s: CoreServices, { profile, text, format, jobId: asked }: ParsedParams<'cache.warm'>, ctx: RequestContext) {
  const { profile: p, open, connectTo, jobSlot } = await s.redis.forProfile(profile)
  const commands = parseWarm(text, format)
  const target = `${commands.length} commands`
  ctx.setTarget(target)
  ctx.audit({ commands: commands.length })
  const release = jobSlot('cache warm-up')
  let client: Redis | null = null
  let routed: Map<ClusterNode, string[][]> | null
  try {
    client = await open()
    routed = await routeWarm(client, commands)
  } catch (err) {
    release()
    client?.disconnect()
    throw err
  }
  const jobId = asked ?? randomUUID()
  const c = client
  runJob(s, { jobId, profile, kind: 'cache.warm' }, async (signal) => {
    try {
      const onProgress = (pr: { total: number; ok: number; failed: number; etaS: number | null }) =>
        s.emit('warm.progress', { jobId, total: pr.total, ok: pr.ok, failed: pr.failed, etaS: pr.etaS })
      const r = routed
        ? await warmCluster(routed, commands.length, (n) => connectTo(n.host, n.port), { signal, onProgress })
        : await warm(c, commands, { signal, onProgress })
      const stopped = r.error ? { error: r.error } : r.outcome === 'cancelled' ? { error: 'cancelled by the user' } : {}
      const details = { jobId, total: r.total, ok: r.ok, failed: r.failed }
      const end = { profile: p.name, environment: p.environment, action: 'warm cache (job ended)', target, details }
      await auditJobEnd(s, { ...end, outcome: r.outcome === 'failed' ? 'failed' : 'ok', ...stopped })
      return { outcome: r.outcome, total: r.total, ok: r.ok, failed: r.failed, errors: r.errors, error: r.error }
    } finally {
      release()
      c.disconnect()
    }
  })
  return { jobId }
}

/** Long work on a Redis server: pattern jobs, warm-ups and key-space analyses, one at a time per server. */
export function redisJobHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'cache.invalidate' | 'cache.ttlPattern' | 'cache.warm' | 'cache.analyse'> {
  return {
    'cache.invalidate': ({ profile, pattern, estimatedTotal, jobId }) =>
      startPatternJob(s, { profile, jobId, pattern, estimatedTotal, kind: 'cache.invalidate', action: 'invalidate keys' }),
    'cache.ttlPattern': ({ profile, pattern, ttlSeconds, estimatedTotal, jobId }) =>
      startPatternJob(s, {
        profile,
        jobId,
        pattern,
        estimatedTotal,
        kind: 'cache.ttl',
        action: ttlSeconds === null ? 'clear TTL by pattern' : 'set TTL by pattern',
        ttlSeconds,
        // EXPIRE and PERSIST name one key each: no slot grouping needed on a cluster.
        applyOn: (redis, keys) => expireKeys(redis, keys, ttlSeconds)
      }),
    'cache.analyse': (params) => startKeyspaceAnalysis(s, params),
    'cache.warm': (params, ctx) => startWarm(s, params, ctx)
  }
}
