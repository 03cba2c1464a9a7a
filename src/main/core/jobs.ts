import { ApiError, errorShape, type JobDone } from '../../shared/api'
import type { AuditEntry, AuditLog } from './audit/audit-log'
import { errorMessage } from './collector'
import type { Logger } from './ports'
import type { Emit } from './services'

/** Long work that can be cancelled by id (`job.cancel`): pattern jobs, warm-ups, key-space analyses, EXPLAIN ANALYZE. */
export class JobRegistry {
  private readonly running = new Map<string, AbortController>()

  /** Registers a job; call `done` when it ends, however it ends. */
  start(id: string): { signal: AbortSignal; done(): void } {
    const abort = new AbortController()
    this.running.set(id, abort)
    return { signal: abort.signal, done: () => this.running.get(id) === abort && this.running.delete(id) }
  }

  cancel(id: string): boolean {
    const j = this.running.get(id)
    j?.abort()
    return Boolean(j)
  }

  cancelAll(): void {
    for (const j of this.running.values()) j.abort()
  }
}

/** The error a job ended with, as `job.done` carries it. */
export function jobError(err: unknown): NonNullable<JobDone['error']> {
  return err instanceof ApiError ? errorShape(err) : { code: 'unavailable', message: errorMessage(err) }
}

/**
 * Runs a job's work in the background under its id (cancellable with job.cancel) and announces its
 * end once, with its result or its error, as `job.done`. The work audits its own end and frees its
 * slots before it settles, so whoever sees the end finds it in the log and may start the next one.
 */
export function runJob<D extends JobDone>(
  s: { jobs: JobRegistry; emit: Emit },
  head: Pick<D, 'jobId' | 'profile' | 'kind'>,
  work: (signal: AbortSignal) => Promise<NonNullable<D['result']>>
): void {
  const job = s.jobs.start(head.jobId)
  void work(job.signal)
    .then(
      (result) => ({ ...head, result, error: null }),
      (err: unknown) => ({ ...head, result: null, error: jobError(err) })
    )
    .then((done) => {
      job.done()
      s.emit('job.done', done as JobDone)
    })
}

/** Audits a job's end (`"<action> (job ended)"`); a log that cannot be written is logged, never the job's failure. */
export async function auditJobEnd(s: { audit: AuditLog; logger: Logger }, entry: Omit<AuditEntry, 'time' | 'prev'>): Promise<void> {
  const jobId = entry.details?.jobId
  await s.audit
    .record(entry)
    .catch((err: unknown) => s.logger.error('could not audit the end of a job', { jobId, error: errorMessage(err) }))
}
