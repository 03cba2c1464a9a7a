import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { ApiError, errorShape, type ApiHandlers, type JobDone } from '../../../shared/api'
import { errorMessage } from '../collector'
import type { Profile } from '../../../shared/schemas'
import type { AuditEntry } from '../audit/audit-log'
import type { CoreServices } from '../services'
import { clusterPrimaries, invalidateCluster, isCluster, routeCommands, warmCluster, type ClusterNode } from './cluster'
import { describeRedisUrl, redisEndpoint } from './connection'
import { parseInfo } from './info'
import { expireKeys, invalidate, type InvalidateProgress, type InvalidateResult } from './invalidate'
import { analyseKeyspace } from './keyspace'
import { parseWarmFile, warm, WarmFileError } from './warm'

interface PatternJob {
  profile: string
  pattern: string
  estimatedTotal: number | undefined
  kind: 'cache.invalidate' | 'cache.ttl'
  action: string
  ttlSeconds?: number | null
  /** The batch action: UNLINK (grouped by slot on a cluster) when not given. */
  applyOn?: (redis: Redis, keys: string[]) => Promise<number>
}

/** The audit line of a pattern job's end: its exact counts, and why it stopped when it did not finish. */
function jobEndEntry(
  p: Profile,
  action: string,
  pattern: string,
  jobId: string,
  r: InvalidateResult,
  extra: Record<string, unknown>,
  kind: PatternJob['kind']
): Omit<AuditEntry, 'time' | 'prev'> {
  return {
    profile: p.name,
    environment: p.environment,
    action: `${action} (job ended)`,
    target: pattern,
    details: {
      jobId,
      ...extra,
      [kind === 'cache.ttl' ? 'changed' : 'deleted']: r.deleted,
      matched: r.matched,
      uncertain: r.uncertain,
      scanCalls: r.scanCalls,
      elapsedMs: Math.round(r.elapsedMs)
    },
    outcome: r.outcome === 'failed' ? 'failed' : 'ok',
    ...(r.error ? { error: r.error } : r.outcome === 'cancelled' ? { error: 'cancelled by the user' } : {})
  }
}

/**
 * Runs a job's work in the background under its id (cancellable with job.cancel) and announces its
 * end once, with its result or its error, as `job.done`.
 */
function runJob<D extends JobDone>(
  s: CoreServices,
  head: Pick<D, 'jobId' | 'profile' | 'kind'>,
  work: (signal: AbortSignal) => Promise<NonNullable<D['result']>>
): void {
  const job = s.jobs.start(head.jobId)
  void work(job.signal)
    .then(
      (result) => ({ ...head, result, error: null }),
      (err: unknown) => ({
        ...head,
        result: null,
        error: err instanceof ApiError ? errorShape(err) : { code: 'unavailable' as const, message: errorMessage(err) }
      })
    )
    .then((done) => {
      job.done()
      s.emit('job.done', done as JobDone)
    })
}

/** Long work on a Redis server: pattern jobs, warm-ups and key-space analyses, one at a time per server. */
export function redisJobHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'cache.invalidate' | 'cache.ttlPattern' | 'cache.warm' | 'cache.analyse'> {
  /**
   * A job over the keys a pattern matches, on the server or every primary of a cluster: SCAN and
   * a batch action, with progress events, cancel, a latency probe, and an audit entry with its
   * counts when it ends (the dispatcher audited its start).
   */
  async function startPatternJob(spec: PatternJob): Promise<{ jobId: string }> {
    const { pattern, estimatedTotal, kind, action, applyOn } = spec
    const ttl = spec.ttlSeconds === undefined ? {} : { ttlSeconds: spec.ttlSeconds }
    const { profile: p, targets, probe: newProbe, jobSlot } = await s.redis.forProfile(spec.profile)
    const release = jobSlot(action)
    const nodes = await targets().catch((err: unknown) => {
      release()
      throw err
    })
    // A cluster watches each primary in its turn; the job stops the probe when it ends.
    const cluster = nodes.length > 1 || nodes[0]!.cluster
    const probe = cluster
      ? undefined
      : await newProbe().catch((err: unknown) => {
          release()
          for (const n of nodes) n.redis.disconnect()
          throw new ApiError('unavailable', errorMessage(err))
        })
    const jobId = randomUUID()
    const job = s.jobs.start(jobId)
    const base = { jobId, profile: spec.profile, kind, pattern }
    let lastProgress: InvalidateProgress = {
      deleted: 0,
      matched: 0,
      scanCalls: 0,
      elapsedMs: 0,
      ratePerS: 0,
      etaS: null,
      throttled: 0,
      worstPingMs: 0
    }
    const jobOpts = {
      pattern,
      probe,
      estimatedTotal,
      signal: job.signal,
      onProgress: (pr: InvalidateProgress) => {
        lastProgress = pr
        s.emit('job.progress', { ...base, ...pr, state: 'running', error: null, uncertain: 0 })
      }
    }
    const single = nodes[0]!.redis
    const run = cluster
      ? invalidateCluster(nodes, { ...jobOpts, probeFor: newProbe, ...(applyOn ? { applyOn } : {}) })
      : invalidate(single, { ...jobOpts, ...(applyOn ? { apply: (keys: string[]) => applyOn(single, keys) } : {}) })
    // The end is audited and the server's slot freed before the end is announced: whoever sees
    // the job end finds it in the log and may start the next one.
    void (async () => {
      // The job functions report failures in their result; anything thrown is one too.
      const r: InvalidateResult = await run.catch((err: unknown) => ({
        ...lastProgress,
        outcome: 'failed' as const,
        error: errorMessage(err),
        uncertain: 0
      }))
      const { outcome, ...counts } = r
      try {
        await s.audit.record(
          jobEndEntry(p, action, pattern, jobId, r, { ...ttl, ...(cluster ? { primaries: nodes.map((n) => n.name) } : {}) }, kind)
        )
      } catch (err) {
        s.logger.error('could not audit the end of a job', { jobId, error: errorMessage(err) })
      } finally {
        release()
        job.done()
        for (const n of nodes) n.redis.disconnect()
      }
      const last = { ...base, ...counts, state: outcome }
      s.emit('job.progress', last)
      s.emit('job.done', { jobId, profile: spec.profile, kind, result: last, error: null })
    })()
    return { jobId }
  }

  return {
    'cache.invalidate': ({ profile, pattern, estimatedTotal }) =>
      startPatternJob({ profile, pattern, estimatedTotal, kind: 'cache.invalidate', action: 'invalidate keys' }),
    'cache.ttlPattern': ({ profile, pattern, ttlSeconds, estimatedTotal }) =>
      startPatternJob({
        profile,
        pattern,
        estimatedTotal,
        kind: 'cache.ttl',
        action: ttlSeconds === null ? 'clear TTL by pattern' : 'set TTL by pattern',
        ttlSeconds,
        // EXPIRE and PERSIST name one key each: no slot grouping needed on a cluster.
        applyOn: (redis, keys) => expireKeys(redis, keys, ttlSeconds)
      }),
    'cache.analyse': async ({ profile, delimiter, sampleKeys, jobId: asked }) => {
      const { profile: p, openReplica, targets, jobSlot } = await s.redis.forProfile(profile)
      const release = jobSlot('key-space analysis')
      // A sample of thousands of keys is real load: on the replica when the profile names one.
      // On a cluster every primary holds its own slots' keys: each gives its share of the sample.
      const nodes = await (async () =>
        p.redisReplica ? [{ name: redisEndpoint(describeRedisUrl(p.redisReplica)), redis: await openReplica() }] : await targets())().catch(
        (err: unknown) => {
          release()
          throw err
        }
      )
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
          const result = await analyseKeyspace(
            nodes.map((n) => n.redis),
            { delimiter, sampleKeys, databasesInUse, signal, onProgress }
          ).catch((err: unknown) => {
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
    },
    'cache.warm': async ({ profile, text, format, jobId: asked }, ctx) => {
      const { profile: p, open, connectTo, jobSlot } = await s.redis.forProfile(profile)
      let commands: string[][]
      try {
        commands = parseWarmFile(text, format)
      } catch (err) {
        if (err instanceof WarmFileError) throw new ApiError('bad_request', err.message)
        throw err
      }
      const target = `${commands.length} commands`
      ctx.setTarget(target)
      ctx.audit({ commands: commands.length })
      const release = jobSlot('cache warm-up')
      let c: Redis | null = null
      let routed: Map<ClusterNode, string[][]> | null = null
      try {
        c = await open()
        // On a cluster each command goes to the primary owning its key; MSET across slots is refused here, before anything runs.
        if (await isCluster(c)) {
          try {
            routed = routeCommands(await clusterPrimaries(c), commands)
          } catch (err) {
            throw new ApiError('bad_request', errorMessage(err))
          }
        }
      } catch (err) {
        release()
        c?.disconnect()
        throw err
      }
      const jobId = asked ?? randomUUID()
      const client = c
      runJob(s, { jobId, profile, kind: 'cache.warm' }, async (signal) => {
        try {
          const onProgress = (pr: { total: number; ok: number; failed: number; etaS: number | null }) =>
            s.emit('warm.progress', { jobId, total: pr.total, ok: pr.ok, failed: pr.failed, etaS: pr.etaS })
          const r = routed
            ? await warmCluster(routed, commands.length, (n) => connectTo(n.host, n.port), { signal, onProgress })
            : await warm(client, commands, { signal, onProgress })
          await s.audit
            .record({
              profile: p.name,
              environment: p.environment,
              action: 'warm cache (job ended)',
              target,
              details: { jobId, total: r.total, ok: r.ok, failed: r.failed },
              outcome: r.outcome === 'failed' ? 'failed' : 'ok',
              ...(r.error ? { error: r.error } : r.outcome === 'cancelled' ? { error: 'cancelled by the user' } : {})
            })
            .catch((err: unknown) => s.logger.error('could not audit the end of a job', { jobId, error: errorMessage(err) }))
          return { outcome: r.outcome, total: r.total, ok: r.ok, failed: r.failed, errors: r.errors, error: r.error }
        } finally {
          release()
          client.disconnect()
        }
      })
      return { jobId }
    }
  }
}
