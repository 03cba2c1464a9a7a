import { retentionText, type HistoryInfo } from '../../shared/history'
import { cliConfirmation, cliCore } from './one-shot'

type IO = { out(s: string): void; err(s: string): void }

export const HISTORY_EXIT = { done: 0, failed: 1, refused: 2 } as const

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`
const when = (t: number | null) => (t === null ? '-' : new Date(t).toISOString().replace('.000Z', 'Z'))

/** A duration as `30s`, `30m`, `12h`, `7d`, `2w`: what `--older-than`, `--since` and `--duration` take. */
export function parseAge(text: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d|w)$/.exec(text.trim())
  if (!m) return null
  return Number(m[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd' | 'w']
}

/**
 * `lookout history info|prune`: where the history is, how big it is and what each profile has in
 * it; and deleting it (one profile's, or what is older than an age), through the core's
 * `history.info` and `history.prune` like the app, guarded and audited.
 */
export async function historyCommand(
  verb: 'info' | 'prune',
  o: { dataDir: string; json?: boolean; profile?: string; olderThan?: string; all?: boolean; yes?: boolean; confirm?: string },
  io: IO
): Promise<number> {
  const command = `lookout history ${verb}`
  let olderThanMs: number | null = null
  if (verb === 'prune') {
    if (o.olderThan !== undefined) {
      olderThanMs = parseAge(o.olderThan)
      if (olderThanMs === null) {
        io.err(`${command}: --older-than takes an age such as 30m, 12h, 7d or 2w, not "${o.olderThan}"\n`)
        return HISTORY_EXIT.refused
      }
    } else if (!o.all) {
      io.err(`${command}: say what to delete: --older-than AGE, or --all (with --profile NAME for one profile)\n`)
      return HISTORY_EXIT.refused
    }
  }
  const core = await cliCore(o.dataDir, io, command)
  if (!core) return HISTORY_EXIT.refused
  try {
    if (verb === 'info') {
      const r = await core.dispatch('history.info', {})
      if (!r.ok) {
        io.err(`${command}: ${r.error.message}\n`)
        return HISTORY_EXIT.failed
      }
      const info = r.result as HistoryInfo
      if (o.json) {
        io.out(JSON.stringify(info, null, 2) + '\n')
        return info.problem ? HISTORY_EXIT.failed : HISTORY_EXIT.done
      }
      if (info.problem) {
        io.err(`${command}: ${info.problem}\n`)
        return HISTORY_EXIT.failed
      }
      io.out(`${info.path}: ${mib(info.bytes)}\n`)
      io.out(`retention: ${retentionText(info.retention)}
`)
      for (const p of info.profiles)
        io.out(
          `${p.profile}: ${p.series} series, ${p.events} timeline events, ${p.statementRows} statement rows, from ${when(p.oldest)} to ${when(p.newest)}\n`
        )
      if (info.profiles.length === 0) io.out('no history yet: it is written while a profile is watched (the app or lookout serve)\n')
      io.out('prune with: lookout history prune --older-than 7d [--profile NAME] --yes\n')
      return HISTORY_EXIT.done
    }
    const r = await core.dispatch('history.prune', {
      profile: o.profile ?? null,
      olderThanMs,
      confirmation: cliConfirmation(o)
    })
    if (!r.ok) {
      io.err(
        `${command}: ${r.error.message}${r.error.code === 'refused' && !o.yes ? ' (add --yes; a prod profile also needs --confirm NAME)' : ''}\n`
      )
      return r.error.code === 'refused' || r.error.code === 'bad_request' ? HISTORY_EXIT.refused : HISTORY_EXIT.failed
    }
    const p = r.result as { deleted: number; bytesBefore: number; bytesAfter: number }
    io.out(`deleted ${p.deleted} row(s); ${mib(p.bytesBefore)} → ${mib(p.bytesAfter)}\n`)
    return HISTORY_EXIT.done
  } finally {
    await core.close()
  }
}
