import type { PlanBuffers, PlanModel, PlanNode } from '../../../shared/explain'
import { emptyBuffers } from './model'

/** The fields of a text plan's lines: a node's head, its buffers, its attributes, the summary. */
export const COST = /\(cost=(-?[\d.]+)\.\.(-?[\d.]+) rows=([\d.]+) width=(\d+)\)/
export const ACTUAL = /\(actual time=([\d.]+)\.\.([\d.]+) rows=([\d.]+) loops=(\d+)\)/
export const ACTUAL_NO_TIMING = /\(actual rows=([\d.]+) loops=(\d+)\)/
export const NEVER = /\(never executed\)/
// 18 names them by their output: "InitPlan expr_1", "SubPlan any_1".
export const SUBPLAN_HEADER = /^(InitPlan \S+.*|SubPlan \S+.*|CTE \S+.*)$/

/** Splits "a, f(b, c), d" at the commas outside parentheses and quotes. */
export function splitTopLevel(s: string): string[] {
  const out: string[] = []
  let depth = 0
  let quote: string | null = null
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quote) {
      if (c === quote) quote = null
    } else if (c === "'" || c === '"') quote = c
    else if (c === '(' || c === '[') depth++
    else if (c === ')' || c === ']') depth--
    else if (c === ',' && depth === 0 && s[i + 1] === ' ') {
      out.push(s.slice(start, i).trim())
      start = i + 2
    }
  }
  const last = s.slice(start).trim()
  if (last) out.push(last)
  return out
}

/**
 * "public.orders o", "\"*SELECT* 1\"", "\"my schema\".\"t\" x": space-separated names, each a
 * dot-separated list of identifiers, double quotes removed as SQL reads them.
 */
export function identifiers(s: string): string[][] {
  const out: string[][] = []
  let parts: string[] = []
  let cur = ''
  let quoted = false
  let any = false
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"'
        i++
      } else if (c === '"') quoted = false
      else cur += c
    } else if (c === '"') {
      quoted = true
      any = true
    } else if (c === '.') {
      parts.push(cur)
      cur = ''
    } else if (c === ' ') {
      if (cur || any || parts.length) {
        parts.push(cur)
        out.push(parts)
      }
      parts = []
      cur = ''
      any = false
    } else {
      cur += c
      any = true
    }
  }
  if (cur || any || parts.length) {
    parts.push(cur)
    out.push(parts)
  }
  return out
}

/** Node types whose text name is the JSON name. */
export const PLAIN_NODE_TYPES = new Set([
  'Result',
  // postgres_fdw's scan of a pushed-down join or aggregate names no relation.
  'Foreign Scan',
  'ProjectSet',
  'Append',
  'Merge Append',
  'Recursive Union',
  'BitmapAnd',
  'BitmapOr',
  'Gather',
  'Gather Merge',
  'Materialize',
  'Memoize',
  'Sort',
  'Incremental Sort',
  'Group',
  'Unique',
  'Hash',
  'Limit',
  'LockRows',
  'WindowAgg',
  'Window Aggregate'
])

/**
 * "Seq Scan on public.orders o" and friends: the node type and what it names, as JSON names them.
 * Says whether the head is a node type Lookout knows (an unknown one is accepted only with costs).
 */
export function readHead(node: PlanNode, head: string): boolean {
  let h = head.trim()
  if (h.startsWith('Async ')) h = h.slice(6)
  if (h.startsWith('Parallel ')) {
    node.parallelAware = true
    h = h.slice(9)
  }
  let m: RegExpExecArray | null
  const relation = (target: string, kind: 'relation' | 'function' | 'cte' | 'alias') => {
    const [first, second] = identifiers(target)
    const name = first ?? []
    const alias = second?.join('.')
    let schema: string | null = null
    let bare = name.join('.')
    if (name.length === 2 && kind !== 'alias') {
      schema = name[0]!
      bare = name[1]!
    }
    if (kind === 'relation') node.relation = bare
    else if (kind === 'function') node.functionName = bare
    else if (kind === 'cte') node.cteName = bare
    node.schema = schema
    node.alias = alias ?? bare
  }
  if ((m = /^(Index Only Scan|Index Scan)( Backward)? using (\S+) on (.+)$/.exec(h))) {
    node.nodeType = m[1]!
    if (m[2]) node.operation = 'Backward'
    node.indexName = m[3]!
    relation(m[4]!, 'relation')
  } else if ((m = /^Bitmap Index Scan on (\S+)$/.exec(h))) {
    node.nodeType = 'Bitmap Index Scan'
    node.indexName = m[1]!
  } else if ((m = /^(Seq Scan|Sample Scan|Tid Scan|Tid Range Scan|Foreign Scan|Bitmap Heap Scan) on (.+)$/.exec(h))) {
    node.nodeType = m[1]!
    // JSON gives a foreign scan's command, "Select" for a read.
    if (m[1] === 'Foreign Scan') node.operation = 'Select'
    relation(m[2]!, 'relation')
  } else if (h === 'Foreign Scan') {
    // A join or aggregate pushed down to the remote server: no relation of its own.
    node.nodeType = h
    node.operation = 'Select'
  } else if ((m = /^(Function Scan|Table Function Scan) on (.+)$/.exec(h))) {
    node.nodeType = m[1]!
    relation(m[2]!, 'function')
  } else if ((m = /^(CTE Scan|WorkTable Scan|Named Tuplestore Scan) on (.+)$/.exec(h))) {
    node.nodeType = m[1]!
    relation(m[2]!, 'cte')
  } else if ((m = /^(Subquery Scan|Values Scan) on (.+)$/.exec(h)) ?? (m = /^(Subquery Scan) (?!on )(\S+)$/.exec(h))) {
    // Servers before 9.0 printed "Subquery Scan name", without "on".
    node.nodeType = m[1]!
    relation(m[2]!, 'alias')
  } else if ((m = /^(Hash|Merge)(?: (Left|Right|Full|Semi|Anti|Right Anti|Right Semi))? Join$/.exec(h))) {
    node.nodeType = `${m[1]} Join`
    node.joinType = m[2] ?? 'Inner'
  } else if ((m = /^Nested Loop(?: (Left|Right|Full|Semi|Anti|Right Anti|Right Semi) Join)?$/.exec(h))) {
    node.nodeType = 'Nested Loop'
    node.joinType = m[1] ?? 'Inner'
  } else if ((m = /^(Partial |Finalize )?(HashAggregate|GroupAggregate|MixedAggregate|Aggregate)$/.exec(h))) {
    node.nodeType = 'Aggregate'
    node.partialMode = m[1] ? m[1].trim() : null
    node.strategy = { HashAggregate: 'Hashed', GroupAggregate: 'Sorted', MixedAggregate: 'Mixed', Aggregate: 'Plain' }[m[2]!]!
  } else if ((m = /^(HashSetOp|SetOp) (.+)$/.exec(h))) {
    node.nodeType = 'SetOp'
    node.strategy = m[1] === 'HashSetOp' ? 'Hashed' : 'Sorted'
    node.operation = m[2]!
  } else if ((m = /^Foreign (Insert|Update|Delete)(?: on (.+))?$/.exec(h))) {
    // A foreign scan that modifies on the remote server (postgres_fdw's direct modify): JSON's
    // "Node Type" is "Foreign Scan", its "Operation" the command. Without VERBOSE, or when the
    // remote statement joins, no relation follows.
    node.nodeType = 'Foreign Scan'
    node.operation = m[1]!
    if (m[2]) relation(m[2], 'relation')
  } else if ((m = /^(Insert|Update|Delete|Merge) on (.+)$/.exec(h))) {
    node.nodeType = 'ModifyTable'
    node.operation = m[1]!
    relation(m[2]!, 'relation')
  } else if ((m = /^Custom Scan \((.+)\)(?: on (.+))?$/.exec(h))) {
    node.nodeType = 'Custom Scan'
    if (m[2]) relation(m[2], 'relation')
  } else {
    node.nodeType = h
    return PLAIN_NODE_TYPES.has(h)
  }
  return true
}

export function readBuffers(b: PlanBuffers, text: string): void {
  for (const part of text.split(/,\s*/)) {
    const kind = /^(shared|local|temp)\s+(.*)$/.exec(part.trim())
    if (!kind) continue
    for (const [, k, v] of kind[2]!.matchAll(/(hit|read|dirtied|written)=(\d+)/g)) {
      const n = Number(v)
      if (kind[1] === 'shared') {
        if (k === 'hit') b.sharedHit = n
        else if (k === 'read') b.sharedRead = n
        else if (k === 'dirtied') b.sharedDirtied = n
        else b.sharedWritten = n
      } else if (kind[1] === 'local') {
        if (k === 'hit') b.localHit = n
        else if (k === 'read') b.localRead = n
      } else if (k === 'read') b.tempRead = n
      else if (k === 'written') b.tempWritten = n
    }
  }
}

/** One "Key: value" line under a node. Unknown keys are kept out of the model, never an error. */
export function readAttribute(node: PlanNode, key: string, value: string): void {
  const int = () => Number(value)
  switch (key) {
    case 'Filter':
      node.filter = value
      break
    case 'Index Cond':
      node.indexCond = value
      break
    case 'Recheck Cond':
      node.recheckCond = value
      break
    case 'Join Filter':
      node.joinFilter = value
      break
    case 'Hash Cond':
      node.hashCond = value
      break
    case 'Merge Cond':
      node.mergeCond = value
      break
    case 'Sort Key':
      node.sortKey = splitTopLevel(value)
      break
    case 'Group Key':
      node.groupKey = splitTopLevel(value)
      break
    case 'Rows Removed by Filter':
      node.rowsRemovedByFilter = int()
      break
    case 'Rows Removed by Join Filter':
      node.rowsRemovedByJoinFilter = int()
      break
    case 'Rows Removed by Index Recheck':
      node.rowsRemovedByIndexRecheck = int()
      break
    case 'Heap Fetches':
      node.heapFetches = int()
      break
    case 'Workers Planned':
      node.workersPlanned = int()
      break
    case 'Workers Launched':
      node.workersLaunched = int()
      break
    case 'Heap Blocks': {
      const exact = /exact=(\d+)/.exec(value)
      const lossy = /lossy=(\d+)/.exec(value)
      node.exactHeapBlocks = exact ? Number(exact[1]) : null
      node.lossyHeapBlocks = lossy ? Number(lossy[1]) : null
      break
    }
    case 'Sort Method': {
      const m = /^(.+?)\s+(Memory|Disk):\s*(\d+)kB/.exec(value)
      if (m) {
        node.sortMethod = m[1]!
        node.sortSpaceType = m[2]!
        node.sortSpaceKb = Number(m[3])
      } else node.sortMethod = value
      break
    }
    case 'Buckets':
    case 'Batches': {
      const line = `${key}: ${value}`
      const buckets = /Buckets: (\d+)/.exec(line)
      const batches = /Batches: (\d+)(?: \(originally (\d+)\))?/.exec(line)
      if (buckets) node.hashBuckets = Number(buckets[1])
      if (batches) {
        node.hashBatches = Number(batches[1])
        if (batches[2]) node.originalHashBatches = Number(batches[2])
        else if (buckets) node.originalHashBatches = Number(batches[1])
      }
      const mem = /Memory Usage: (\d+)kB/.exec(line)
      if (mem) node.peakMemoryKb = Number(mem[1])
      const disk = /Disk Usage: (\d+)kB/.exec(line)
      if (disk) node.diskUsageKb = Number(disk[1])
      break
    }
    case 'Buffers':
      node.buffers ??= emptyBuffers()
      readBuffers(node.buffers, value)
      break
    case 'I/O Timings': {
      const read = /(?:shared )?read=([\d.]+)/.exec(value)
      const write = /(?:shared )?write=([\d.]+)/.exec(value)
      if (read) node.ioReadMs = Number(read[1])
      if (write) node.ioWriteMs = Number(write[1])
      break
    }
    case 'Hits':
    case 'Memory Usage': {
      const mem = /Memory Usage: (\d+)kB/.exec(`${key}: ${value}`)
      if (mem) node.peakMemoryKb = Number(mem[1])
      break
    }
  }
}

export function readSummary(plan: PlanModel, key: string, value: string, block: string | null): string | null {
  const k = key.toLowerCase()
  // Several plans in one output (a rule's statements) each give their times: they add up.
  if (k === 'planning time') plan.planningMs = (plan.planningMs ?? 0) + parseFloat(value)
  else if (k === 'execution time' || k === 'total runtime') plan.executionMs = (plan.executionMs ?? 0) + parseFloat(value)
  else if (k === 'planning' || k === 'jit') return k
  else if (k === 'serialization') {
    const m = /time=([\d.]+)/.exec(value)
    if (m) plan.serializationMs = Number(m[1])
  } else if (k === 'query text') plan.queryText = value
  else if (k === 'query identifier') plan.queryId = value
  else if (k === 'settings') {
    for (const part of splitTopLevel(value)) {
      const m = /^(\S+) = '(.*)'$/.exec(part)
      if (m) plan.settings[m[1]!] = m[2]!
    }
  } else if (block === 'planning' && k === 'buffers') {
    plan.planningBuffers = emptyBuffers()
    readBuffers(plan.planningBuffers, value)
  } else if (block === 'jit') {
    plan.jit ??= { functions: 0, generationMs: null, inliningMs: null, optimizationMs: null, emissionMs: null, totalMs: null }
    if (k === 'functions') plan.jit.functions = Number(value)
    else if (k === 'timing') {
      const t = (name: string) => {
        const m = new RegExp(`${name} ([\\d.]+) ms`).exec(value)
        return m ? Number(m[1]) : null
      }
      plan.jit.generationMs = t('Generation')
      plan.jit.inliningMs = t('Inlining')
      plan.jit.optimizationMs = t('Optimization')
      plan.jit.emissionMs = t('Emission')
      plan.jit.totalMs = t('Total')
    }
  }
  return block
}
