import type { Advice, PlanModel, PlanNode } from '../../../shared/explain'
import { planCost, planRoots } from '../../../shared/plan-tree'

/** Thresholds of the advice rules, by name. */
export const EXPLAIN_THRESHOLDS = {
  /** Actual rows against estimated, either way: warning, then critical. */
  misestimate_factor: 10,
  misestimate_critical_factor: 1000,
  /** Only nodes taking at least this share of the execution time are worth advice. */
  min_time_share: 0.05,
  /** A sequential scan that reads this many rows and discards this share of them. */
  seq_scan_min_rows: 10_000,
  seq_scan_discard_ratio: 0.9,
  /** An index scan discarding this many rows per row it returns, and at least this many in total. */
  index_filter_ratio: 10,
  index_filter_min_rows: 1000,
  /** Heap fetches on an index-only scan, as a share of its rows. */
  heap_fetch_ratio: 0.1,
  /** A nested loop whose inner side runs this many times. */
  nested_loop_min_loops: 1000,
  /** A correlated SubPlan run this many times. */
  subplan_min_loops: 1000,
  /** JIT, planning or triggers taking this share of the execution time. */
  overhead_share: 0.2,
  /** A Limit reading this many rows per row it returns (a large OFFSET), at least this many. */
  offset_ratio: 10,
  offset_min_rows: 1000,
  /** Blocks read per row returned, once a node reads this many blocks. */
  blocks_per_row: 100,
  /** Blocks a repeated probe may read per loop (index levels and a heap page or two). */
  probe_blocks_per_loop: 10,
  blocks_min: 10_000
}

export type ExplainThresholds = { readonly [K in keyof typeof EXPLAIN_THRESHOLDS]: number }

/** What Lookout knows about the live database when the plan was run against it. */
export interface LiveFacts {
  /** Indexes per table: name, key columns in order, definition. */
  indexes: Map<string, { name: string; columns: string[]; def: string }[]>
  /** Last (auto)analyze per table, Unix ms or null for never. */
  lastAnalyze: Map<string, number | null>
  /** The planner's row count per table (pg_class.reltuples; absent when never counted). */
  tableRows?: Map<string, number>
  workMemKb: number | null
  now: number
}

const fmtMs = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 2 : 0)} ms`)
const label = (n: PlanNode) => `#${n.id} ${n.nodeType}${n.relation ? ` on ${n.relation}` : n.indexName ? ` using ${n.indexName}` : ''}`

/**
 * The columns a filter compares, equality first: "((status = 'new'::text) AND (customer_id = 42))"
 * gives customer_id and status for an index proposal. Casts, qualifiers and parentheses are skipped.
 */
export function filterColumns(filter: string): { equality: string[]; range: string[] } {
  const equality: string[] = []
  const range: string[] = []
  // A cast may name a quoted type ("char"): it is part of the column's expression, not a column.
  const re =
    /\(*(?:"?[A-Za-z_][\w$]*"?\.)?"?([A-Za-z_][\w$]*)"?\)?(?:::"?[\w\s]+"?(?:\[\])?)?\)?\s*(=|<>|!=|<=|>=|<|>|~~\*?|IS NOT NULL|IS NULL|= ANY)/g
  for (const m of filter.matchAll(re)) {
    const col = m[1]!
    const at = m.index + m[0].indexOf(col)
    if (/::"?$/.test(filter.slice(Math.max(0, at - 3), at))) continue
    if (/^(AND|OR|NOT|true|false|NULL)$/i.test(col)) continue
    const list = m[2]!.startsWith('=') ? equality : range
    if (!equality.includes(col) && !range.includes(col)) list.push(col)
  }
  return { equality, range }
}

function qualifiedTable(n: PlanNode): string {
  return n.schema && n.schema !== 'public' ? `${n.schema}.${n.relation}` : n.relation!
}

type Rule = (plan: PlanModel, ctx: Context) => Advice[]

interface Context {
  totalMs: number
  facts: LiveFacts | null
  th: ExplainThresholds
}

const matters = (n: PlanNode, ctx: Context) => ctx.totalMs > 0 && (n.inclusiveMs ?? 0) >= ctx.totalMs * ctx.th.min_time_share

/** A node's misestimate as a factor of at least 1, and whether it was under-estimated; null if none. */
function misestimateOf(n: PlanNode): { f: number; under: boolean } | null {
  if (n.estimateFactor === null) return null
  return { f: n.estimateFactor >= 1 ? n.estimateFactor : 1 / n.estimateFactor, under: n.estimateFactor >= 1 }
}

const misestimate: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    const m = misestimateOf(n)
    if (!m || m.f < ctx.th.misestimate_factor || !matters(n, ctx)) continue
    // A Hash's rows are its child's: any error is the child's.
    if (n.nodeType === 'Hash') continue
    // Fewer rows than planned from a node its consumer stopped reading is no misestimate.
    if (!m.under && stoppedEarly(plan, n)) continue
    // Said once, where it starts: a node whose child is off the same way only carries it upward.
    const inherited = n.children.some((c) => {
      const cm = misestimateOf(plan.nodes[c]!)
      return cm !== null && cm.under === m.under && cm.f >= ctx.th.misestimate_factor
    })
    if (inherited) continue
    const { f } = m
    const parent = n.parent >= 0 ? plan.nodes[n.parent]! : null
    const table = n.relation ?? null
    const cols = n.filter ? filterColumns(n.filter) : n.indexCond ? filterColumns(n.indexCond) : { equality: [], range: [] }
    const col = cols.equality[0] ?? cols.range[0]
    const analyzed = table && ctx.facts?.lastAnalyze.has(table) ? ctx.facts.lastAnalyze.get(table)! : undefined
    const neverAnalyzed = analyzed === null
    const when =
      analyzed === undefined
        ? ''
        : analyzed === null
          ? ` ${table} has never been analyzed: the planner is guessing.`
          : ` ${table} was last analyzed ${Math.round((ctx.facts!.now - analyzed) / 60_000)} min ago.`
    // Several equality conditions on one table, far more rows than the product of their
    // selectivities: the columns depend on each other (city and country); per-column statistics
    // cannot see that, extended statistics can.
    const correlated = table !== null && !neverAnalyzed && m.under && cols.equality.length >= 2
    const pair = cols.equality.slice(0, 2)
    const remedy = neverAnalyzed
      ? `Run ANALYZE ${table} first.`
      : correlated
        ? `The columns ${pair.join(' and ')} are correlated: the planner multiplies their selectivities as if they were independent. Create extended statistics on them, then ANALYZE.`
        : `Run ANALYZE${table ? ` ${table}` : ''}; if it persists, raise the column's statistics target${col ? ` (${col})` : ''}.`
    out.push({
      rule: 'row_misestimate',
      nodeId: n.id,
      severity: neverAnalyzed || f >= ctx.th.misestimate_critical_factor ? 'critical' : 'warning',
      title: `Row estimate off by ${Math.round(f)}x at ${label(n)}`,
      message: `The planner expected ${n.planRows} rows per loop and got ${n.actualRows} (${m.under ? 'under' : 'over'}-estimated ${Math.round(f)}x): the plan above it was chosen for the wrong size.${when} ${remedy}`,
      // The work planned on the wrong estimate: the parent's own time; a table with no statistics
      // at all misleads every choice made over it, so that goes first.
      savingsMs: neverAnalyzed ? ctx.totalMs : (parent?.exclusiveMs ?? n.exclusiveMs ?? 0),
      sql: table
        ? neverAnalyzed
          ? `ANALYZE ${qualifiedTable(n)};`
          : correlated
            ? `CREATE STATISTICS ${n.relation}_${pair.join('_')}_dep (dependencies) ON ${pair.join(', ')} FROM ${qualifiedTable(n)};\nANALYZE ${qualifiedTable(n)};`
            : col
              ? `ALTER TABLE ${qualifiedTable(n)} ALTER COLUMN ${col} SET STATISTICS 1000;\nANALYZE ${qualifiedTable(n)};`
              : `ANALYZE ${qualifiedTable(n)};`
        : null
    })
  }
  return out
}

/** Nodes that hand rows on as they come: a Limit above them stops them too. */
const STREAMING = new Set([
  'Nested Loop',
  'Merge Join',
  'Append',
  'Merge Append',
  'Result',
  'Subquery Scan',
  'Gather',
  'Gather Merge',
  'Memoize',
  'Materialize',
  'ProjectSet',
  'Unique'
])

/**
 * Whether a node may have given fewer rows than planned because its consumer stopped asking:
 * a Limit above it (through nodes that pass rows on as they come), the inner side of a semi or
 * anti join (the first match ends a loop), or a nested loop's inner scan with no condition of its
 * own (the join stops at the first match of a unique inner side, so it reads a table only partly).
 */
function stoppedEarly(plan: PlanModel, n: PlanNode): boolean {
  const parent = n.parent >= 0 ? plan.nodes[n.parent]! : null
  if (parent?.nodeType === 'Nested Loop' && parent.children[1] === n.id) {
    if (parent.joinType === 'Semi' || parent.joinType === 'Anti') return true
    if (!n.filter && !n.indexCond && !n.recheckCond) return true
  }
  if (n.parentRelationship === 'SubPlan' || n.parentRelationship === 'InitPlan') return true
  for (let child = n, p = parent; p; child = p, p = p.parent >= 0 ? plan.nodes[p.parent]! : null) {
    if (p.nodeType === 'Limit') return true
    // A hash join streams its outer side (the inner is read whole into the hash); a sorted
    // aggregate, a Group and a window pass each group on when it is done.
    const streams =
      STREAMING.has(p.nodeType) ||
      (p.nodeType === 'Hash Join' && p.children[0] === child.id) ||
      (p.nodeType === 'Aggregate' && p.strategy === 'Sorted') ||
      p.nodeType === 'Group' ||
      p.nodeType === 'WindowAgg'
    if (!streams) return false
  }
  return false
}

/** The nodes below a node, itself included. */
function subtree(plan: PlanModel, id: number): PlanNode[] {
  const out: PlanNode[] = []
  const stack = [id]
  while (stack.length) {
    const n = plan.nodes[stack.pop()!]!
    out.push(n)
    stack.push(...n.children)
  }
  return out
}

/** A correlated subquery run once per outer row, taking much of the runtime: rewrite it as a join. */
const correlatedSubplan: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    const loops = n.actualLoops ?? 0
    if (n.parentRelationship !== 'SubPlan' || loops < ctx.th.subplan_min_loops || !matters(n, ctx)) continue
    const ms = n.inclusiveMs ?? 0
    // The column it correlates on: where a scan below filters by an outer value without an index.
    const scan = subtree(plan, n.id).find((x) => x.relation && x.filter && filterColumns(x.filter).equality.length > 0)
    const col = scan ? filterColumns(scan.filter!).equality[0]! : null
    out.push({
      rule: 'correlated_subplan',
      nodeId: n.id,
      severity: ms >= ctx.totalMs * 0.5 ? 'critical' : 'warning',
      title: `${n.subplanName ?? 'A SubPlan'} runs ${loops.toLocaleString('en-US')} times: ${fmtMs(ms)}, ${Math.round((ms / ctx.totalMs) * 100)}% of the runtime`,
      message: `A correlated subquery is run again for every outer row. Rewrite it as a join: a JOIN to the subquery grouped once by the correlation column, or LEFT JOIN LATERAL (...) ON true${
        col && scan ? `, with an index on ${qualifiedTable(scan)} (${col}) so each lookup is a probe` : ''
      }.`,
      // The whole of it: a join reads each side once.
      savingsMs: ms,
      sql: col && scan ? `CREATE INDEX ON ${qualifiedTable(scan)} (${col});` : null
    })
  }
  return out
}

/** A full (not partial) index of the table leading with the first proposed column. */
function existingIndex(ctx: Context, table: string, cols: string[]) {
  return ctx.facts?.indexes.get(table)?.find((i) => cols.length > 0 && i.columns[0] === cols[0] && !/\sWHERE\s/.test(i.def))
}

/** The index a filtered sequential scan wants (its filter's columns, equality first), or why an existing one was not used. */
function scanIndexProposal(n: PlanNode, ctx: Context): { sql: string | null; says: string } {
  const cols = filterColumns(n.filter!)
  const keys = [...cols.equality, ...cols.range].slice(0, 3)
  const have = existingIndex(ctx, n.relation!, keys)
  const proposal = keys.length ? `CREATE INDEX CONCURRENTLY ON ${qualifiedTable(n)} (${keys.join(', ')});` : null
  return {
    sql: have ? null : proposal,
    says: have
      ? ` An index with ${keys[0]} first exists (${have.name}) but the planner did not use it: check the filter's types and casts, and the table's statistics.`
      : proposal
        ? ` An index on (${keys.join(', ')}) would read only the matching rows.`
        : ''
  }
}

const seqScanFilter: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    if (n.nodeType !== 'Seq Scan' || !n.relation || !n.filter || n.rowsRemovedByFilter === null || n.actualRows === null) continue
    const loops = Math.max(1, n.actualLoops ?? 1)
    const removed = n.rowsRemovedByFilter * loops
    const kept = n.actualRows * loops
    const read = removed + kept
    if (read < ctx.th.seq_scan_min_rows || removed / read < ctx.th.seq_scan_discard_ratio || !matters(n, ctx)) continue
    const index = scanIndexProposal(n, ctx)
    out.push({
      rule: 'seq_scan_filter',
      nodeId: n.id,
      severity: 'warning',
      title: `Sequential scan on ${n.relation} discards ${((removed / read) * 100).toFixed(1)}% of the rows it reads`,
      message: `${label(n)} reads ${read} rows to keep ${kept} (Filter: ${n.filter}).${index.says}`,
      savingsMs: (n.exclusiveMs ?? 0) * (removed / read),
      sql: index.sql
    })
  }
  return out
}

/**
 * Without ANALYZE: a sequential scan the planner itself expects to keep a sliver of a large
 * table (its estimate against the table's row count in the catalog), with the index proposal.
 * Ranked by its share of the plan's estimated cost; the time it would save is not known.
 */
function estimatedSeqScans(plan: PlanModel, ctx: Context): Advice[] {
  const rootCost = planCost(plan) ?? 0
  const out: (Advice & { share: number })[] = []
  for (const n of plan.nodes) {
    if (n.nodeType !== 'Seq Scan' || !n.relation || !n.filter || n.planRows === null || n.totalCost === null) continue
    const tableRows = ctx.facts?.tableRows?.get(n.relation)
    if (tableRows === undefined || tableRows < ctx.th.seq_scan_min_rows) continue
    const kept = n.planRows / tableRows
    const share = rootCost > 0 ? n.totalCost / rootCost : 1
    if (kept > 1 - ctx.th.seq_scan_discard_ratio || share < ctx.th.min_time_share) continue
    const index = scanIndexProposal(n, ctx)
    out.push({
      rule: 'seq_scan_filter',
      nodeId: n.id,
      severity: 'warning',
      title: `Sequential scan on ${n.relation} expected to keep ${n.planRows} of about ${Math.round(tableRows).toLocaleString('en-US')} rows`,
      message: `${label(n)} reads the whole table to keep an estimated ${(kept * 100).toFixed(kept < 0.001 ? 3 : 1)}% (Filter: ${n.filter}); it is ${Math.round(share * 100)}% of the plan's estimated cost. Estimated, without ANALYZE: the catalog's row count and the planner's selectivity.${index.says}`,
      savingsMs: 0,
      sql: index.sql,
      share
    })
  }
  return out.sort((a, b) => b.share - a.share).map(({ share: _share, ...a }) => a)
}

const indexFilter: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    if (
      !/^(Index Scan|Index Only Scan|Bitmap Heap Scan)$/.test(n.nodeType) ||
      !n.filter ||
      n.rowsRemovedByFilter === null ||
      n.actualRows === null
    )
      continue
    const loops = Math.max(1, n.actualLoops ?? 1)
    const removed = n.rowsRemovedByFilter * loops
    const kept = n.actualRows * loops
    if (removed < ctx.th.index_filter_min_rows || removed < kept * ctx.th.index_filter_ratio || !matters(n, ctx)) continue
    const cond = n.indexCond ?? n.recheckCond ?? ''
    const f = filterColumns(n.filter)
    const c = filterColumns(cond)
    // Equality columns lead a btree best; the range column goes last.
    const keys = [...new Set([...f.equality, ...c.equality, ...c.range, ...f.range])].slice(0, 3)
    out.push({
      rule: 'index_filter',
      nodeId: n.id,
      severity: 'warning',
      title: `${label(n)} throws away ${removed} rows after the index`,
      message: `The index finds ${removed + kept} rows and the filter (${n.filter}) keeps ${kept}. A composite index with the filter's columns, or a partial index WHERE the constant condition holds, would find only the rows kept.`,
      savingsMs: (n.exclusiveMs ?? 0) * (removed / (removed + kept)),
      sql: n.relation && keys.length ? `CREATE INDEX CONCURRENTLY ON ${qualifiedTable(n)} (${keys.join(', ')});` : null
    })
  }
  return out
}

const workMemFor = (kb: number) => `${Math.max(1, Math.ceil((kb * 2) / 1024))}MB`

const spills: Rule = (plan, ctx) => {
  const out: Advice[] = []
  const current = ctx.facts?.workMemKb ?? null
  for (const n of plan.nodes) {
    let need: number | null = null
    let what = ''
    if (n.sortSpaceType === 'Disk' && n.sortSpaceKb !== null) {
      need = n.sortSpaceKb
      what = `sorts ${n.sortSpaceKb} kB on disk (${n.sortMethod})`
    } else if (n.nodeType === 'Hash' && (n.hashBatches ?? 1) > 1) {
      need = (n.peakMemoryKb ?? 0) * (n.hashBatches ?? 1)
      what = `builds its hash table in ${n.hashBatches} batches`
    } else if (n.nodeType === 'Aggregate' && (n.diskUsageKb ?? 0) > 0) {
      need = (n.peakMemoryKb ?? 0) + n.diskUsageKb!
      what = `spills ${n.diskUsageKb} kB of its hash table to disk`
    }
    if (need === null || !matters(n, ctx)) continue
    out.push({
      rule: n.nodeType === 'Sort' || n.nodeType === 'Incremental Sort' ? 'sort_spill' : 'hash_spill',
      nodeId: n.id,
      severity: 'warning',
      title: `${label(n)} spills to disk`,
      message: `${label(n)} ${what}${current !== null ? ` with work_mem at ${current} kB` : ''}. About ${workMemFor(need)} of work_mem would keep it in memory; set it for this query or role rather than server-wide (every sort and hash of every session may use that much).`,
      savingsMs: (n.exclusiveMs ?? 0) * 0.5,
      sql: `SET work_mem = '${workMemFor(need)}';`
    })
  }
  return out
}

const lossyBitmap: Rule = (plan, ctx) =>
  plan.nodes
    .filter((n) => n.nodeType === 'Bitmap Heap Scan' && (n.lossyHeapBlocks ?? 0) > 0 && matters(n, ctx))
    .map((n) => ({
      rule: 'lossy_bitmap',
      nodeId: n.id,
      severity: 'info' as const,
      title: `${label(n)} went lossy`,
      message: `The bitmap did not fit in work_mem: ${n.lossyHeapBlocks} heap blocks were kept as whole pages and every row on them rechecked (${n.rowsRemovedByIndexRecheck ?? 0} removed by the recheck). Raise work_mem for this query.`,
      savingsMs: (n.exclusiveMs ?? 0) * ((n.lossyHeapBlocks ?? 0) / Math.max(1, (n.lossyHeapBlocks ?? 0) + (n.exactHeapBlocks ?? 0))) * 0.5,
      sql: null
    }))

const heapFetches: Rule = (plan, ctx) =>
  plan.nodes
    .filter(
      (n) =>
        n.nodeType === 'Index Only Scan' &&
        (n.heapFetches ?? 0) > 0 &&
        (n.heapFetches ?? 0) >= (n.totalRows ?? 0) * ctx.th.heap_fetch_ratio &&
        matters(n, ctx)
    )
    .map((n) => ({
      rule: 'heap_fetches',
      nodeId: n.id,
      severity: 'info' as const,
      title: `${label(n)} still visits the table`,
      message: `${n.heapFetches} of its ${n.totalRows} rows needed a heap fetch: the visibility map is out of date, so the index-only scan is not index-only. VACUUM the table (and check autovacuum keeps up).`,
      savingsMs: (n.exclusiveMs ?? 0) * Math.min(1, (n.heapFetches ?? 0) / Math.max(1, n.totalRows ?? 1)) * 0.5,
      sql: n.relation ? `VACUUM (ANALYZE) ${qualifiedTable(n)};` : null
    }))

/** The scan a nested loop's inner side repeats, looked for through Memoize and Materialize. */
function innerScan(plan: PlanModel, inner: PlanNode): PlanNode {
  let n = inner
  while ((n.nodeType === 'Memoize' || n.nodeType === 'Materialize') && n.children.length === 1) n = plan.nodes[n.children[0]!]!
  return n
}

/** Scans that reach their rows through an index condition: each loop is a probe, not a read of the table. */
const INDEX_PROBES = new Set(['Index Scan', 'Index Only Scan', 'Bitmap Heap Scan'])

const nestedLoop: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    if (n.nodeType !== 'Nested Loop' || n.children.length < 2) continue
    const outer = plan.nodes[n.children[0]!]!
    const inner = plan.nodes[n.children[1]!]!
    if ((inner.actualLoops ?? 0) < ctx.th.nested_loop_min_loops || !matters(inner, ctx)) continue
    const scan = innerScan(plan, inner)
    const perLoop = (inner.inclusiveMs ?? 0) / Math.max(1, inner.actualLoops ?? 1)
    const spent = `${label(inner)} ran ${inner.actualLoops} times for ${fmtMs(inner.inclusiveMs ?? 0)} in all (${fmtMs(perLoop)} each).`
    const mis = misestimateOf(outer)
    const outerEstimate =
      mis && mis.under && mis.f >= ctx.th.misestimate_factor
        ? ` The outer side was estimated at ${outer.planRows} rows and gave ${outer.totalRows}: fixing that estimate (ANALYZE, extended statistics) lets the planner pick a hash join.`
        : ''
    let message: string
    if (INDEX_PROBES.has(scan.nodeType) && (scan.indexCond ?? scan.recheckCond)) {
      // The join column is indexed already: another index would not make a probe cheaper; the
      // number of probes is what costs.
      const index = scan.indexName ?? plan.nodes[scan.children[0] ?? -1]?.indexName ?? 'an index'
      message = `${spent} Each run is already a probe of ${index}, so another index on the join column will not help: the number of probes is the cost.${outerEstimate || ` To see what a hash join would cost instead, run the query in a transaction with SET LOCAL enable_nestloop = off.`}`
    } else
      message = `${spent} An index on the inner side's join column makes each loop cheap.${outerEstimate || ' If the outer side was underestimated, fixing the estimate lets the planner pick a hash join.'}`
    out.push({
      rule: 'nested_loop_inner',
      nodeId: n.id,
      severity: 'warning',
      title: `${label(n)} runs its inner side ${inner.actualLoops} times`,
      message,
      savingsMs: (inner.inclusiveMs ?? 0) * 0.5,
      sql: null
    })
  }
  return out
}

const workersNotLaunched: Rule = (plan) =>
  plan.nodes
    .filter(
      (n) =>
        (n.nodeType === 'Gather' || n.nodeType === 'Gather Merge') &&
        n.workersLaunched !== null &&
        n.workersPlanned !== null &&
        n.workersLaunched < n.workersPlanned
    )
    .map((n) => ({
      rule: 'workers_not_launched',
      nodeId: n.id,
      severity: 'warning' as const,
      title: `${n.workersLaunched} of ${n.workersPlanned} parallel workers launched`,
      message: `${label(n)} planned ${n.workersPlanned} workers and got ${n.workersLaunched}: the server ran out of background workers (max_worker_processes, max_parallel_workers). The plan ran slower than the planner assumed.`,
      savingsMs: (n.inclusiveMs ?? 0) * (1 - ((n.workersLaunched ?? 0) + 1) / ((n.workersPlanned ?? 0) + 1)),
      sql: null
    }))

const overheads: Rule = (plan, ctx) => {
  const out: Advice[] = []
  const exec = plan.executionMs ?? ctx.totalMs
  if (!(exec > 0)) return out
  const jit = plan.jit?.totalMs ?? 0
  if (jit >= exec * ctx.th.overhead_share)
    out.push({
      rule: 'jit_overhead',
      nodeId: null,
      severity: 'warning',
      title: `JIT compilation took ${fmtMs(jit)} of ${fmtMs(exec)}`,
      message: `Compiling ${plan.jit!.functions} functions cost more than it saved for a query this short. Turn JIT off for it, or raise jit_above_cost so only long queries compile.`,
      savingsMs: jit,
      sql: 'SET jit = off;'
    })
  const planning = plan.planningMs ?? 0
  if (planning >= exec * ctx.th.overhead_share && planning >= 1)
    out.push({
      rule: 'planning_overhead',
      nodeId: null,
      severity: 'info',
      title: `Planning took ${fmtMs(planning)}, execution ${fmtMs(exec)}`,
      message:
        'Most of the time goes to planning: prepared statements (or fewer partitions, joins or statistics to consider) would save it on every call.',
      savingsMs: planning * 0.8,
      sql: null
    })
  for (const t of plan.triggers) {
    if (t.timeMs < exec * ctx.th.overhead_share) continue
    const fk = /^RI_ConstraintTrigger/.test(t.name) || !/^[a-z_]+trg|^trg/i.test(t.name)
    out.push({
      rule: 'trigger_time',
      nodeId: null,
      severity: 'warning',
      title: `Trigger ${t.name} took ${fmtMs(t.timeMs)} over ${t.calls} calls`,
      message: fk
        ? `If ${t.name} is a foreign key's check, a slow one means the referencing column has no index: every change to the referenced table scans the referencing one.`
        : `The trigger's own work takes a large share of the statement.`,
      savingsMs: t.timeMs * 0.9,
      sql: null
    })
  }
  return out
}

const largeOffset: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    if (n.nodeType !== 'Limit' || n.children.length === 0 || n.totalRows === null) continue
    const child = plan.nodes[n.children[0]!]!
    const read = child.totalRows ?? 0
    if (read < ctx.th.offset_min_rows || read < Math.max(1, n.totalRows) * ctx.th.offset_ratio || !matters(n, ctx)) continue
    out.push({
      rule: 'large_offset',
      nodeId: n.id,
      severity: 'info',
      title: `${label(n)} reads ${read} rows to return ${n.totalRows}`,
      message:
        'A large OFFSET makes the server produce and throw away every skipped row. Paginate by key instead (WHERE sort_key > last seen value ORDER BY sort_key LIMIT n).',
      savingsMs: (child.inclusiveMs ?? 0) * (1 - n.totalRows / read),
      sql: null
    })
  }
  return out
}

const readInefficiency: Rule = (plan, ctx) => {
  const out: Advice[] = []
  for (const n of plan.nodes) {
    const b = n.exclusiveBuffers
    if (!b || n.totalRows === null || !n.relation) continue
    const blocks = b.sharedHit + b.sharedRead
    const loops = Math.max(1, n.actualLoops ?? 1)
    // A probe repeated per outer row reads its index's few pages each time: that is not waste.
    // (PostgreSQL rounds rows per loop: "rows=0" over 10,000 loops is not zero rows.)
    if (loops > 1 && blocks / loops <= ctx.th.probe_blocks_per_loop) continue
    const rows = n.actualRows === 0 && loops > 1 ? loops / 2 : n.totalRows
    if (blocks < ctx.th.blocks_min || blocks < Math.max(1, rows) * ctx.th.blocks_per_row || !matters(n, ctx)) continue
    out.push({
      rule: 'read_inefficiency',
      nodeId: n.id,
      severity: 'info',
      title: `${label(n)} reads ${blocks} blocks for ${n.totalRows} rows`,
      message: `${Math.round(blocks / Math.max(1, n.totalRows))} blocks (${Math.round((blocks * 8) / 1024)} MiB) per row returned: the rows it needs are spread thin or the table is bloated. A better index, or VACUUM FULL / pg_repack for bloat, reads fewer pages.`,
      savingsMs: (n.exclusiveMs ?? 0) * 0.5,
      sql: null
    })
  }
  return out
}

export const ADVICE_RULES: Record<string, Rule> = {
  row_misestimate: misestimate,
  seq_scan_filter: seqScanFilter,
  index_filter: indexFilter,
  spills,
  lossy_bitmap: lossyBitmap,
  heap_fetches: heapFetches,
  nested_loop_inner: nestedLoop,
  workers_not_launched: workersNotLaunched,
  overheads,
  large_offset: largeOffset,
  read_inefficiency: readInefficiency,
  correlated_subplan: correlatedSubplan
}

/** Every rule on an analysed plan; the list sorted by the time each item could save. */
export function advise(plan: PlanModel, facts: LiveFacts | null = null, th: ExplainThresholds = EXPLAIN_THRESHOLDS): Advice[] {
  // Without an execution time (a pasted plan cut short), the roots' own times stand for it.
  const rootsMs = planRoots(plan).reduce((sum, id) => sum + (plan.nodes[id]!.inclusiveMs ?? 0), 0)
  const ctx: Context = { totalMs: plan.executionMs ?? rootsMs, facts, th }
  // An estimated plan (no ANALYZE: what a production profile allows) has no times to weigh: the
  // estimates and the catalog still show a scan that reads a whole large table for a few rows.
  if (!plan.analyzed) return estimatedSeqScans(plan, ctx)
  const out = Object.values(ADVICE_RULES).flatMap((r) => r(plan, ctx))
  return out.sort((a, b) => b.savingsMs - a.savingsMs)
}
