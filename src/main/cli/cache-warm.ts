import { readFile } from 'node:fs/promises'
import { errorMessage } from '../core/collector'
import { EXIT } from './cache-commands'
import { cliConfirmation, cliCore, commandProfile, runCoreJob } from './one-shot'

export interface CacheWarmOptions {
  redis?: string
  profile?: string
  file: string
  format: 'commands' | 'jsonl'
  yes: boolean
  confirm?: string
  dataDir: string
}

type IO = { out(s: string): void; err(s: string): void }

interface WarmReply {
  outcome: 'done' | 'cancelled' | 'failed'
  total: number
  ok: number
  failed: number
  errors: string[]
  error: string | null
}

/**
 * `lookout cache warm`: loads a file of commands (or JSON lines) into the cache through the
 * core's `cache.warm`, the app's own flow: every line checked first, the guard (refused on
 * read-only profiles, needs --yes and the profile's name on prod), pipelined batches, the audit
 * with its counts. Ctrl-C cancels between batches with exact counts.
 */
export async function cacheWarm(o: CacheWarmOptions, io: IO): Promise<number> {
  if (Boolean(o.redis) === Boolean(o.profile)) {
    io.err('lookout cache warm: give exactly one of --redis URL or --profile NAME\n')
    return EXIT.refused
  }
  let text: string
  try {
    text = await readFile(o.file, 'utf8')
  } catch (err) {
    io.err(`lookout cache warm: ${o.file}: ${errorMessage(err)}\n`)
    return EXIT.refused
  }
  const core = await cliCore(o.dataDir, io, 'lookout cache warm')
  if (!core) return EXIT.refused
  let last = 0
  const onEvent = (name: string, payload: unknown) => {
    if (name !== 'warm.progress') return
    const p = payload as { total: number; ok: number; failed: number; etaS: number | null }
    if (Date.now() - last < 1000 && p.ok + p.failed < p.total) return
    last = Date.now()
    io.err(`${p.ok + p.failed} of ${p.total} written (${p.failed} failed)${p.etaS === null ? '' : `, ETA ${Math.ceil(p.etaS)}s`}\n`)
  }
  try {
    const profile = await commandProfile(core, o)
    const res = await runCoreJob(
      core,
      'cache.warm',
      { profile, text, format: o.format, confirmation: cliConfirmation(o) },
      { onCancel: () => io.err('\ncancelling after the batch in flight...\n'), onEvent }
    )
    if (!res.ok) {
      const refused =
        res.error.code === 'refused' || res.error.code === 'bad_request' || res.error.code === 'busy' || res.error.code === 'not_found'
      const hint =
        res.error.code === 'refused' && !o.yes
          ? ` (use --yes${o.confirm ? '' : '; a prod profile also needs --confirm with its name'})`
          : ''
      io.err(`lookout cache warm: ${res.error.code === 'bad_request' ? `${o.file}: ` : ''}${res.error.message}${hint}\n`)
      return refused ? EXIT.refused : EXIT.failed
    }
    if (res.end.error) {
      io.err(`lookout cache warm: ${res.end.error.message}\n`)
      return EXIT.failed
    }
    const r = res.end.result as WarmReply
    io.out(JSON.stringify(r) + '\n')
    return r.outcome === 'done' ? (r.failed ? EXIT.failed : EXIT.done) : EXIT[r.outcome]
  } catch (err) {
    io.err(`lookout cache warm: ${errorMessage(err)}\n`)
    return EXIT.refused
  } finally {
    await core.close()
  }
}
