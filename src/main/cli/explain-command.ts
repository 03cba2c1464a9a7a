import { readFile } from 'node:fs/promises'
import type { Advice, ExplainResult, PlanNode } from '../../shared/explain'
import { errorMessage } from '../core/collector'
import { explainPasted } from '../core/explain'

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
    // The app's own flow through the core: the same rules, guard and audit. A bare URL is a
    // transient dev profile (writes under ANALYZE need --yes).
    // Loaded here: reading a plan file needs none of the core.
    const { cliConfirmation, cliCore, commandProfile, runCoreJob } = await import('./one-shot')
    const core = await cliCore(o.dataDir, io, 'lookout explain')
    if (!core) return 2
    try {
      const profile = await commandProfile(core, o)
      const res = await runCoreJob(
        core,
        'explain.run',
        { profile, sql, analyze: o.analyze, params: o.param.length ? o.param : null, confirmation: cliConfirmation(o) },
        { onCancel: () => io.err('\ncancelling the statement on the server...\n') }
      )
      const error = res.ok ? res.end.error : res.error
      if (error) {
        io.err(`lookout explain: ${error.message}\n`)
        return error.code === 'refused' || error.code === 'bad_request' || error.code === 'not_found' ? 2 : 1
      }
      if (!res.ok || res.end.kind !== 'explain.run' || !res.end.result) throw new Error('the EXPLAIN job ended without a plan')
      print(res.end.result, o, io)
      return 0
    } finally {
      await core.close()
    }
  } catch (err) {
    io.err(`lookout explain: ${errorMessage(err)}\n`)
    return (err as { code?: string }).code === 'refused' || (err as { code?: string }).code === 'bad_request' ? 2 : 1
  }
}
