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
/**
 * auto_explain in a server log: the plan after the log line's "plan:", the tab the log puts
 * before each continuation line taken off; null when the input is not one.
 */
export function autoExplainBody(input: string): string | null {
  const m = /(?:^|\n)[^\n]*\bplan:[ \t]*\r?\n/.exec(input.slice(0, 4096))
  if (!m) return null
  return input
    .slice(m.index + m[0].length)
    .split('\n')
    .map((l) => l.replace(/^\t/, ''))
    .join('\n')
}

/** The values of a one-column CSV text, each split into its lines. */
function csvColumn(text: string): string[] {
  const out: string[] = []
  let i = 0
  while (i < text.length) {
    if (text[i] === '"') {
      let v = ''
      i++
      for (;;) {
        const q = text.indexOf('"', i)
        if (q < 0) {
          v += text.slice(i)
          i = text.length
          break
        }
        v += text.slice(i, q)
        if (text[q + 1] === '"') {
          v += '"'
          i = q + 2
        } else {
          i = q + 1
          break
        }
      }
      out.push(...v.split('\n'))
      // The row ends at the newline after the closing quote.
      const nl = text.indexOf('\n', i)
      i = nl < 0 ? text.length : nl + 1
    } else {
      const nl = text.indexOf('\n', i)
      out.push(text.slice(i, nl < 0 ? text.length : nl))
      i = nl < 0 ? text.length : nl + 1
    }
  }
  return out
}

export function stripPsql(input: string): string[] {
  let lines = input.replace(/\r\n?/g, '\n').split('\n')
  // psql --csv: the header "QUERY PLAN" on its own, then one field per row, quoted when it holds a
  // comma, a quote or a newline (a JSON plan is one field over many lines).
  const firstTwo = lines.filter((l) => l.trim()).slice(0, 2)
  if (firstTwo[0] === 'QUERY PLAN' && !/^[-\s\u2500-\u257f+]+$/.test(firstTwo[1] ?? ''))
    lines = csvColumn(lines.slice(lines.indexOf('QUERY PLAN') + 1).join('\n'))
  // psql's expanded output (\x): "-[ RECORD 1 ]---", then "QUERY PLAN | line" and "           | line"
  // (inside a border with \pset border 2, in box characters with the unicode line style).
  const expanded = lines.some((l) => RECORD.test(l.trim()))
  const cells: string[] = []
  for (let raw of lines) {
    // Rules and corners, ASCII or unicode; a record's header line.
    if (/^[-+=\s]{5,}$/.test(raw) || (raw.trim() && /^[\s\u2500-\u257f]+$/.test(raw)) || RECORD.test(raw.trim())) continue
    // The row count, in any language psql speaks: "(3 rows)", "(3 lignes)", "(1 Zeile)".
    if (/^\s*\(\d+ [^\d()]{1,20}\)\s*$/.test(raw)) continue
    // psql's bordered output (\pset border 2), ASCII or unicode: "| Seq Scan ... |"
    const bordered = /^\s*[|\u2502](.*)[|\u2502]\s*$/.exec(raw)
    if (bordered) raw = bordered[1]!
    if (/^\s*QUERY PLAN\s*$/.test(raw)) continue
    if (expanded) {
      const cell = /^\s*(?:QUERY PLAN)?\s*[|\u2502] ?(.*)$/.exec(raw)
      if (cell) raw = cell[1]!
    }
    cells.push(raw)
  }
  // A cell that continues on the next line ends in "+" ("↵" with the unicode line style) in the
  // column after its widest line: padding before it on the others, none on the widest. That
  // column is the one where most lines end in the mark.
  const markAt = new Map<number, number>()
  for (const l of cells) {
    const t = l.trimEnd()
    if (isWrapMark(t.charCodeAt(t.length - 1))) markAt.set(t.length, (markAt.get(t.length) ?? 0) + 1)
  }
  let markEnd = -1
  let most = 1
  for (const [len, n] of markAt)
    if (n > most) {
      most = n
      markEnd = len
    }
  return cells.map((raw) => {
    // (No /\s+\+$/: a regex anchored at the end backtracks over every run of spaces, quadratic on deep plans' indents.)
    const end = raw.trimEnd()
    return isWrapMark(end.charCodeAt(end.length - 1)) && (/\s/.test(end[end.length - 2] ?? '') || end.length === markEnd)
      ? end.slice(0, -1).trimEnd()
      : raw
  })
}

const RECORD = /^[+\u250c\u251c\u2514]?[-\u2500]\[ RECORD \d+ \][-\u2500]*[+\u2510\u2524\u2518]?$/
/** "+", or "↵" in psql's unicode line style. */
const isWrapMark = (c: number) => c === 43 || c === 0x21b5
