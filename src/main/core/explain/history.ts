import { randomUUID } from 'node:crypto'
import type { ExplainResult, PlanComparison, PlanHistoryEntry, PlanModel, PlanNode } from '../../../shared/explain'
import { planCost } from '../../../shared/plan-tree'

/** Plans kept per query while Lookout runs; the oldest go first. */
export const PLAN_HISTORY_PER_QUERY = 20
export const PLAN_HISTORY_QUERIES = 200

/**
 * The plans Lookout ran, per query (pg_stat_statements' queryid when the server names it, else a
 * digest of the statement), in memory only: plans can hold literals from production.
 */
export class PlanHistory {
  private readonly byKey = new Map<string, { entry: PlanHistoryEntry; result: ExplainResult }[]>()
  private readonly byId = new Map<string, { entry: PlanHistoryEntry; result: ExplainResult }>()

  add(profile: string, key: string, query: string, result: ExplainResult, at: number): PlanHistoryEntry {
    const entry: PlanHistoryEntry = {
      id: randomUUID(),
      profile,
      key,
      query,
      at,
      analyzed: result.plan.analyzed,
      executionMs: result.plan.executionMs,
      totalCost: planCost(result.plan),
      nodes: result.plan.nodes.length
    }
    const item = { entry, result: { ...result, historyId: entry.id } }
    const list = this.byKey.get(key) ?? []
    // Re-inserting moves the query to the newest end of the map, so eviction drops the stalest.
    this.byKey.delete(key)
    this.byKey.set(key, [...list, item].slice(-PLAN_HISTORY_PER_QUERY))
    for (const old of list.slice(0, Math.max(0, list.length + 1 - PLAN_HISTORY_PER_QUERY))) this.byId.delete(old.entry.id)
    this.byId.set(entry.id, item)
    while (this.byKey.size > PLAN_HISTORY_QUERIES) {
      const [oldest, items] = this.byKey.entries().next().value as [string, { entry: PlanHistoryEntry }[]]
      for (const i of items) this.byId.delete(i.entry.id)
      this.byKey.delete(oldest)
    }
    return entry
  }

  /** The plans of the query a history entry belongs to, newest first. */
  list(profile: string, key: string | null): PlanHistoryEntry[] {
    const lists = key === null ? [...this.byKey.values()] : [this.byKey.get(key) ?? []]
    return lists
      .flat()
      .map((i) => i.entry)
      .filter((e) => e.profile === profile)
      .sort((a, b) => b.at - a.at)
  }

  get(id: string): { entry: PlanHistoryEntry; result: ExplainResult } | undefined {
    return this.byId.get(id)
  }
}

const nodeLabel = (n: PlanNode) => `${n.nodeType}${n.relation ? ` on ${n.relation}` : ''}${n.indexName ? ` using ${n.indexName}` : ''}`
/** What makes two nodes "the same" across plans: the operation and what it reads. */
const identity = (n: PlanNode) => `${n.nodeType}|${n.relation ?? ''}|${n.subplanName ?? ''}`

/**
 * Matches the nodes of two plans of a query by their position in the tree (path of child indexes),
 * when the operation and relation agree; what does not match is added or removed. Iterative.
 */
export function comparePlans(before: PlanModel, after: PlanModel): PlanComparison['nodes'] {
  const pathOf = (plan: PlanModel): Map<string, number> => {
    const out = new Map<string, number>()
    const stack: { id: number; path: string }[] = plan.nodes.length ? [{ id: 0, path: '0' }] : []
    while (stack.length) {
      const { id, path } = stack.pop()!
      out.set(`${path}|${identity(plan.nodes[id]!)}`, id)
      plan.nodes[id]!.children.forEach((c, i) => stack.push({ id: c, path: `${path}.${i}` }))
    }
    return out
  }
  const beforeIds = pathOf(before)
  const matched = new Set<number>()
  const rows: PlanComparison['nodes'] = []
  const stack: { id: number; path: string }[] = after.nodes.length ? [{ id: 0, path: '0' }] : []
  while (stack.length) {
    const { id, path } = stack.pop()!
    const a = after.nodes[id]!
    const bId = beforeIds.get(`${path}|${identity(a)}`) ?? null
    const b = bId === null ? null : before.nodes[bId]!
    if (bId !== null) matched.add(bId)
    const changed = b !== null && (b.indexName !== a.indexName || b.joinType !== a.joinType || b.strategy !== a.strategy)
    rows.push({
      afterId: id,
      beforeId: bId,
      depth: a.depth,
      label: nodeLabel(a),
      change: b === null ? 'added' : changed ? 'changed' : 'same',
      exclusiveMs: [b?.exclusiveMs ?? null, a.exclusiveMs],
      rows: [b?.totalRows ?? b?.planRows ?? null, a.totalRows ?? a.planRows],
      cost: [b?.totalCost ?? null, a.totalCost]
    })
    for (let i = a.children.length - 1; i >= 0; i--) stack.push({ id: a.children[i]!, path: `${path}.${i}` })
  }
  for (const b of before.nodes)
    if (!matched.has(b.id))
      rows.push({
        afterId: null,
        beforeId: b.id,
        depth: b.depth,
        label: nodeLabel(b),
        change: 'removed',
        exclusiveMs: [b.exclusiveMs, null],
        rows: [b.totalRows ?? b.planRows, null],
        cost: [b.totalCost, null]
      })
  return rows
}
