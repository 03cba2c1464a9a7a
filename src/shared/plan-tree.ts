import type { PlanModel } from './explain'

// Walks over a plan's tree, without zod: the CLI's explain command loads these and must start fast.

/**
 * The roots of a plan, in order. Usually one; a statement a rule rewrote into several (or a
 * JSON array of several plans) has one tree per statement, each a root with parent -1.
 */
export function planRoots(plan: PlanModel): number[] {
  const roots: number[] = []
  for (const n of plan.nodes) if (n.parent < 0) roots.push(n.id)
  return roots
}

/** The planner's estimated cost of the whole output: its roots' total costs, or null without costs. */
export function planCost(plan: PlanModel): number | null {
  let cost: number | null = null
  for (const n of plan.nodes) if (n.parent < 0 && n.totalCost !== null) cost = (cost ?? 0) + n.totalCost
  return cost
}
