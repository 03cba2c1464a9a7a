import type { JobProgress } from '../../shared/redis'
import type { InvalidateProgress } from '../core/redis/invalidate'
import type { KeyInspection } from '../core/redis/keys'
import { cliConfirmation, cliCore, commandProfile, runCoreJob } from './one-shot'

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
  return runPatternJob(o, io, showProgress)
}

/**
 * The dry run, then the job, both through the core's dispatcher: the same pattern checks, guard,
 * audit and job as the app's, for a saved profile or a bare URL (a transient dev profile).
 */
async function runPatternJob(
  o: CacheInvalidateOptions,
  io: { out(s: string): void; err(s: string): void },
  show: (p: JobProgress) => void
): Promise<number> {
  const action = patternAction(o)
  const core = await cliCore(o.dataDir, io, `lookout cache ${action.command}`)
  if (!core) return EXIT.refused
  try {
    let profile: string
    try {
      profile = await commandProfile(core, o)
    } catch (err) {
      io.err(`lookout cache ${action.command}: ${(err as Error).message}\n`)
      return EXIT.refused
    }
    const d = await core.dispatch('cache.dryRun', { profile, pattern: o.pattern })
    if (!d.ok) {
      io.err(`lookout cache ${action.command}: ${d.error.message}\n`)
      return d.error.code === 'refused' ? EXIT.refused : EXIT.failed
    }
    const dry = d.result as { estimatedTotal: number; matched: number; sampled: number; dbsize: number }
    io.err(
      `dry run on ${o.profile ? `profile ${o.profile}` : profile}: about ${dry.estimatedTotal} keys match ${JSON.stringify(o.pattern)} (${dry.matched} of ${dry.sampled} sampled; ${dry.dbsize} keys)\n`
    )
    if (o.dryRun) {
      io.out(JSON.stringify({ pattern: o.pattern, dryRun: dry }) + '\n')
      return EXIT.done
    }
    // Nothing is confirmed without --yes; a prod profile also wants its name with --confirm.
    const params = { profile, pattern: o.pattern, estimatedTotal: dry.estimatedTotal, confirmation: cliConfirmation(o) }
    const hooks = {
      onCancel: () => io.err('\ncancelling after the batch in flight...\n'),
      onEvent: (name: string, p: unknown) => name === 'job.progress' && (p as JobProgress).state === 'running' && show(p as JobProgress)
    }
    const started = o.ttl
      ? await runCoreJob(core, 'cache.ttlPattern', { ...params, ttlSeconds: o.ttl.seconds }, hooks)
      : await runCoreJob(core, 'cache.invalidate', params, hooks)
    if (!started.ok) {
      const refused = started.error.code === 'refused' || started.error.code === 'bad_request' || started.error.code === 'busy'
      io.err(`lookout cache ${action.command}: ${started.error.message}${!o.yes && refused ? ` (${action.refusal})` : ''}\n`)
      return refused ? EXIT.refused : EXIT.failed
    }
    const end = started.end.result as JobProgress | null
    if (!end) {
      io.err(`lookout cache ${action.command}: ${started.end.error?.message ?? 'the job ended without counts'}\n`)
      return EXIT.failed
    }
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
  const core = await cliCore(o.dataDir, io, 'lookout cache inspect')
  if (!core) return EXIT.refused
  try {
    const res = await core.dispatch('cache.inspect', { profile: await commandProfile(core, o), key: o.key })
    if (!res.ok) {
      io.err(`lookout cache inspect: ${res.error.message}\n`)
      return EXIT.failed
    }
    r = res.result as KeyInspection
  } catch (err) {
    io.err(`lookout cache inspect: ${(err as Error).message}\n`)
    return EXIT.failed
  } finally {
    await core.close()
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
