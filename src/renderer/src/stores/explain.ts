import { create } from 'zustand'
import type { ExplainResult } from '../../../shared/explain'
import type { PlanMetric } from '../lib/plan-view'

/** The Explain view's state: what to explain, the last result, which node is in focus. */
interface ExplainState {
  sql: string
  pasted: string
  result: ExplainResult | null
  error: string | null
  /** Set when the core said the statement writes: the next run needs the typed confirmation. */
  needsWriteConfirmation: boolean
  selected: number | null
  metric: PlanMetric
  collapsed: Set<number>
  /** Groups of sibling partition scans the user opened. */
  expandedGroups: Set<string>
  toggleGroup(key: string): void
  setSql(sql: string): void
  setPasted(plan: string): void
  setResult(r: ExplainResult | null, error?: string | null): void
  setNeedsWriteConfirmation(v: boolean): void
  select(id: number | null): void
  setMetric(m: PlanMetric): void
  toggle(id: number): void
}

export const useExplain = create<ExplainState>((set) => ({
  sql: '',
  pasted: '',
  result: null,
  error: null,
  needsWriteConfirmation: false,
  selected: null,
  metric: 'time',
  collapsed: new Set(),
  expandedGroups: new Set(),
  toggleGroup: (key) =>
    set((s) => {
      const expandedGroups = new Set(s.expandedGroups)
      if (expandedGroups.has(key)) expandedGroups.delete(key)
      else expandedGroups.add(key)
      return { expandedGroups }
    }),
  setSql: (sql) => set({ sql }),
  setPasted: (pasted) => set({ pasted }),
  setResult: (result, error = null) => set({ result, error, selected: null, collapsed: new Set(), expandedGroups: new Set() }),
  setNeedsWriteConfirmation: (needsWriteConfirmation) => set({ needsWriteConfirmation }),
  select: (selected) => set({ selected }),
  setMetric: (metric) => set({ metric }),
  toggle: (id) =>
    set((s) => {
      const collapsed = new Set(s.collapsed)
      if (collapsed.has(id)) collapsed.delete(id)
      else collapsed.add(id)
      return { collapsed }
    })
}))
