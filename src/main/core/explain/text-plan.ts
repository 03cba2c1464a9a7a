import type { PlanModel, PlanNode } from '../../../shared/explain'
import { emptyNode, emptyPlan, PlanParseError, stripPsql } from './model'
import { COST, ACTUAL, ACTUAL_NO_TIMING, NEVER, SUBPLAN_HEADER, readHead, readAttribute, readSummary } from './text-plan-fields'

export { identifiers, splitTopLevel } from './text-plan-fields'
const TRIGGER = /^Trigger (?:for constraint )?(.+?)(?: on (\S+))?: time=([\d.]+) calls=(\d+)$/

/** Lines of a plan from psql, pgAdmin, a log line or auto_explain, without their wrapping. */
function planLines(input: string): string[] {
  let lines = stripPsql(input)
  // auto_explain in a server log: everything up to "plan:" is the log line's prefix.
  const at = lines.findIndex((l) => /\bplan:\s*$/.test(l))
  if (at >= 0) lines = lines.slice(at + 1).map((l) => l.replace(/^\t/, ''))
  // pgAdmin copies each row in double quotes.
  const nonEmpty = lines.filter((l) => l.trim())
  if (nonEmpty.length && nonEmpty.every((l) => /^\s*".*"\s*$/.test(l)))
    lines = lines.map((l) => l.replace(/^\s*"(.*)"\s*$/, '$1').replace(/""/g, '"'))
  return lines.map((l) => (l.includes('\t') ? l.replace(/\t/g, '        ') : l).trimEnd())
}

const indentOf = (l: string) => l.length - l.trimStart().length

/** Reads EXPLAIN's text format into the same model the JSON format gives. Iterative; errors name the line. */
export function parseTextPlan(input: string): PlanModel {
  const plan = emptyPlan()
  const lines = planLines(input)
  // Open nodes and subplan headers, by the column their name starts at.
  const stack: { col: number; node: number; header: string | null }[] = []
  let rootCol = -1
  let block: string | null = null
  let blockCol = -1
  let last: PlanNode | null = null
  /** A blank line after a tree: a statement a rule rewrote into several prints one plan each, blank lines between. */
  let afterBlank = false
  /** The innermost open node whose column is left of a line: whose attribute the line is. */
  const ownerOf = (indent: number): PlanNode | null => {
    for (let s = stack.length - 1; s >= 0; s--) {
      const e = stack[s]!
      if (e.header === null && e.col < indent) return plan.nodes[e.node]!
    }
    return last
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const lineNo = i + 1
    if (!line.trim()) {
      if (plan.nodes.length) afterBlank = true
      continue
    }
    const indent = indentOf(line)
    const nextRoot = afterBlank && indent === rootCol
    afterBlank = false
    let body = line.trim()
    const arrow = body.startsWith('->')
    if (arrow) body = body.replace(/^->\s*/, '')
    // The first node: a line with costs or actual figures, or (COSTS OFF) one that is no "Key:" line;
    // after auto_explain's "Query Text:", the query's own lines come first, so only a known head.
    const figures = COST.test(body) || ACTUAL.test(body) || ACTUAL_NO_TIMING.test(body) || NEVER.test(body)
    const isNode =
      arrow ||
      (nextRoot && (figures || readHead(emptyNode(0, -1, 0, ''), body))) ||
      (plan.nodes.length === 0 &&
        (figures || (plan.queryText === null ? !/^[A-Z][A-Za-z /-]*:/.test(body) : readHead(emptyNode(0, -1, 0, ''), body))))
    if (isNode) {
      const col = arrow
        ? line.indexOf('->') + 2 + (line.slice(line.indexOf('->') + 2).length - line.slice(line.indexOf('->') + 2).trimStart().length)
        : indent
      if (plan.nodes.length === 0) rootCol = col
      else if (nextRoot && !arrow) stack.length = 0
      else if (col <= rootCol) throw new PlanParseError(`a plan has one root node, but "${body.slice(0, 40)}" starts another`, lineNo)
      while (stack.length && stack[stack.length - 1]!.col >= col) stack.pop()
      let header: string | null = null
      let parentEntry = stack[stack.length - 1]
      if (parentEntry && parentEntry.header !== null) {
        header = parentEntry.header
        stack.pop()
        parentEntry = stack[stack.length - 1]
        // The header stays open for its node's siblings? No: one node per InitPlan/SubPlan/CTE.
      }
      const parent = parentEntry ? parentEntry.node : -1
      if (plan.nodes.length > 0 && parent < 0 && !(nextRoot && !arrow))
        throw new PlanParseError(`"${body.slice(0, 40)}" is not inside any node`, lineNo)
      // Two blanks before "(cost=", one before "(actual" when COSTS OFF.
      const headEnd = body.search(/\s+\((?:cost=|actual |never executed)/)
      const node = emptyNode(plan.nodes.length, parent, parent < 0 ? 0 : plan.nodes[parent]!.depth + 1, '')
      const known = readHead(node, headEnd >= 0 ? body.slice(0, headEnd) : body)
      if (!node.nodeType) throw new PlanParseError('a plan node without a name', lineNo)
      // A node type Lookout does not know is taken on trust only when its costs say it is a node.
      if (!known && headEnd < 0)
        throw new PlanParseError(`expected a plan node such as "Seq Scan on t  (cost=...)", found "${body.slice(0, 60)}"`, lineNo)
      const cost = COST.exec(body)
      if (cost) {
        node.startupCost = Number(cost[1])
        node.totalCost = Number(cost[2])
        node.planRows = Number(cost[3])
        node.planWidth = Number(cost[4])
      }
      const actual = ACTUAL.exec(body)
      const noTiming = actual ? null : ACTUAL_NO_TIMING.exec(body)
      if (actual) {
        node.actualStartupMs = Number(actual[1])
        node.actualTotalMs = Number(actual[2])
        node.actualRows = Number(actual[3])
        node.actualLoops = Number(actual[4])
      } else if (noTiming) {
        node.actualRows = Number(noTiming[1])
        node.actualLoops = Number(noTiming[2])
      } else if (NEVER.test(body)) {
        node.neverExecuted = true
        node.actualStartupMs = 0
        node.actualTotalMs = 0
        node.actualRows = 0
        node.actualLoops = 0
      }
      if (header) {
        node.parentRelationship = header.startsWith('SubPlan') ? 'SubPlan' : 'InitPlan'
        node.subplanName = header
      }
      plan.nodes.push(node)
      if (parent >= 0) plan.nodes[parent]!.children.push(node.id)
      stack.push({ col, node: node.id, header: null })
      last = node
      block = null
      continue
    }
    if (plan.nodes.length === 0) {
      // Before the plan: auto_explain's "Query Text:" and a query text spread over lines.
      const kv = /^([A-Za-z][A-Za-z /-]*?):\s*(.*)$/.exec(body)
      if (kv && kv[1] === 'Query Text') plan.queryText = kv[2]!
      else if (plan.queryText !== null) plan.queryText += '\n' + body
      else throw new PlanParseError(`expected a plan node such as "Seq Scan on t  (cost=...)", found "${body.slice(0, 60)}"`, lineNo)
      continue
    }
    if (SUBPLAN_HEADER.test(body) && indent > rootCol) {
      while (stack.length && stack[stack.length - 1]!.col >= indent + 1 && stack[stack.length - 1]!.header === null) stack.pop()
      stack.push({ col: indent, node: stack.length ? stack[stack.length - 1]!.node : 0, header: body })
      continue
    }
    if (/^Worker \d+:/.test(body)) continue
    const trig = TRIGGER.exec(body)
    if (trig && indent <= rootCol) {
      plan.triggers.push({ name: trig[1]!, relation: trig[2] ?? null, timeMs: Number(trig[3]), calls: Number(trig[4]) })
      continue
    }
    // An extension's section after the tree (pg_overexplain's "RTI 1 (relation):" of
    // RANGE_TABLE, 18+): a heading at the root's column and its own lines, none of them the plan's.
    if (indent <= rootCol && /^[A-Z].*\S:$/.test(body) && !/^[A-Za-z][A-Za-z/ -]*:$/.test(body)) {
      block = 'extension'
      blockCol = indent
      continue
    }
    if (block === 'extension' && indent > blockCol) continue
    // Keys may have hyphens: "One-Time Filter", "Full-sort Groups", "Pre-sorted Groups".
    const kv = /^([A-Za-z][A-Za-z/ -]*?):\s*(.*)$/.exec(body)
    if (!kv) {
      // Under a ModifyTable on a partitioned table (14+), one line per partition it writes to.
      const owner = ownerOf(indent)
      if (owner?.nodeType === 'ModifyTable' && /^(?:Foreign )?(?:Insert|Update|Delete|Merge) on \S+(?: \S+)?$/.test(body)) continue
    }
    if (!kv) throw new PlanParseError(`expected "Key: value" or a plan node, found "${body.slice(0, 60)}"`, lineNo)
    const [, key, value] = kv as unknown as [string, string, string]
    if (indent <= rootCol) {
      block = readSummary(plan, key, value, null)
      blockCol = indent
      continue
    }
    if (block && indent > blockCol && (plan.nodes.length === 0 || indent <= rootCol + 2) && isSummaryBlockLine(block, key)) {
      readSummary(plan, key, value, block)
      continue
    }
    const owner = ownerOf(indent)
    if (owner) readAttribute(owner, key, value)
  }
  if (plan.nodes.length === 0) throw new PlanParseError('no plan node found: paste the output of EXPLAIN')
  plan.analyzed = plan.nodes.some((x) => x.actualLoops !== null)
  return plan
}

function isSummaryBlockLine(block: string, key: string): boolean {
  if (block === 'planning') return key === 'Buffers' || key === 'Memory'
  if (block === 'jit') return key === 'Functions' || key === 'Options' || key === 'Timing'
  return false
}
