import type { PlanBuffers, PlanModel, PlanNode } from '../../../shared/explain'

/** A plan that cannot be read: says where and what was expected. */
export class PlanParseError extends Error {
  constructor(
    message: string,
    readonly line: number | null = null
  ) {
    super(line === null ? message : `line ${line}: ${message}`)
    this.name = 'PlanParseError'
  }
}

export function emptyNode(id: number, parent: number, depth: number, nodeType: string): PlanNode {
  return {
    id,
    parent,
    depth,
    children: [],
    nodeType,
    joinType: null,
    strategy: null,
    operation: null,
    partialMode: null,
    parallelAware: false,
    parentRelationship: null,
    subplanName: null,
    relation: null,
    schema: null,
    alias: null,
    indexName: null,
    cteName: null,
    functionName: null,
    startupCost: null,
    totalCost: null,
    planRows: null,
    planWidth: null,
    actualStartupMs: null,
    actualTotalMs: null,
    actualRows: null,
    actualLoops: null,
    neverExecuted: false,
    workersPlanned: null,
    workersLaunched: null,
    filter: null,
    indexCond: null,
    recheckCond: null,
    joinFilter: null,
    hashCond: null,
    mergeCond: null,
    sortKey: [],
    groupKey: [],
    rowsRemovedByFilter: null,
    rowsRemovedByJoinFilter: null,
    rowsRemovedByIndexRecheck: null,
    heapFetches: null,
    exactHeapBlocks: null,
    lossyHeapBlocks: null,
    sortMethod: null,
    sortSpaceType: null,
    sortSpaceKb: null,
    hashBuckets: null,
    hashBatches: null,
    originalHashBatches: null,
    peakMemoryKb: null,
    diskUsageKb: null,
    buffers: null,
    ioReadMs: null,
    ioWriteMs: null,
    inclusiveMs: null,
    exclusiveMs: null,
    totalRows: null,
    estimateFactor: null,
    exclusiveBuffers: null
  }
}

export function emptyBuffers(): PlanBuffers {
  return { sharedHit: 0, sharedRead: 0, sharedDirtied: 0, sharedWritten: 0, localHit: 0, localRead: 0, tempRead: 0, tempWritten: 0 }
}

export function emptyPlan(): PlanModel {
  return {
    nodes: [],
    analyzed: false,
    planningMs: null,
    executionMs: null,
    serializationMs: null,
    triggers: [],
    jit: null,
    settings: {},
    queryText: null,
    queryId: null,
    planningBuffers: null
  }
}

/**
 * Strips what psql and logs wrap around a plan: the "QUERY PLAN" header and its dashes, the
 * "(N rows)" footer, the "+" that marks a continued cell, a border's "|".
 */
export function stripPsql(input: string): string[] {
  const lines = input.replace(/\r\n?/g, '\n').split('\n')
  const out: string[] = []
  for (let raw of lines) {
    if (/^\s*QUERY PLAN\s*$/.test(raw) || /^\s*-{5,}\s*$/.test(raw) || /^[-+]{5,}$/.test(raw.trim())) continue
    if (/^\s*\(\d+ rows?\)\s*$/.test(raw)) continue
    // psql's expanded or bordered output: "| Seq Scan ... |"
    const bordered = /^\s*\|(.*)\|\s*$/.exec(raw)
    if (bordered) raw = bordered[1]!
    // A cell that continues on the next line ends in "+" after padding. (No /\s+\+$/: a regex
    // anchored at the end backtracks over every run of spaces, quadratic on deep plans' indents.)
    const end = raw.trimEnd()
    if (end.endsWith('+') && /\s/.test(end[end.length - 2] ?? '')) raw = end.slice(0, -1).trimEnd()
    out.push(raw)
  }
  return out
}
