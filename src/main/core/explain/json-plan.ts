import type { PlanBuffers, PlanModel, PlanNode } from '../../../shared/explain'
import { autoExplainBody, emptyBuffers, emptyNode, emptyPlan, PlanParseError, stripPsql } from './model'

type Json = Record<string, unknown>

const n = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)
const s = (v: unknown): string | null => (typeof v === 'string' ? v : null)
/** Counts the text format prints only when non-zero: zero reads as "not reported" in both formats. */
const nz = (v: unknown): number | null => {
  const x = n(v)
  return x === 0 ? null : x
}
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [])

function buffers(o: Json, prefix = ''): PlanBuffers | null {
  const k = (name: string) => n(o[`${prefix}${name}`])
  const hit = k('Shared Hit Blocks')
  if (hit === null && k('Shared Read Blocks') === null && k('Temp Read Blocks') === null) return null
  const b = emptyBuffers()
  b.sharedHit = hit ?? 0
  b.sharedRead = k('Shared Read Blocks') ?? 0
  b.sharedDirtied = k('Shared Dirtied Blocks') ?? 0
  b.sharedWritten = k('Shared Written Blocks') ?? 0
  b.localHit = k('Local Hit Blocks') ?? 0
  b.localRead = k('Local Read Blocks') ?? 0
  b.tempRead = k('Temp Read Blocks') ?? 0
  b.tempWritten = k('Temp Written Blocks') ?? 0
  return b
}

function fill(node: PlanNode, o: Json): void {
  node.joinType = s(o['Join Type'])
  node.strategy = s(o['Strategy'])
  node.operation = s(o['Operation']) ?? s(o['Command']) ?? (s(o['Scan Direction']) === 'Backward' ? 'Backward' : null)
  node.partialMode = s(o['Partial Mode']) === 'Simple' ? null : s(o['Partial Mode'])
  node.parallelAware = o['Parallel Aware'] === true
  // Outer, Inner, Member... follow from the position; only InitPlan and SubPlan say something the
  // tree does not (and the text format shows only those).
  const rel = s(o['Parent Relationship'])
  node.parentRelationship = rel === 'InitPlan' || rel === 'SubPlan' ? rel : null
  node.subplanName = s(o['Subplan Name'])
  node.relation = s(o['Relation Name'])
  node.schema = s(o['Schema'])
  node.alias = s(o['Alias'])
  node.indexName = s(o['Index Name'])
  node.cteName = s(o['CTE Name'])
  node.functionName = s(o['Function Name'])
  node.startupCost = n(o['Startup Cost'])
  node.totalCost = n(o['Total Cost'])
  node.planRows = n(o['Plan Rows'])
  node.planWidth = n(o['Plan Width'])
  node.actualStartupMs = n(o['Actual Startup Time'])
  node.actualTotalMs = n(o['Actual Total Time'])
  node.actualRows = n(o['Actual Rows'])
  node.actualLoops = n(o['Actual Loops'])
  node.neverExecuted = node.actualLoops === 0
  node.workersPlanned = n(o['Workers Planned'])
  node.workersLaunched = n(o['Workers Launched'])
  node.filter = s(o['Filter'])
  node.indexCond = s(o['Index Cond'])
  node.recheckCond = s(o['Recheck Cond'])
  node.joinFilter = s(o['Join Filter'])
  node.hashCond = s(o['Hash Cond'])
  node.mergeCond = s(o['Merge Cond'])
  node.sortKey = list(o['Sort Key'])
  node.groupKey = list(o['Group Key'])
  node.rowsRemovedByFilter = nz(o['Rows Removed by Filter'])
  node.rowsRemovedByJoinFilter = nz(o['Rows Removed by Join Filter'])
  node.rowsRemovedByIndexRecheck = nz(o['Rows Removed by Index Recheck'])
  node.heapFetches = n(o['Heap Fetches'])
  node.exactHeapBlocks = nz(o['Exact Heap Blocks'])
  node.lossyHeapBlocks = nz(o['Lossy Heap Blocks'])
  node.sortMethod = s(o['Sort Method'])
  node.sortSpaceType = s(o['Sort Space Type'])
  node.sortSpaceKb = n(o['Sort Space Used'])
  node.hashBuckets = n(o['Hash Buckets'])
  node.hashBatches = n(o['Hash Batches']) ?? n(o['HashAgg Batches'])
  node.originalHashBatches = n(o['Original Hash Batches'])
  node.peakMemoryKb = n(o['Peak Memory Usage'])
  node.diskUsageKb = nz(o['Disk Usage'])
  node.buffers = buffers(o)
  // I/O timing names changed in 16 ("Shared I/O Read Time") from 13-15's "I/O Read Time".
  node.ioReadMs = n(o['Shared I/O Read Time']) ?? n(o['I/O Read Time'])
  node.ioWriteMs = n(o['Shared I/O Write Time']) ?? n(o['I/O Write Time'])
}

/**
 * The plan objects of EXPLAIN (FORMAT JSON) output, psql's decorations allowed around it: one,
 * or one per statement when a rule rewrote the statement into several.
 */
function topLevel(raw: string): Json[] {
  // auto_explain's log_format=json in a server log: the object after "plan:".
  const input = autoExplainBody(raw) ?? raw
  // JSON.parse skips surrounding whitespace itself; psql's decorations need stripping first.
  const start = /\S/.exec(input.slice(0, 4096))?.[0]
  const text = start === '[' || start === '{' ? input : stripPsql(input).join('\n')
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch (err) {
    throw new PlanParseError(`not a JSON plan: ${(err as Error).message}`)
  }
  const tops = Array.isArray(doc) ? doc : [doc]
  if (tops.length === 0) throw new PlanParseError('a JSON plan is an array of objects holding "Plan"; this array is empty')
  return tops.map((top, k) => {
    if (!top || typeof top !== 'object')
      throw new PlanParseError(`a JSON plan is an array of objects holding "Plan"; item ${k + 1} is not one`)
    const o = top as Json
    if (!o['Plan'] || typeof o['Plan'] !== 'object')
      throw new PlanParseError(
        `the JSON has no "Plan" object${tops.length > 1 ? ` in item ${k + 1}` : ''}: is this EXPLAIN (FORMAT JSON) output?`
      )
    return o
  })
}

/** Reads EXPLAIN (FORMAT JSON) output; iterative, so plans thousands of levels deep parse. */
export function parseJsonPlan(input: string): PlanModel {
  const tops = topLevel(input)
  const top = tops[0]!
  const plan = emptyPlan()
  for (const t of tops) {
    const stack: { o: Json; parent: number; depth: number }[] = [{ o: t['Plan'] as Json, parent: -1, depth: 0 }]
    while (stack.length) {
      const { o, parent, depth } = stack.pop()!
      const type = s(o['Node Type'])
      if (!type) throw new PlanParseError(`node ${plan.nodes.length} has no "Node Type"`)
      const node = emptyNode(plan.nodes.length, parent, depth, type)
      fill(node, o)
      plan.nodes.push(node)
      if (parent >= 0) plan.nodes[parent]!.children.push(node.id)
      const kids = o['Plans']
      if (Array.isArray(kids))
        for (let i = kids.length - 1; i >= 0; i--) stack.push({ o: kids[i] as Json, parent: node.id, depth: depth + 1 })
    }
  }
  plan.analyzed = plan.nodes.some((x) => x.actualLoops !== null)
  // Several plans (a rule's statements) each give their times: they add up, as in the text format.
  const sum = (key: string) => tops.reduce<number | null>((acc, t) => (n(t[key]) === null ? acc : (acc ?? 0) + n(t[key])!), null)
  plan.planningMs = sum('Planning Time')
  plan.executionMs = sum('Execution Time')
  const ser = top['Serialization'] as Json | undefined
  plan.serializationMs = ser ? n(ser['Time']) : null
  plan.queryText = s(top['Query Text'])
  // A 64-bit queryid loses digits as a JSON number: read it from the text instead.
  plan.queryId = top['Query Identifier'] === undefined ? null : (/"Query Identifier":\s*(-?\d+)/.exec(input)?.[1] ?? null)
  const planning = top['Planning'] as Json | undefined
  plan.planningBuffers = planning ? buffers(planning) : null
  const triggers = tops.flatMap((t) => (Array.isArray(t['Triggers']) ? (t['Triggers'] as Json[]) : []))
  if (triggers.length)
    plan.triggers = triggers.map((t) => ({
      // The text format names a constraint's trigger by the constraint.
      name: s(t['Constraint Name']) ?? s(t['Trigger Name']) ?? '?',
      relation: s(t['Relation']),
      timeMs: n(t['Time']) ?? 0,
      calls: n(t['Calls']) ?? 0
    }))
  const jit = top['JIT'] as Json | undefined
  if (jit) {
    const timing = (jit['Timing'] ?? {}) as Json
    const ms = (k: string) => {
      const v = timing[k]
      // 15+ reports Generation and others as objects with a Total.
      return typeof v === 'object' && v !== null ? n((v as Json)['Total']) : n(v)
    }
    plan.jit = {
      functions: n(jit['Functions']) ?? 0,
      generationMs: ms('Generation'),
      inliningMs: ms('Inlining'),
      optimizationMs: ms('Optimization'),
      emissionMs: ms('Emission'),
      totalMs: ms('Total')
    }
  }
  const settings = top['Settings']
  if (settings && typeof settings === 'object') for (const [k, v] of Object.entries(settings)) plan.settings[k] = String(v)
  return plan
}
