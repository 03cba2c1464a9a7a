import { writeFileSync } from 'node:fs'
import type { ReportResult } from '../../shared/reports'
import { parseAge } from './history-command'
import { cliCore, runCoreJob } from './one-shot'

type IO = { out(s: string): void; err(s: string): void; progress?(s: string): void }

/** 0: written; 1: the report failed; 2: refused (the flags, or no data for the window); 3: written but partial (a target could not be reached). */
export const REPORT_EXIT = { done: 0, failed: 1, refused: 2, partial: 3 } as const

export interface ReportOptions {
  dataDir: string
  profile?: string
  since?: string
  from?: string
  to?: string
  compareTo?: string
  duration?: string
  out?: string
  anonymise?: boolean
  json?: boolean
}

/** A time as `--from`/`--to` take it: ISO 8601, Unix seconds or milliseconds, `now`, or an age ago (`2h`). */
export function parseTime(text: string, now: number): number | null {
  const s = text.trim()
  if (s === 'now') return now
  if (/^\d{9,10}$/.test(s)) return Number(s) * 1000
  if (/^\d{12,13}$/.test(s)) return Number(s)
  const age = parseAge(s)
  if (age !== null) return now - age
  const t = Date.parse(s)
  return Number.isNaN(t) ? null : t
}

/**
 * `lookout report`: a self-contained HTML report of a profile over a window, for cron jobs and CI.
 * One `reports.create` job, the app's own: it reads the history, fills what it lacks from the
 * profile's Prometheus server, and with `--duration` polls the profile when neither holds the
 * window. A target that cannot be reached gives a partial report, with a warning in it, and exit 3.
 */
export async function reportCommand(o: ReportOptions, io: IO): Promise<number> {
  const command = 'lookout report'
  const refuse = (msg: string) => {
    io.err(`${command}: ${msg}\n`)
    return REPORT_EXIT.refused
  }
  if (!o.profile) return refuse('say which profile: --profile NAME')
  if (!o.out) return refuse('say where to write it: --out FILE (or - for standard output)')
  const now = Date.now()
  let range: { from: number; to: number }
  if (o.since !== undefined) {
    if (o.from !== undefined) return refuse('give --since or --from/--to, not both')
    const age = parseAge(o.since)
    if (age === null) return refuse(`--since takes an age such as 30m, 12h or 7d, not "${o.since}"`)
    range = { from: now - age, to: now }
  } else if (o.from !== undefined) {
    const from = parseTime(o.from, now)
    const to = o.to === undefined ? now : parseTime(o.to, now)
    if (from === null)
      return refuse(`--from: "${o.from}" is not a time (ISO 8601 such as 2026-12-01T14:00Z, Unix seconds, or an age such as 2h)`)
    if (to === null) return refuse(`--to: "${o.to}" is not a time`)
    if (to <= from) return refuse('--to must be after --from')
    range = { from, to }
  } else if (o.duration !== undefined) {
    // Only a duration: report on a fresh watch of that length.
    range = { from: now - 1000, to: now }
  } else return refuse('say which window: --since 1h, or --from TIME [--to TIME]')
  let compareTo: { from: number; to: number } | null = null
  if (o.compareTo !== undefined) {
    const shift = parseAge(o.compareTo)
    if (shift === null) return refuse(`--compare-to takes how far back the other window is, such as 1d or 1w, not "${o.compareTo}"`)
    compareTo = { from: range.from - shift, to: range.to - shift }
  }
  let pollForMs: number | null = null
  if (o.duration !== undefined) {
    pollForMs = parseAge(o.duration)
    if (pollForMs === null || pollForMs < 1000) return refuse(`--duration takes how long to poll, such as 30s or 10m, not "${o.duration}"`)
  }
  const core = await cliCore(o.dataDir, io, command)
  if (!core) return REPORT_EXIT.refused
  try {
    const r = await runCoreJob(
      core,
      'reports.create',
      { profile: o.profile, range, compareTo, anonymise: Boolean(o.anonymise), pollForMs },
      {
        onCancel: () => io.err(`${command}: cancelling...\n`),
        onEvent: (name, p) => {
          if (name === 'report.progress') io.progress?.(`${command}: ${(p as { step?: string }).step ?? ''}\n`)
        }
      }
    )
    if (!r.ok)
      return r.error.code === 'not_found' || r.error.code === 'bad_request'
        ? refuse(r.error.message)
        : (io.err(`${command}: ${r.error.message}\n`), REPORT_EXIT.failed)
    if (r.end.error) {
      io.err(`${command}: ${r.end.error.message}\n`)
      return r.end.error.code === 'not_found' || r.end.error.code === 'bad_request' ? REPORT_EXIT.refused : REPORT_EXIT.failed
    }
    const report = r.end.result as ReportResult
    if (o.out === '-') io.out(report.html)
    else writeFileSync(o.out, report.html)
    const { html: _html, ...rest } = report
    if (o.json && o.out !== '-') io.out(JSON.stringify({ file: o.out, ...rest }, null, 2) + '\n')
    else if (o.out !== '-')
      io.out(
        `${o.out}: ${(report.bytes / 1024).toFixed(0)} KiB, sections ${report.sections.join(', ')}; data from ${report.sources.join(' and ') || 'nothing'}\n`
      )
    for (const w of report.warnings) io.err(`${command}: warning: ${w}\n`)
    if (report.partial) {
      io.err(`${command}: the report is partial (a target could not be reached); it says so at its top\n`)
      return REPORT_EXIT.partial
    }
    return REPORT_EXIT.done
  } finally {
    await core.close()
  }
}
