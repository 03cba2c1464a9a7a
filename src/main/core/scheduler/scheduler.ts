import type { CircuitState } from '../../../shared/schemas'
import type { Clock, TimerHandle } from '../ports'
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff'

export interface PollJob<T> {
  id: string
  intervalMs: number
  /** A poll that has not settled by then is aborted and counted as a failure. */
  timeoutMs: number
  run(signal: AbortSignal): Promise<T>
  /** Where this job's outcomes go: its owner (a profile's monitor), straight from the poll. */
  report?(r: PollReport<T>): void
}

export interface PollReport<T> {
  id: string
  ok: boolean
  value?: T
  error?: unknown
  startedAt: number
  latencyMs: number
  consecutiveFailures: number
  circuit: CircuitState
  nextPollAt: number
}

export interface SchedulerOptions {
  clock: Clock
  /** Consecutive failures after which the circuit opens and polls back off. */
  failureThreshold?: number
  backoff?: BackoffPolicy
  random?: () => number
}

export class PollTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms (timed out)`)
    this.name = 'PollTimeoutError'
  }
}

interface JobState<T> {
  job: PollJob<T>
  timer: TimerHandle | null
  timeoutTimer: TimerHandle | null
  controller: AbortController | null
  /** True while the collector's promise has not settled, even after a timeout. */
  running: boolean
  failures: number
  circuit: CircuitState
  removed: boolean
}

/**
 * Runs each job on its own timer chain. A job's poll has a timeout; failures retry at the
 * normal interval until `failureThreshold`, then the circuit opens and retries back off
 * exponentially with jitter; the next attempt is a half-open trial. No job ever waits on
 * another: a hung target only delays itself.
 */
export class Scheduler<T> {
  private readonly jobs = new Map<string, JobState<T>>()
  private readonly clock: Clock
  private readonly failureThreshold: number
  private readonly backoff: BackoffPolicy
  private readonly random: () => number

  constructor(
    opts: SchedulerOptions,
    /** Sees every job's outcome after the job's own `report` (tests watch the scheduler with it). */
    private readonly onReport: (r: PollReport<T>) => void = () => {}
  ) {
    this.clock = opts.clock
    this.failureThreshold = opts.failureThreshold ?? 3
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF
    this.random = opts.random ?? Math.random
  }

  add(job: PollJob<T>, firstDelayMs = 0): void {
    if (this.jobs.has(job.id)) throw new Error(`job ${job.id} is already scheduled`)
    const state: JobState<T> = {
      job,
      timer: null,
      timeoutTimer: null,
      controller: null,
      running: false,
      failures: 0,
      circuit: 'closed',
      removed: false
    }
    this.jobs.set(job.id, state)
    this.schedule(state, firstDelayMs)
  }

  remove(id: string): void {
    const s = this.jobs.get(id)
    if (!s) return
    s.removed = true
    if (s.timer !== null) this.clock.clearTimeout(s.timer)
    if (s.timeoutTimer !== null) this.clock.clearTimeout(s.timeoutTimer)
    s.controller?.abort(new Error('stopped'))
    this.jobs.delete(id)
  }

  stop(): void {
    for (const id of [...this.jobs.keys()]) this.remove(id)
  }

  has(id: string): boolean {
    return this.jobs.has(id)
  }

  private schedule(s: JobState<T>, delay: number): number {
    const at = this.clock.now() + delay
    s.timer = this.clock.setTimeout(() => this.tick(s), delay)
    return at
  }

  private tick(s: JobState<T>): void {
    s.timer = null
    if (s.removed) return
    const startedAt = this.clock.now()
    if (s.running) {
      // The last poll was aborted but its collector has not let go yet: never stack polls.
      this.settle(s, startedAt, false, undefined, new Error('the previous poll is still running after its timeout'))
      return
    }
    if (s.circuit === 'open') s.circuit = 'half-open'
    const controller = new AbortController()
    s.controller = controller
    s.running = true
    let settled = false
    const finish = (ok: boolean, value: T | undefined, error: unknown) => {
      if (settled || s.removed) return
      settled = true
      if (s.timeoutTimer !== null) this.clock.clearTimeout(s.timeoutTimer)
      s.timeoutTimer = null
      s.controller = null
      this.settle(s, startedAt, ok, value, error)
    }
    s.timeoutTimer = this.clock.setTimeout(() => {
      const err = new PollTimeoutError(s.job.timeoutMs)
      controller.abort(err)
      finish(false, undefined, err)
    }, s.job.timeoutMs)
    let promise: Promise<T>
    try {
      promise = s.job.run(controller.signal)
    } catch (err) {
      promise = Promise.reject(err)
    }
    promise.then(
      (v) => {
        s.running = false
        finish(true, v, undefined)
      },
      (e) => {
        s.running = false
        finish(false, undefined, e)
      }
    )
  }

  private settle(s: JobState<T>, startedAt: number, ok: boolean, value: T | undefined, error: unknown): void {
    const now = this.clock.now()
    const latencyMs = now - startedAt
    let delay: number
    if (ok) {
      s.failures = 0
      s.circuit = 'closed'
      delay = Math.max(0, s.job.intervalMs - latencyMs)
    } else {
      s.failures++
      if (s.circuit === 'half-open' || s.failures >= this.failureThreshold) {
        s.circuit = 'open'
        const attempt = s.failures - this.failureThreshold + 1
        const policy = { ...this.backoff, baseMs: Math.max(this.backoff.baseMs, s.job.intervalMs) }
        delay = backoffDelay(attempt, policy, this.random)
      } else {
        delay = s.job.intervalMs
      }
    }
    const nextPollAt = this.schedule(s, delay)
    const report: PollReport<T> = {
      id: s.job.id,
      ok,
      startedAt,
      latencyMs,
      consecutiveFailures: s.failures,
      circuit: s.circuit,
      nextPollAt
    }
    if (ok) report.value = value
    else report.error = error
    s.job.report?.(report)
    this.onReport(report)
  }
}
