import { create } from 'zustand'
import type { JobProgress } from '../../../shared/redis'

interface JobsState {
  byId: Record<string, JobProgress>
  update(p: JobProgress): void
}

/** Long-running jobs (cache invalidations) as their progress events report them. */
export const useJobs = create<JobsState>((set) => ({
  byId: {},
  update: (p) => set((s) => ({ byId: { ...s.byId, [p.jobId]: p } }))
}))
