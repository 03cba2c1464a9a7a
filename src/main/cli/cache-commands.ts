import {
  createMonitorRedis,
  describeRedisError,
  describeRedisUrl,
  redisEndpoint,
  redisFailure,
  resolvePrimary
} from '../core/redis/connection'
import { dryRun, expireKeys, invalidate, type InvalidateProgress, type InvalidateResult } from '../core/redis/invalidate'
import { AuditLog } from '../core/audit/audit-log'
import { ThreadLatencyProbe } from '../core/redis/latency-probe'
import { createCore } from '../core'
import { MemorySecretStore, silentLogger } from '../core/ports'
import type { JobProgress } from '../../shared/schemas'
import { inspectKey, type KeyInspection } from '../core/redis/keys'
import { clusterDryRun, clusterPrimaries, invalidateCluster, isCluster, primaryForKey, splitNodeName } from '../core/redis/cluster'
import type { Redis } from 'ioredis'
import { errorMessage } from '../core/collector'

export interface CacheInvalidateOptions {
  redis?: string
  profile?: string
  pattern: string
  dryRun: boolean
  yes: boolean
  confirm?: string
  dataDir: string
  /** Set (seconds) or clear (null) the matching keys' TTL instead of deleting them: `lookout cache expire`. */
  ttl?: { seconds: number | null }
}

/** What a pattern job does to each matching key, in the words its messages and audit use. */
function patternAction(o: CacheInvalidateOptions) {
  if (!o.ttl) return { command: 'invalidate', refusal: 'refusing to delete without --yes', done: 'deleted', audit: 'invalidate keys' }
  return o.ttl.seconds === null
    ? { command: 'expire', refusal: 'refusing to clear TTLs without --yes', done: 'changed', audit: 'clear TTL by pattern' }
    : { command: 'expire', refusal: 'refusing to set TTLs without --yes', done: 'changed', audit: 'set TTL by pattern' }
}

/** The core as the CLI runs it: headless, quiet, secrets in memory only. */
function cliCore(dataDir: string) {
  return createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, logger: silentLogger, transport: 'websocket' })
}

/** The password of a --redis URL, else redis-cli's own REDISCLI_AUTH. */
function urlPassword(url: string): string | null {
  const p = new URL(url).password
  return p ? decodeURIComponent(p) : (process.env.REDISCLI_AUTH ?? null)
}

/** Exit codes: 0 done, 1 failed, 2 refused, 130 cancelled by Ctrl-C (as a shell reports SIGINT). */
export const EXIT = { done: 0, failed: 1, refused: 2, cancelled: 130 } as const

function progressLine(p: Pick<InvalidateProgress, 'deleted' | 'matched' | 'ratePerS' | 'etaS' | 'throttled'>, done: string): string {
  const eta = p.etaS === null ? '' : `, ETA ${Math.ceil(p.etaS)}s`
  return `${done} ${p.deleted} of ${p.matched} matched, ${Math.round(p.ratePerS)}/s${eta}${p.throttled ? `, paused ${p.throttled === 1 ? 'once' : `${p.throttled} times`} for the server's latency` : ''}`
}

/**
 * `lookout cache invalidate` (and `lookout cache expire`, the same job setting or clearing TTLs):
 * dry run first, then the guarded job; counts on stdout, progress on stderr.
 */
export async function cacheInvalidate(
  o: CacheInvalidateOptions,
  io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }
): Promise<number> {
  const action = patternAction(o)
  if (Boolean(o.redis) === Boolean(o.profile)) {
    io.err(`lookout cache ${action.command}: give exactly one of --redis URL or --profile NAME\n`)
    return EXIT.refused
  }
  if (o.ttl && o.ttl.seconds !== null && !(Number.isInteger(o.ttl.seconds) && o.ttl.seconds > 0)) {
    io.err(`lookout cache expire: --ttl takes a whole number of seconds above 0, not ${o.ttl.seconds}\n`)
    return EXIT.refused
  }
  const abort = new AbortController()
  const onSigint = () => {
    io.err('\ncancelling after the batch in flight...\n')
    abort.abort()
  }
  process.once('SIGINT', onSigint)
  const tty = Boolean(process.stderr.isTTY)
  let lastLine = 0
  const showProgress = (p: Parameters<typeof progressLine>[0]) => {
    const now = Date.now()
    if (tty) io.err(`\r${progressLine(p, action.done)}   `)
    else if (now - lastLine >= 1000) {
      io.err(progressLine(p, action.done) + '\n')
      lastLine = now
    }
  }
  try {
    return o.redis ? await byUrl(o, io, abort.signal, showProgress) : await byProfile(o, io, abort.signal, showProgress)
  } finally {
    process.removeListener('SIGINT', onSigint)
  }
}

async function byUrl(
  o: CacheInvalidateOptions,
  io: { out(s: string): void; err(s: string): void },
  signal: AbortSignal,
  show: (p: InvalidateProgress) => void
): Promise<number> {
  const url = o.redis!
  const target = describeRedisUrl(url)
  const password = urlPassword(url)
  const open = async () => {
    const c = createMonitorRedis(url, password, 10_000)
    await c.connect()
    return c
  }
  const conn = await open()
  // A cluster node: the keys live on every primary, each reached with the URL's credentials.
  const primaries: { name: string; redis: Redis }[] = []
  try {
    if (await isCluster(conn))
      for (const n of await clusterPrimaries(conn)) {
        const u = new URL(url)
        u.hostname = n.host
        u.port = String(n.port)
        const c = createMonitorRedis(u.toString(), password, 10_000)
        primaries.push({ name: `${n.host}:${n.port}`, redis: c })
        await c.connect()
      }
    const d = primaries.length
      ? await clusterDryRun(
          primaries.map((p) => p.redis),
          o.pattern
        )
      : await dryRun(conn, o.pattern)
    io.err(
      `dry run on ${redisEndpoint(target)}: about ${d.estimatedTotal} keys match ${JSON.stringify(o.pattern)} (${d.matched} of ${d.sampled} sampled; ${d.dbsize} keys in the database)${d.examples.length ? `, e.g. ${d.examples.slice(0, 3).join(', ')}` : ''}\n`
    )
    if (o.dryRun) {
      io.out(JSON.stringify({ pattern: o.pattern, dryRun: d }) + '\n')
      return EXIT.done
    }
    const action = patternAction(o)
    const ttlSeconds = o.ttl ? o.ttl.seconds : undefined
    const audit = new AuditLog(o.dataDir)
    const base = { profile: `url:${redisEndpoint(target)}`, environment: 'unknown', action: action.audit, target: o.pattern }
    if (!o.yes) {
      await audit.record({ ...base, details: { estimatedTotal: d.estimatedTotal, ttlSeconds }, outcome: 'refused', error: 'no --yes' })
      io.err(`${action.refusal}\n`)
      return EXIT.refused
    }
    // EXPIRE and PERSIST name one key each, so a cluster needs no grouping by slot for them.
    const applyOn = o.ttl ? (redis: Redis, keys: string[]) => expireKeys(redis, keys, o.ttl!.seconds) : undefined
    const jobOpts = { pattern: o.pattern, estimatedTotal: d.estimatedTotal, signal, onProgress: show }
    // The probe watches the node being emptied: the server, or each primary of a cluster in turn.
    const r: InvalidateResult = primaries.length
      ? await invalidateCluster(primaries, {
          ...jobOpts,
          ...(applyOn ? { applyOn } : {}),
          probeFor: (node) => new ThreadLatencyProbe({ ...target, ...splitNodeName(node) }, password)
        })
      : await invalidate(conn, {
          ...jobOpts,
          ...(applyOn ? { apply: (keys: string[]) => applyOn(conn, keys) } : {}),
          probe: new ThreadLatencyProbe(await resolvePrimary(target, 10_000), password)
        })
    await audit.record({
      ...base,
      details: { [action.done]: r.deleted, matched: r.matched, uncertain: r.uncertain, ttlSeconds },
      outcome: r.outcome === 'failed' ? 'failed' : 'ok',
      ...(r.error ? { error: r.error } : {})
    })
    return finish(r.outcome, r, io, action.done)
  } finally {
    conn.disconnect()
    for (const p of primaries) p.redis.disconnect()
  }
}

async function byProfile(
  o: CacheInvalidateOptions,
  io: { out(s: string): void; err(s: string): void },
  signal: AbortSignal,
  show: (p: JobProgress) => void
): Promise<number> {
  const action = patternAction(o)
  const core = cliCore(o.dataDir)
  try {
    const d = await core.dispatch('cache.dryRun', { profile: o.profile, pattern: o.pattern })
    if (!d.ok) {
      io.err(`lookout cache ${action.command}: ${d.error.message}\n`)
      return d.error.code === 'refused' ? EXIT.refused : EXIT.failed
    }
    const dry = d.result as { estimatedTotal: number; matched: number; sampled: number; dbsize: number }
    io.err(
      `dry run on profile ${o.profile}: about ${dry.estimatedTotal} keys match ${JSON.stringify(o.pattern)} (${dry.matched} of ${dry.sampled} sampled; ${dry.dbsize} keys)\n`
    )
    if (o.dryRun) {
      io.out(JSON.stringify({ pattern: o.pattern, dryRun: dry }) + '\n')
      return EXIT.done
    }
    // --yes stands for the word "confirm"; a prod profile wants its name with --confirm.
    const confirmation = o.confirm ?? (o.yes ? 'confirm' : undefined)
    let resolveEnd: (p: JobProgress) => void = () => {}
    const ended = new Promise<JobProgress>((r) => (resolveEnd = r))
    let jobId = ''
    core.onEvent((name, payload) => {
      if (name !== 'job.progress') return
      const p = payload as JobProgress
      if (p.jobId !== jobId) return
      if (p.state === 'running') show(p)
      else resolveEnd(p)
    })
    const params = { profile: o.profile, pattern: o.pattern, estimatedTotal: dry.estimatedTotal, confirmation }
    const started = o.ttl
      ? await core.dispatch('cache.ttlPattern', { ...params, ttlSeconds: o.ttl.seconds })
      : await core.dispatch('cache.invalidate', params)
    if (!started.ok) {
      io.err(`lookout cache ${action.command}: ${started.error.message}\n`)
      return started.error.code === 'refused' ? EXIT.refused : EXIT.failed
    }
    jobId = (started.result as { jobId: string }).jobId
    signal.addEventListener('abort', () => void core.dispatch('job.cancel', { jobId }), { once: true })
    const end = await ended
    return finish(end.state === 'running' ? 'failed' : end.state, end, io, action.done)
  } finally {
    await core.close()
  }
}

function finish(
  outcome: 'done' | 'cancelled' | 'failed',
  r: { deleted: number; matched: number; uncertain: number; elapsedMs: number; error: string | null },
  io: { out(s: string): void; err(s: string): void },
  done: string
): number {
  io.err('\n')
  io.out(
    JSON.stringify({
      outcome,
      [done]: r.deleted,
      matched: r.matched,
      uncertain: r.uncertain,
      elapsedMs: Math.round(r.elapsedMs),
      error: r.error
    }) + '\n'
  )
  if (r.error) io.err(`error: ${r.error}\n`)
  return EXIT[outcome]
}

/** `lookout cache inspect KEY`: type, TTL, encoding, memory, length and a bounded preview; reads only. */
export async function cacheInspect(
  o: { redis?: string; profile?: string; key: string; json: boolean; dataDir: string },
  io = { out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) }
): Promise<number> {
  if (Boolean(o.redis) === Boolean(o.profile)) {
    io.err('lookout cache inspect: give exactly one of --redis URL or --profile NAME\n')
    return EXIT.refused
  }
  let r: KeyInspection
  if (o.redis) {
    const password = urlPassword(o.redis)
    const open = async (url: string) => {
      const c = createMonitorRedis(url, password, 10_000)
      try {
        await c.connect()
      } catch (err) {
        c.disconnect()
        throw new Error(describeRedisError(redisFailure(c, err), describeRedisUrl(url), password), { cause: err })
      }
      return c
    }
    let c: Redis | null = null
    try {
      c = await open(o.redis)
      // A cluster node answers only for its own slots: ask the primary that owns the key.
      if (await isCluster(c)) {
        const owner = primaryForKey(await clusterPrimaries(c), o.key)
        if (!owner) throw new Error(`no healthy primary serves the slot of "${o.key}"`)
        const u = new URL(o.redis)
        u.hostname = owner.host
        u.port = String(owner.port)
        c.disconnect()
        c = await open(u.toString())
      }
      r = await inspectKey(c, o.key)
    } catch (err) {
      io.err(`lookout cache inspect: ${errorMessage(err)}\n`)
      return EXIT.failed
    } finally {
      c?.disconnect()
    }
  } else {
    const core = cliCore(o.dataDir)
    try {
      const res = await core.dispatch('cache.inspect', { profile: o.profile, key: o.key })
      if (!res.ok) {
        io.err(`lookout cache inspect: ${res.error.message}\n`)
        return EXIT.failed
      }
      r = res.result as KeyInspection
    } finally {
      await core.close()
    }
  }
  if (o.json) io.out(JSON.stringify(r) + '\n')
  else if (!r.exists) io.out(`${r.key}: no such key\n`)
  else
    io.out(
      [
        `key:      ${r.key}`,
        `type:     ${r.type} (${r.encoding ?? '?'})`,
        `ttl:      ${r.ttlMs === null ? 'none' : `${(r.ttlMs / 1000).toFixed(1)} s`}`,
        `memory:   ${r.memoryBytes ?? '?'} bytes`,
        `length:   ${r.length ?? '?'}`,
        `preview${r.truncated ? ' (first items)' : ''}:`,
        ...r.preview.map((p) => `  ${p}`)
      ].join('\n') + '\n'
    )
  return r.exists ? EXIT.done : EXIT.failed
}
