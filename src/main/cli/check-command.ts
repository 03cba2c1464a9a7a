import { MemorySecretStore } from '../core/ports'
import { ProfileStore } from '../core/profiles/store'
import { createMonitorClient, describeDsn, describePgError, pgEndpoint } from '../core/postgres/connection'
import { pgThresholds } from '../core/postgres/thresholds'
import { PostgresWatch } from '../core/postgres/watch'
import { RedisCollector } from '../core/redis/collector'
import { errorMessage } from '../core/collector'

export type Severity = 'info' | 'warning' | 'critical'

/** One finding as `lookout check` prints it, whatever checked it. */
export interface CheckFinding {
  target: string
  check: string
  object: string
  severity: Severity
  value: number | string | null
  unit: string
  threshold: number | string | null
  message: string
  fixSql: string | null
}

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

/** Two INFO reads this far apart give Redis its rates (evictions/s, hit rate over the window). */
export const REDIS_CHECK_WINDOW_MS = 1000

const RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 }

async function checkPostgres(dsn: string, thresholds: Record<string, number>, notes: string[]): Promise<CheckFinding[]> {
  const target = describeDsn(dsn)
  // The password comes from the URL, else PGPASSWORD or ~/.pgpass, as libpq would find it.
  const client = createMonitorClient({ dsn, password: null, connectTimeoutMs: 10_000, statementTimeoutMs: 15_000 })
  try {
    await client.connect()
  } catch (err) {
    throw new Error(describePgError(err, target, new URL(dsn).password || null), { cause: err })
  }
  try {
    const watch = new PostgresWatch(pgThresholds(thresholds), target.user)
    await watch.once(client)
    for (const s of watch.checkStatuses())
      if (s.error) notes.push(`postgres ${s.check}: ${s.error}${s.enable ? `\n  to enable: ${s.enable}` : ''}`)
    const where = `postgres ${pgEndpoint(target)}`
    return watch.findings().map((f) => ({
      target: where,
      check: f.check,
      object: f.object,
      severity: f.severity,
      value: f.value,
      unit: f.unit,
      threshold: f.threshold,
      message: f.message,
      fixSql: f.fixSql
    }))
  } finally {
    await client.end().catch(() => {})
  }
}

async function checkRedis(url: string, caFile: string | null): Promise<CheckFinding[]> {
  const inUrl = new URL(url).password
  const password = inUrl ? decodeURIComponent(inUrl) : (process.env.REDISCLI_AUTH ?? null)
  const c = new RedisCollector({ id: 'redis', url, password, timeoutMs: 10_000, caFile })
  try {
    await c.collect(AbortSignal.timeout(10_000))
    await new Promise((r) => setTimeout(r, REDIS_CHECK_WINDOW_MS))
    await c.collect(AbortSignal.timeout(10_000))
    return c.getDetails().findings.map((f) => ({
      target: c.endpoint,
      check: f.check,
      object: c.endpoint,
      severity: f.severity,
      value: f.value,
      unit: '',
      threshold: f.threshold,
      message: f.message,
      fixSql: null
    }))
  } finally {
    await c.close()
  }
}

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
  let postgres = o.postgres ?? null
  let redis = o.redis ?? null
  let thresholds: Record<string, number> = {}
  let caFile: string | null = null
  if (o.profile) {
    try {
      const p = await new ProfileStore(o.dataDir, new MemorySecretStore()).get(o.profile)
      postgres ??= p.postgres ?? null
      redis ??= p.redis ?? null
      thresholds = p.thresholds
      caFile = p.redisCaFile ?? null
    } catch (err) {
      io.err(`lookout check: ${errorMessage(err)}\n`)
      return CHECK_EXIT.unchecked
    }
    if (!postgres && !redis) {
      io.err(`lookout check: profile "${o.profile}" names no Postgres or Redis\n`)
      return CHECK_EXIT.unchecked
    }
  }
  const findings: CheckFinding[] = []
  const notes: string[] = []
  const failures: string[] = []
  const run = async (what: () => Promise<CheckFinding[]>) => {
    try {
      findings.push(...(await what()))
    } catch (err) {
      failures.push(errorMessage(err))
    }
  }
  await Promise.all([
    postgres ? run(() => checkPostgres(postgres, thresholds, notes)) : null,
    redis ? run(() => checkRedis(redis, caFile)) : null
  ])
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
