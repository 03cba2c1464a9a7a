import { create } from 'zustand'
import type { TargetState } from '../../../shared/schemas'

interface TargetsState {
  byId: Record<string, TargetState>
  order: string[]
  load(targets: TargetState[]): void
  update(t: TargetState): void
  clear(): void
}

export const useTargets = create<TargetsState>((set) => ({
  byId: {},
  order: [],
  load: (targets) => set({ byId: Object.fromEntries(targets.map((t) => [t.targetId, t])), order: targets.map((t) => t.targetId) }),
  update: (t) => set((s) => (s.byId[t.targetId] ? { byId: { ...s.byId, [t.targetId]: t } } : s)),
  clear: () => set({ byId: {}, order: [] })
}))
