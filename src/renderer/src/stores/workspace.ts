import { create } from 'zustand'
import type { WorkspaceProfile, WorkspaceStatus } from '../../../shared/schemas'

interface WorkspaceState {
  /** Each watched or pinned profile's summary, by name. */
  byProfile: Record<string, WorkspaceProfile>
  load(s: WorkspaceStatus): void
}

export const useWorkspace = create<WorkspaceState>((set) => ({
  byProfile: {},
  load: (s) => set({ byProfile: Object.fromEntries(s.profiles.map((p) => [p.profile, p])) })
}))
