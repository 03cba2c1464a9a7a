import { describe, expect, it } from 'vitest'
import type { PlanNode } from '../../src/shared/explain'
import { parsePlan } from '../../src/main/core/explain'
import { jsonTree, regressPlans, textTree, type DerivedNode, type RegressPlan } from '../helpers/pg-regress-corpus'

/**
 * Every plan in PostgreSQL's own regression outputs (each major Debian ships a source package
 * of, fetched by scripts/fetch-pg-regress.sh), pasted into Lookout exactly as psql printed it.
 * Each is checked against what can be derived without Lookout: the tree PostgreSQL's text layout
 * draws or its JSON holds (node count and parents), and each node's type as PostgreSQL would print
 * it from the model's fields (explain.c's names).
 */

const JOIN_TYPES = new Set(['Left', 'Right', 'Full', 'Semi', 'Anti', 'Right Semi', 'Right Anti'])
const AGG_NAMES: Record<string, string> = { Plain: 'Aggregate', Sorted: 'GroupAggregate', Hashed: 'HashAggregate', Mixed: 'MixedAggregate' }

/** The start of the node's line as explain.c writes it in the text format, from the model's fields. */
function textHead(n: PlanNode): string {
  let name = n.nodeType
  switch (n.nodeType) {
    case 'Aggregate':
      name = AGG_NAMES[n.strategy ?? 'Plain'] ?? 'Aggregate'
      if (n.partialMode && n.partialMode !== 'Simple') name = `${n.partialMode} ${name}`
      break
    case 'SetOp':
      name = n.strategy === 'Hashed' ? 'HashSetOp' : 'SetOp'
      break
    case 'ModifyTable':
      name = n.operation ?? 'ModifyTable'
      break
    case 'Foreign Scan':
      if (n.operation && n.operation !== 'Select') name = `Foreign ${n.operation}`
      break
    case 'Nested Loop':
    case 'Hash Join':
    case 'Merge Join': {
      const base = n.nodeType === 'Nested Loop' ? 'Nested Loop' : n.nodeType.replace(' Join', '')
      if (n.joinType && JOIN_TYPES.has(n.joinType)) name = `${base} ${n.joinType} Join`
      break
    }
  }
  return n.parallelAware ? `Parallel ${name}` : name
}

/** What may follow the name on a node's line: its target, index, direction, set operation or figures. */
const AFTER_NAME = /^(| on .*| using .*| Backward .*| \(\w.*\).*| (Intersect|Except)( All)?.*| {2}\(.*| \((actual|never) .*)$/

function headMatches(n: PlanNode, line: string): boolean {
  const head = line.replace(/^Async /, '')
  const name = textHead(n)
  return head.startsWith(name) && AFTER_NAME.test(head.slice(name.length))
}

type Verdict = { ok: true } | { ok: false; refused: boolean; why: string }

function check(p: RegressPlan): Verdict {
  let nodes: PlanNode[]
  try {
    nodes = parsePlan(p.block).plan.nodes
  } catch (err) {
    return { ok: false, refused: true, why: (err as Error).message.split('\n')[0]! }
  }
  let derived: DerivedNode[]
  try {
    derived = p.kind === 'json' ? jsonTree(p.rows.join('\n')) : textTree(p.rows)
  } catch (err) {
    return { ok: false, refused: false, why: `the block is no plan: ${(err as Error).message}` }
  }
  if (nodes.length !== derived.length) return { ok: false, refused: false, why: `${nodes.length} nodes, the plan has ${derived.length}` }
  for (let k = 0; k < nodes.length; k++) {
    const n = nodes[k]!
    const d = derived[k]!
    if (n.parent !== d.parent)
      return { ok: false, refused: false, why: `node ${k} (${d.head}) under ${n.parent}, the plan puts it under ${d.parent}` }
    const typeOk = p.kind === 'json' ? n.nodeType === d.head : headMatches(n, d.head)
    if (!typeOk)
      return {
        ok: false,
        refused: false,
        why: `node ${k} read as ${JSON.stringify(textHead(n))}, the plan says ${JSON.stringify(d.head.slice(0, 60))}`
      }
  }
  return { ok: true }
}

describe("PostgreSQL's regression plans, as psql printed them", () => {
  const { majors, plans } = regressPlans()

  it('every plan reads, and its model matches the tree and types derived without Lookout', { timeout: 120_000 }, () => {
    expect(majors.length, 'fetched majors').toBeGreaterThan(0)
    const wrong: string[] = []
    const summary: Record<
      string,
      { plans: number; text: number; json: number; other: number; read: number; refused: number; misread: number }
    > = {}
    for (const p of plans) {
      const s = (summary[p.major] ??= { plans: 0, text: 0, json: 0, other: 0, read: 0, refused: 0, misread: 0 })
      s.plans++
      if (p.kind === 'xml' || p.kind === 'yaml') {
        s.other++
        continue
      }
      s[p.kind]++
      const v = check(p)
      if (v.ok) s.read++
      else {
        if (v.refused) s.refused++
        else s.misread++
        wrong.push(`${p.major} ${p.file}:${p.line}: ${v.refused ? 'refused' : 'misread'}: ${v.why}`)
      }
    }
    // The corpus's size and what was read, per major, in CI's log.
    console.log(`explain corpus: ${JSON.stringify(summary)}`)
    // Each major's outputs hold well over a thousand plan blocks: fewer means the extraction broke.
    for (const [major, s] of Object.entries(summary)) expect(s.text + s.json, `PostgreSQL ${major}'s plans`).toBeGreaterThan(1000)
    expect(wrong).toEqual([])
  })
})
