import { ApiError } from '../../../shared/api'
import type { ExplainResult } from '../../../shared/explain'
import type { JobProgress, KeyspaceAnalysis, WarmResult } from '../../../shared/redis'
import type { ReportResult } from '../../../shared/reports'
import { api } from './index'

/** What each kind of job ends with (the `result` of its job.done event). */
interface JobResults {
  'cache.warm': WarmResult
  'cache.analyse': KeyspaceAnalysis
  'cache.invalidate': JobProgress
  'cache.ttl': JobProgress
  'explain.run': ExplainResult
  'postgres.runChecks': { ranAt: number }
  'reports.create': ReportResult
}
type ResultOf<K extends keyof JobResults> = JobResults[K]

/**
 * Runs a long request as the job it is: listens for its end first (the id is chosen here, so the
 * end cannot come before the listener), starts it, and resolves with the result its `job.done`
 * carries, or rejects with the error it ended with or the request's refusal.
 */
export async function runJob<K extends keyof JobResults>(
  kind: K,
  jobId: string,
  start: () => Promise<{ jobId: string }>
): Promise<ResultOf<K>> {
  let off = () => {}
  const done = new Promise<ResultOf<K>>((resolve, reject) => {
    off = api.on('job.done', (d) => {
      if (d.jobId !== jobId || d.kind !== kind) return
      off()
      if (d.error) reject(new ApiError(d.error.code, d.error.message, d.error.reason))
      else resolve(d.result as ResultOf<K>)
    })
  })
  try {
    await start()
  } catch (err) {
    off()
    throw err
  }
  return done
}
