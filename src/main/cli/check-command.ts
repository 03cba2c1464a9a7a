import type { CheckFinding as Finding } from '../../shared/schemas'
import { errorMessage } from '../core/collector'
import { cliCore, commandProfile } from './one-shot'

export type Severity = 'info' | 'warning' | 'critical'

/** One finding as `lookout check` prints it: what the core's `checks.run` reports. */
export type CheckFinding = Finding

export interface CheckOptions {
  profile?: string
  postgres?: string
  redis?: string
  json: boolean
  failOn: Severity | 'never'
  dataDir: string
}

type IO = { out(s: string): void; err(s: string): void }

/** 0: nothing reached --fail-on; 1: something did; 2: a target could not be checked, or bad arguments. */
export const CHECK_EXIT = { clean: 0, findings: 1, unchecked: 2 } as const

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

function table(findings: CheckFinding[]): string {
  if (findings.length === 0) return 'no findings\n'
  const rows = findings.map((f) => [
    f.severity.toUpperCase(),
    f.target,
    f.check,
    f.object,
    f.value === null ? '' : `${f.value}${f.unit ? ' ' + f.unit : ''}`,
    f.threshold === null ? '' : `${f.threshold}`
  ])
  const head = ['SEVERITY', 'TARGET', 'CHECK', 'OBJECT', 'VALUE', 'THRESHOLD']
  const widths = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))))
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  const out = [line(head)]
  findings.forEach((f, i) => {
    out.push(line(rows[i]!))
    out.push(`    ${f.message}`)
    if (f.fixSql) out.push(...f.fixSql.split('\n').map((l) => `    fix: ${l}`))
  })
  return out.join('\n') + '\n'
}

/**
 * `lookout check`: every check once against the targets, findings as a table or JSON; the exit
 * code tells cron and deploy scripts whether anything reached --fail-on.
 */
export async function runCheck(o: CheckOptions, io: IO): Promise<number> {
  if (!o.profile && !o.postgres && !o.redis) {
    io.err('lookout check: give --profile NAME, or --postgres URL and/or --redis URL\n')
    return CHECK_EXIT.unchecked
  }
  if (o.profile && (o.postgres || o.redis)) {
    io.err('lookout check: give --profile NAME, or URLs, not both\n')
    return CHECK_EXIT.unchecked
  }
  // The core's own checks, through its dispatcher; bare URLs are a transient profile.
  const core = await cliCore(o.dataDir, io, 'lookout check')
  if (!core) return CHECK_EXIT.unchecked
  let findings: CheckFinding[]
  let notes: string[]
  let failures: string[]
  try {
    const res = await core.dispatch('checks.run', { profile: await commandProfile(core, o) })
    if (!res.ok) {
      io.err(`lookout check: ${res.error.message}\n`)
      return CHECK_EXIT.unchecked
    }
    ;({ findings, notes, failures } = res.result as { findings: CheckFinding[]; notes: string[]; failures: string[] })
  } catch (err) {
    io.err(`lookout check: ${errorMessage(err)}\n`)
    return CHECK_EXIT.unchecked
  } finally {
    await core.close()
  }
  findings.sort((a, b) => RANK[b.severity] - RANK[a.severity] || a.target.localeCompare(b.target) || a.check.localeCompare(b.check))
  if (o.json) io.out(JSON.stringify({ findings, notes, failures }, null, 2) + '\n')
  else {
    io.out(table(findings))
    for (const n of notes) io.err(`note: ${n}\n`)
  }
  for (const f of failures) io.err(`lookout check: ${f}\n`)
  if (failures.length) return CHECK_EXIT.unchecked
  if (o.failOn !== 'never' && findings.some((f) => RANK[f.severity] >= RANK[o.failOn as Severity])) return CHECK_EXIT.findings
  return CHECK_EXIT.clean
}
