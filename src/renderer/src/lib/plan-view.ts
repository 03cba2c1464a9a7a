import type { PlanModel, PlanNode } from '../../../shared/explain'
import { planRoots } from '../../../shared/plan-tree'

export type PlanMetric = 'time' | 'cost' | 'rows' | 'buffers'

/** The figure a plan row's bar shows, per metric: the node's own share, not its subtree's. */
export function metricValue(n: PlanNode, metric: PlanMetric, plan: PlanModel): number {
  if (metric === 'time') return n.exclusiveMs ?? 0
  if (metric === 'rows') return n.totalRows ?? n.planRows ?? 0
  if (metric === 'buffers') {
    const b = n.exclusiveBuffers
    return b ? b.sharedHit + b.sharedRead + b.localHit + b.localRead + b.tempRead + b.tempWritten : 0
  }
  // Exclusive cost: the node's total cost minus its children's (costs are cumulative).
  let children = 0
  for (const c of n.children) children += plan.nodes[c]!.totalCost ?? 0
  return Math.max(0, (n.totalCost ?? 0) - children)
}

/** The largest value of a metric, for scaling the bars. */
export function metricMax(plan: PlanModel, metric: PlanMetric): number {
  let max = 0
  for (const n of plan.nodes) max = Math.max(max, metricValue(n, metric, plan))
  return max
}

/** Ids of the rows shown, in order, skipping the subtrees of collapsed nodes. Iterative. */
export function visibleNodes(plan: PlanModel, collapsed: ReadonlySet<number>): number[] {
  const out: number[] = []
  if (plan.nodes.length === 0) return out
  const stack = planRoots(plan).reverse()
  while (stack.length) {
    const id = stack.pop()!
    out.push(id)
    if (collapsed.has(id)) continue
    const kids = plan.nodes[id]!.children
    for (let i = kids.length - 1; i >= 0; i--) stack.push(kids[i]!)
  }
  return out
}

/** Badges of a row: a misestimate of 10x or more, a spill to disk, never executed. */
export function nodeBadges(n: PlanNode): string[] {
  const out: string[] = []
  if (n.estimateFactor !== null) {
    const f = n.estimateFactor >= 1 ? n.estimateFactor : 1 / n.estimateFactor
    if (f >= 10) out.push(`${n.estimateFactor >= 1 ? '↑' : '↓'}${f >= 1000 ? '1000x' : f >= 100 ? '100x' : '10x'} rows`)
  }
  if (n.sortSpaceType === 'Disk' || (n.hashBatches ?? 1) > 1 || (n.diskUsageKb ?? 0) > 0) out.push('spill')
  if ((n.lossyHeapBlocks ?? 0) > 0) out.push('lossy')
  if (n.neverExecuted) out.push('never executed')
  return out
}

/** Rows of a virtualised list: which slice to render for a scroll position. */
export function windowSlice(
  count: number,
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  overscan = 10
): { from: number; to: number } {
  const from = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan)
  const to = Math.min(count, Math.ceil((scrollTop + viewport) / rowHeight) + overscan)
  return { from, to }
}

export interface IcicleRect {
  id: number
  x: number
  w: number
  depth: number
}

/**
 * The icicle (flame) layout: the root spans the width; each node's children share its span in
 * proportion to their inclusive time, left to right. Iterative; rectangles narrower than
 * `minWidth` are left out (their subtrees too), so a 10,000-node plan draws what can be seen.
 */
export function icicleLayout(plan: PlanModel, width: number, minWidth = 1): IcicleRect[] {
  const out: IcicleRect[] = []
  if (plan.nodes.length === 0) return out
  const weight = (id: number) => {
    const n = plan.nodes[id]!
    return n.inclusiveMs ?? n.totalCost ?? 1
  }
  // Several roots (a rule's statements) share the width by their weight.
  const roots = planRoots(plan)
  const rootsWeight = roots.reduce((s, id) => s + weight(id), 0)
  const stack: IcicleRect[] = []
  let rootX = 0
  for (const id of roots) {
    const w = roots.length === 1 || rootsWeight <= 0 ? width / roots.length : (weight(id) / rootsWeight) * width
    if (w >= minWidth || roots.length === 1) stack.push({ id, x: rootX, w, depth: 0 })
    rootX += w
  }
  stack.reverse()
  while (stack.length) {
    const r = stack.pop()!
    out.push(r)
    const kids = plan.nodes[r.id]!.children
    if (!kids.length) continue
    const total = Math.max(
      weight(r.id),
      kids.reduce((s, c) => s + weight(c), 0)
    )
    let x = r.x
    for (const c of kids) {
      const w = total > 0 ? (weight(c) / total) * r.w : 0
      if (w >= minWidth) stack.push({ id: c, x, w, depth: r.depth + 1 })
      x += w
    }
  }
  return out
}

export type PlanRow = { kind: 'node'; id: number } | { kind: 'group'; key: string; ids: number[]; depth: number; label: string }

/** Parents whose children are partitions or union members: the place sibling scans pile up. */
const GROUPING_PARENTS = new Set(['Append', 'Merge Append'])

/**
 * The rows shown: like visibleNodes, except that under an Append or Merge Append a run of at least
 * `minGroup` sibling scans of one kind with no children (a partitioned table's partitions) becomes
 * one row, until that group is expanded.
 */
export function visibleRows(plan: PlanModel, collapsed: ReadonlySet<number>, expanded: ReadonlySet<string>, minGroup = 3): PlanRow[] {
  const out: PlanRow[] = []
  if (plan.nodes.length === 0) return out
  type Item = PlanRow
  const stack: Item[] = planRoots(plan)
    .reverse()
    .map((id): Item => ({ kind: 'node', id }))
  while (stack.length) {
    const item = stack.pop()!
    out.push(item)
    if (item.kind === 'group' || collapsed.has(item.id)) continue
    const n = plan.nodes[item.id]!
    const items: Item[] = []
    const kids = n.children
    for (let i = 0; i < kids.length;) {
      const first = plan.nodes[kids[i]!]!
      let j = i
      if (GROUPING_PARENTS.has(n.nodeType) && first.relation && first.children.length === 0)
        while (j + 1 < kids.length) {
          const next = plan.nodes[kids[j + 1]!]!
          if (next.nodeType !== first.nodeType || !next.relation || next.children.length > 0) break
          j++
        }
      const run = kids.slice(i, j + 1)
      const key = `${item.id}:${run[0]}`
      if (run.length >= minGroup && !expanded.has(key)) {
        const last = plan.nodes[run[run.length - 1]!]!
        items.push({
          kind: 'group',
          key,
          ids: run,
          depth: first.depth,
          label: `${run.length} × ${first.nodeType} on ${first.relation} … ${last.relation}`
        })
      } else for (const id of run) items.push({ kind: 'node', id })
      i = j + 1
    }
    for (let k = items.length - 1; k >= 0; k--) stack.push(items[k]!)
  }
  return out
}

/**
 * Where a node's row is, and what hides it when it has none: a collapsed ancestor to open, or the
 * group of sibling scans it is folded into.
 */
export function locateRow(
  plan: PlanModel,
  rows: PlanRow[],
  collapsed: ReadonlySet<number>,
  id: number
): { index: number } | { collapsedAncestor: number } | { group: string } | null {
  const index = rows.findIndex((r) => r.kind === 'node' && r.id === id)
  if (index >= 0) return { index }
  for (let p = plan.nodes[id]?.parent ?? -1; p >= 0; p = plan.nodes[p]!.parent) if (collapsed.has(p)) return { collapsedAncestor: p }
  const group = rows.find((r) => r.kind === 'group' && r.ids.includes(id))
  return group && group.kind === 'group' ? { group: group.key } : null
}
