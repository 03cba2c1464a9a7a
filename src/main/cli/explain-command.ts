import { readFile } from 'node:fs/promises'
import type { Advice, ExplainResult, PlanNode } from '../../shared/explain'
import { errorMessage } from '../core/collector'
import { explainPasted } from '../core/explain'
import { runExplain } from '../core/explain/run'
import { AuditLog } from '../core/audit/audit-log'
import { MemorySecretStore } from '../core/ports'
import { ProfileStore } from '../core/profiles/store'
import { createMonitorClient, describeDsn, describePgError } from '../core/postgres/connection'
import { pgThresholds } from '../core/postgres/thresholds'
import type { Profile } from '../../shared/schemas'

export interface ExplainOptions {
  profile?: string
  postgres?: string
  query?: string
  queryFile?: string
  planFile?: string
  analyze: boolean
  param: string[]
  yes: boolean
  confirm?: string
  json: boolean
  dataDir: string
}

type IO = { out(s: string): void; err(s: string): void }

const ms = (v: number | null) => (v === null ? '?' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(2)} ms`)

function nodeLine(n: PlanNode): string {
  const what = n.relation ? ` on ${n.relation}` : n.indexName ? ` using ${n.indexName}` : ''
  const rows = n.totalRows === null ? `est. ${n.planRows} rows` : `${n.totalRows} rows (est. ${n.planRows}/loop, ${n.actualLoops} loops)`
  const time = n.exclusiveMs === null ? '' : `, ${ms(n.exclusiveMs)} self of ${ms(n.inclusiveMs)}`
  return `${'  '.repeat(n.depth)}#${n.id} ${n.nodeType}${n.joinType && n.joinType !== 'Inner' ? ` ${n.joinType}` : ''}${what}: ${rows}${time}`
}

function adviceLines(advice: Advice[]): string {
  if (advice.length === 0) return 'no advice\n'
  return (
    advice
      .map(
        (a, i) =>
          `${i + 1}. [${a.severity}] ${a.title}${a.nodeId !== null ? ` (node #${a.nodeId})` : ''}, could save ~${ms(a.savingsMs)}\n   ${a.message}${a.sql ? `\n   ${a.sql.split('\n').join('\n   ')}` : ''}`
      )
      .join('\n') + '\n'
  )
}

function print(r: ExplainResult, o: ExplainOptions, io: IO): void {
  if (o.json) {
    io.out(
      JSON.stringify(
        {
          plan: {
            ...r.plan,
            nodes: r.plan.nodes.map((n) => ({
              id: n.id,
              parent: n.parent,
              type: n.nodeType,
              relation: n.relation,
              index: n.indexName,
              inclusiveMs: n.inclusiveMs,
              exclusiveMs: n.exclusiveMs,
              rowsEstimated: n.planRows,
              rowsActual: n.totalRows,
              loops: n.actualLoops,
              buffers: n.buffers,
              exclusiveBuffers: n.exclusiveBuffers,
              estimateFactor: n.estimateFactor
            }))
          },
          advice: r.advice,
          run: r.run
        },
        null,
        2
      ) + '\n'
    )
    return
  }
  io.out(adviceLines(r.advice))
  io.out('\n' + r.plan.nodes.map(nodeLine).join('\n') + '\n')
  io.out(
    `\nplanning ${ms(r.plan.planningMs)}, execution ${ms(r.plan.executionMs)}${r.plan.jit ? `, JIT ${ms(r.plan.jit.totalMs)}` : ''}${r.run ? ', rolled back' : ''}\n`
  )
}

/**
 * `lookout explain`: a saved plan analysed offline, or EXPLAIN run on a target under the app's
 * rules (rolled back, timeouts, one statement, writes under ANALYZE only with --yes and never on
 * prod or read-only profiles). Exit 0 done, 1 failed, 2 refused or bad arguments.
 */
export async function runExplainCommand(o: ExplainOptions, io: IO): Promise<number> {
  try {
    if (o.planFile) {
      print(explainPasted(await readFile(o.planFile, 'utf8')), o, io)
      return 0
    }
    if (Boolean(o.profile) === Boolean(o.postgres)) {
      io.err('lookout explain: give --plan-file FILE, or one of --profile NAME and --postgres URL\n')
      return 2
    }
    if (Boolean(o.query) === Boolean(o.queryFile)) {
      io.err('lookout explain: give one of --query SQL and --query-file FILE\n')
      return 2
    }
    const sql = o.query ?? (await readFile(o.queryFile!, 'utf8'))
    let profile: Profile
    if (o.profile) profile = await new ProfileStore(o.dataDir, new MemorySecretStore()).get(o.profile)
    else {
      // A bare URL is treated like an unnamed dev profile: writes need --yes.
      profile = {
        name: 'command-line',
        environment: 'dev',
        readOnly: false,
        allowFlush: false,
        postgres: o.postgres,
        metrics: [],
        pollIntervalMs: 2000,
        thresholds: {}
      }
    }
    const dsn = profile.postgres
    if (!dsn) {
      io.err(`lookout explain: profile "${profile.name}" names no Postgres\n`)
      return 2
    }
    const open = async () => {
      const c = createMonitorClient({ dsn, password: null, connectTimeoutMs: 10_000 })
      try {
        await c.connect()
      } catch (err) {
        throw new Error(describePgError(err, describeDsn(dsn), new URL(dsn).password || null), { cause: err })
      }
      return c
    }
    const confirmation = o.confirm ?? (o.yes ? 'confirm' : undefined)
    const r = await runExplain(new AuditLog(o.dataDir), open, {
      profile,
      sql,
      analyze: o.analyze,
      params: o.param.length ? o.param : null,
      confirmation,
      thresholds: pgThresholds(profile.thresholds),
      now: Date.now()
    })
    print(r, o, io)
    return 0
  } catch (err) {
    io.err(`lookout explain: ${errorMessage(err)}\n`)
    return (err as { code?: string }).code === 'refused' || (err as { code?: string }).code === 'bad_request' ? 2 : 1
  }
}
