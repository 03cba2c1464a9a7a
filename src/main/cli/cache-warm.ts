import { readFile } from 'node:fs/promises'
import { randomUUID } from 'node:crypto'
import type { JobDone } from '../../shared/api'
import { errorMessage } from '../core/collector'
import { EXIT } from './cache-commands'
import { cliConfirmation, cliCore, commandProfile } from './one-shot'

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
  const core = cliCore(o.dataDir)
  const jobId = randomUUID()
  const onSigint = () => {
    io.err('\ncancelling after the batch in flight...\n')
    void core.dispatch('job.cancel', { jobId })
  }
  process.once('SIGINT', onSigint)
  let last = 0
  let ended: (d: JobDone) => void = () => {}
  const done = new Promise<JobDone>((resolve) => (ended = resolve))
  core.onEvent((name, payload) => {
    if (name === 'job.done' && (payload as JobDone).jobId === jobId) return ended(payload as JobDone)
    if (name !== 'warm.progress') return
    const p = payload as { jobId: string; total: number; ok: number; failed: number; etaS: number | null }
    if (p.jobId !== jobId || (Date.now() - last < 1000 && p.ok + p.failed < p.total)) return
    last = Date.now()
    io.err(`${p.ok + p.failed} of ${p.total} written (${p.failed} failed)${p.etaS === null ? '' : `, ETA ${Math.ceil(p.etaS)}s`}\n`)
  })
  try {
    const profile = await commandProfile(core, o)
    const res = await core.dispatch('cache.warm', { profile, text, format: o.format, jobId, confirmation: cliConfirmation(o) })
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
    const end = await done
    if (end.error) {
      io.err(`lookout cache warm: ${end.error.message}\n`)
      return EXIT.failed
    }
    const r = end.result as WarmReply
    io.out(JSON.stringify(r) + '\n')
    return r.outcome === 'done' ? (r.failed ? EXIT.failed : EXIT.done) : EXIT[r.outcome]
  } catch (err) {
    io.err(`lookout cache warm: ${errorMessage(err)}\n`)
    return EXIT.refused
  } finally {
    process.removeListener('SIGINT', onSigint)
    await core.close()
  }
}
