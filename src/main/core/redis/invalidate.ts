import type { Redis } from 'ioredis'
import { errorMessage } from '../collector'
import { globToRegExp } from './glob'

/** SCAN's COUNT hint: large enough to be fast, small enough that one call never blocks the server long. */
export const INVALIDATE_SCAN_COUNT = 1000
/** Keys per UNLINK: one command frees a batch without a long single call. */
export const INVALIDATE_UNLINK_BATCH = 1000
/** When the side connection's PING takes longer than this, the job slows down. */
export const PING_LATENCY_BOUND_MS = 5
/** The longest pause the job takes at once while the server is slow. */
export const MAX_THROTTLE_PAUSE_MS = 200
/** SCAN calls a dry run makes to sample the keyspace. */
export const DRY_RUN_SCANS = 20

export interface DryRun {
  /** Keys looked at, and how many of them matched. */
  sampled: number
  matched: number
  /** Keys in the database (DBSIZE). */
  dbsize: number
  /** matched/sampled * dbsize, rounded; exact when the sample covered the whole keyspace. */
  estimatedTotal: number
  complete: boolean
  examples: string[]
}

/** Samples the keyspace with plain SCAN and matches locally with the server's glob rules: nothing is deleted. */
export async function dryRun(redis: Redis, pattern: string, scans = DRY_RUN_SCANS): Promise<DryRun> {
  const re = globToRegExp(pattern)
  let cursor = '0'
  let sampled = 0
  let matched = 0
  const examples: string[] = []
  let calls = 0
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', INVALIDATE_SCAN_COUNT)
    cursor = next
    calls++
    for (const k of keys) {
      sampled++
      if (re.test(k)) {
        matched++
        if (examples.length < 5) examples.push(k)
      }
    }
  } while (cursor !== '0' && calls < scans)
  const dbsize = await redis.dbsize()
  const complete = cursor === '0'
  const estimatedTotal = complete ? matched : sampled === 0 ? 0 : Math.round((matched / sampled) * dbsize)
  return { sampled, matched, dbsize, estimatedTotal, complete, examples }
}

/**
 * The TTL job's batch action: EXPIRE each key (or PERSIST to clear), pipelined in one round trip.
 * Counts the keys whose TTL changed: a key gone meanwhile, or PERSIST on a key without a TTL, is 0.
 */
export async function expireKeys(redis: Redis, keys: string[], ttlSeconds: number | null): Promise<number> {
  const pipe = redis.pipeline()
  for (const k of keys) {
    if (ttlSeconds === null) pipe.persist(k)
    else pipe.expire(k, ttlSeconds)
  }
  let n = 0
  for (const [err, r] of (await pipe.exec()) ?? []) {
    if (err) throw err
    n += Number(r)
  }
  return n
}

export interface InvalidateProgress {
  scanCalls: number
  /** Keys SCAN returned for the pattern (a key can come twice; deletions are counted exactly). */
  matched: number
  /** Keys the batch command acted on (UNLINK removed, or whose TTL a TTL job changed): exact. */
  deleted: number
  elapsedMs: number
  ratePerS: number
  /** From the dry run's estimate; null without one. */
  etaS: number | null
  /** Pauses taken because the server answered slowly. */
  throttled: number
  /** The worst side-PING latency seen so far. */
  worstPingMs: number
}

export interface InvalidateResult extends InvalidateProgress {
  outcome: 'done' | 'cancelled' | 'failed'
  error: string | null
  /**
   * Keys of an UNLINK whose reply was lost with the connection: the server may or may not have
   * deleted them. 0 unless the job failed mid-batch.
   */
  uncertain: number
}

/** What the job asks of a latency probe: the worst PING since it last asked, and overall. */
export interface LatencyProbe {
  take(): number
  readonly worstMs: number
  /** Resolves once the probe has measured a first round trip (true), or failed or timed out (false). */
  ready?(timeoutMs: number): Promise<boolean>
  stop(): Promise<void>
}

/** How long a job waits for its probe's first PING before it starts unwatched. */
export const PROBE_READY_TIMEOUT_MS = 1000

export interface InvalidateOptions {
  pattern: string
  /** Watches the server's latency from outside the job (see ThreadLatencyProbe). */
  probe?: LatencyProbe
  estimatedTotal?: number
  signal?: AbortSignal
  onProgress?(p: InvalidateProgress): void
  scanCount?: number
  batch?: number
  latencyBoundMs?: number
  now?: () => number
  /**
   * What is done to a batch of matching keys, returning how many it acted on. Default: one
   * multi-key UNLINK; a cluster splits it by slot; a TTL job sets or clears each key's TTL.
   */
  apply?: (keys: string[]) => Promise<number>
}

/** Progress before anything happened: the start of every job and of every sum of jobs. */
export function emptyProgress(): InvalidateProgress {
  return { scanCalls: 0, matched: 0, deleted: 0, elapsedMs: 0, ratePerS: 0, etaS: null, throttled: 0, worstPingMs: 0 }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/**
 * Deletes every key matching `pattern` on one server: SCAN with MATCH (never KEYS), UNLINK in
 * batches (never DEL: the memory is freed off the main thread). Cancelling stops after the batch
 * in flight, so the count of deleted keys is always exact; a lost connection ends the job with
 * the count so far and the server's error.
 */
export async function invalidate(redis: Redis, opts: InvalidateOptions): Promise<InvalidateResult> {
  const now = opts.now ?? (() => performance.now())
  const count = Math.min(opts.scanCount ?? INVALIDATE_SCAN_COUNT, INVALIDATE_SCAN_COUNT)
  const batchSize = opts.batch ?? INVALIDATE_UNLINK_BATCH
  const bound = opts.latencyBoundMs ?? PING_LATENCY_BOUND_MS
  const probe = opts.probe ?? null
  const started = now()
  const p = emptyProgress()
  const report = () => {
    p.elapsedMs = now() - started
    p.ratePerS = p.elapsedMs > 0 ? (p.deleted / p.elapsedMs) * 1000 : 0
    p.etaS = opts.estimatedTotal !== undefined && p.ratePerS > 0 ? Math.max(0, opts.estimatedTotal - p.deleted) / p.ratePerS : null
    p.worstPingMs = probe?.worstMs ?? 0
    opts.onProgress?.({ ...p })
  }
  const pending: string[] = []
  // At most one UNLINK is in flight, so a cancel or a dropped connection leaves at most one
  // batch unaccounted for; it travels behind the next SCAN, so the server runs one while the
  // client reads the other.
  let unlinking: Promise<void> | null = null
  let inFlight = 0
  let unlinkError: unknown = null
  let pause = 1
  const send = (batch: string[]) => {
    inFlight = batch.length
    unlinking = (opts.apply ? opts.apply(batch) : redis.unlink(...batch)).then(
      (n) => {
        p.deleted += n
        inFlight = 0
      },
      (err: unknown) => {
        unlinkError = err
      }
    )
  }
  const settle = async () => {
    if (unlinking) await unlinking
    unlinking = null
    if (unlinkError) throw unlinkError
  }
  const scan = (cursor: string) => redis.scan(cursor, 'MATCH', opts.pattern, 'COUNT', count)
  let outcome: InvalidateResult['outcome'] = 'done'
  let error: string | null = null
  // A SCAN sent is always awaited, whatever ends the job, so no reply is left unhandled.
  let scanning: ReturnType<typeof scan> | null = null
  try {
    // Deleting before the watchdog sees the server would leave the first batches unwatched.
    if (probe?.ready) await probe.ready(PROBE_READY_TIMEOUT_MS)
    if (opts.signal?.aborted) outcome = 'cancelled'
    else scanning = scan('0')
    while (scanning) {
      const [next, keys] = await scanning
      scanning = null
      p.scanCalls++
      p.matched += keys.length
      for (const k of keys) pending.push(k)
      if (opts.signal?.aborted) {
        outcome = 'cancelled'
        break
      }
      // Slow down while other clients feel the job; speed back up when they stop.
      if (probe && probe.take() > bound) {
        p.throttled++
        await sleep(pause)
        pause = Math.min(MAX_THROTTLE_PAUSE_MS, pause * 2)
      } else pause = 1
      if (next !== '0') scanning = scan(next)
      // One UNLINK per SCAN, more while a full batch waits, everything once the SCAN is over.
      for (let first = true; pending.length && (first || pending.length >= batchSize || !scanning); first = false) {
        await settle()
        send(pending.splice(0, batchSize))
      }
      report()
    }
    await settle()
  } catch (err) {
    outcome = 'failed'
    error = errorMessage(err)
    // A SCAN can fail while an UNLINK's reply is still on its way: count it before saying what is lost.
    if (unlinking) await (unlinking as Promise<void>)
    unlinking = null
    if (inFlight) error += ` (the reply to a batch of ${inFlight} keys was lost: the server may have acted on up to ${inFlight} more)`
  } finally {
    // Never leave an UNLINK or a SCAN unaccounted for: wait for them whatever happened.
    if (unlinking) await (unlinking as Promise<void>)
    if (scanning) await (scanning as Promise<unknown>).catch(() => undefined)
    await probe?.stop()
  }
  report()
  return { ...p, outcome, error, uncertain: outcome === 'failed' ? inFlight : 0 }
}
