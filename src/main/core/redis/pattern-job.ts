import { randomUUID } from 'node:crypto'
import type { Redis } from 'ioredis'
import { ApiError } from '../../../shared/api'
import type { Profile } from '../../../shared/schemas'
import type { AuditEntry } from '../audit/audit-log'
import { errorMessage } from '../collector'
import { auditJobEnd } from '../jobs'
import type { CoreServices } from '../services'
import type { RedisNode } from './access'
import { invalidateCluster } from './cluster'
import { emptyProgress, invalidate, type InvalidateProgress, type InvalidateResult, type LatencyProbe } from './invalidate'

export interface PatternJob {
  profile: string
  /** The caller's id for the job, or one chosen here. */
  jobId: string | undefined
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
  spec: PatternJob,
  jobId: string,
  r: InvalidateResult,
  nodes: RedisNode[]
): Omit<AuditEntry, 'time' | 'prev'> {
  const cluster = nodes.length > 1 || nodes[0]!.cluster
  return {
    profile: p.name,
    environment: p.environment,
    action: `${spec.action} (job ended)`,
    target: spec.pattern,
    details: {
      jobId,
      ...(spec.ttlSeconds === undefined ? {} : { ttlSeconds: spec.ttlSeconds }),
      ...(cluster ? { primaries: nodes.map((n) => n.name) } : {}),
      [spec.kind === 'cache.ttl' ? 'changed' : 'deleted']: r.deleted,
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
 * The nodes a pattern job walks (the server, or every primary of a cluster), the server's job slot,
 * and a latency probe on a single server (a cluster watches each primary in its turn).
 */
async function patternNodes(s: CoreServices, spec: PatternJob) {
  const { profile, targets, probe: newProbe, jobSlot } = await s.redis.forProfile(spec.profile)
  const release = jobSlot(spec.action)
  let nodes: RedisNode[] = []
  try {
    nodes = await targets()
    const cluster = nodes.length > 1 || nodes[0]!.cluster
    const probe: LatencyProbe | undefined = cluster
      ? undefined
      : await newProbe().catch((err: unknown) => {
          throw new ApiError('unavailable', errorMessage(err))
        })
    return { profile, nodes, cluster, probe, newProbe, release }
  } catch (err) {
    release()
    for (const n of nodes) n.redis.disconnect()
    throw err
  }
}

/**
 * A job over the keys a pattern matches, on the server or every primary of a cluster: SCAN and
 * a batch action, with progress events, cancel, a latency probe, and an audit entry with its
 * counts when it ends (the dispatcher audited its start).
 */
export async function startPatternJob(s: CoreServices, spec: PatternJob): Promise<{ jobId: string }> {
  const { profile: p, nodes, cluster, probe, newProbe, release } = await patternNodes(s, spec)
  const jobId = spec.jobId ?? randomUUID()
  const job = s.jobs.start(jobId)
  const base = { jobId, profile: spec.profile, kind: spec.kind, pattern: spec.pattern }
  let lastProgress: InvalidateProgress = emptyProgress()
  const onProgress = (pr: InvalidateProgress) => {
    lastProgress = pr
    s.emit('job.progress', { ...base, ...pr, state: 'running', error: null, uncertain: 0 })
  }
  const opts = { pattern: spec.pattern, probe, estimatedTotal: spec.estimatedTotal, signal: job.signal, onProgress }
  const { applyOn } = spec
  const single = nodes[0]!.redis
  const run = cluster
    ? invalidateCluster(nodes, { ...opts, probeFor: newProbe, ...(applyOn ? { applyOn } : {}) })
    : invalidate(single, { ...opts, ...(applyOn ? { apply: (keys: string[]) => applyOn(single, keys) } : {}) })
  void (async () => {
    // The job functions report failures in their result; anything thrown is one too.
    const r: InvalidateResult = await run.catch((err: unknown) => ({
      ...lastProgress,
      outcome: 'failed' as const,
      error: errorMessage(err),
      uncertain: 0
    }))
    // Audited and the slot freed before the end is announced: whoever sees the end finds it in
    // the log and may start the next job.
    await auditJobEnd(s, jobEndEntry(p, spec, jobId, r, nodes))
    release()
    job.done()
    for (const n of nodes) n.redis.disconnect()
    const { outcome, ...counts } = r
    const last = { ...base, ...counts, state: outcome }
    s.emit('job.progress', last)
    s.emit('job.done', { jobId, profile: spec.profile, kind: spec.kind, result: last, error: null })
  })()
  return { jobId }
}
