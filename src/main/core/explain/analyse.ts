import type { PlanBuffers, PlanModel } from '../../../shared/explain'

const BUFFER_KEYS: (keyof PlanBuffers)[] = [
  'sharedHit',
  'sharedRead',
  'sharedDirtied',
  'sharedWritten',
  'localHit',
  'localRead',
  'tempRead',
  'tempWritten'
]

/**
 * Derives per-node figures in one pass from the leaves up (nodes are in preorder, so walking the
 * array backwards visits every child before its parent): inclusive time over all loops (divided
 * among parallel processes under a Gather), exclusive time and buffers (minus the children's,
 * never below zero), rows over all loops, and the estimate factor.
 */
export function analysePlan(plan: PlanModel): PlanModel {
  const nodes = plan.nodes
  // Processes per node: computed top-down once instead of walking ancestors for each node.
  const procs = new Float64Array(nodes.length)
  for (let i = 0; i < nodes.length; i++) {
    const node = nodes[i]!
    const parent = node.parent >= 0 ? nodes[node.parent]! : null
    procs[i] = parent
      ? parent.nodeType === 'Gather' || parent.nodeType === 'Gather Merge'
        ? (parent.workersLaunched ?? parent.workersPlanned ?? 0) + 1
        : procs[node.parent]!
      : 1
  }
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!
    const loops = node.actualLoops ?? 0
    if (node.actualTotalMs !== null && node.actualLoops !== null) node.inclusiveMs = (node.actualTotalMs * loops) / procs[i]!
    if (node.actualRows !== null && node.actualLoops !== null) {
      node.totalRows = node.actualRows * loops
      const expected = node.planRows ?? null
      // Both sides per loop, at least one row, so a 0-row node does not divide by zero.
      if (expected !== null && !node.neverExecuted) node.estimateFactor = Math.max(node.actualRows, 1) / Math.max(expected, 1)
    }
    if (node.inclusiveMs !== null) {
      let children = 0
      for (const c of node.children) children += nodes[c]!.inclusiveMs ?? 0
      node.exclusiveMs = Math.max(0, node.inclusiveMs - children)
    }
    if (node.buffers) {
      const ex = { ...node.buffers }
      for (const c of node.children) {
        const cb = nodes[c]!.buffers
        if (!cb) continue
        for (const k of BUFFER_KEYS) ex[k] -= cb[k]
      }
      for (const k of BUFFER_KEYS) if (ex[k] < 0) ex[k] = 0
      node.exclusiveBuffers = ex
    } else node.exclusiveBuffers = null
  }
  return plan
}
