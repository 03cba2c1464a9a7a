import { ApiError } from '../../shared/api'

/**
 * Caps on concurrent work, so that one user, one client or one runaway script cannot take every
 * connection slot of a production server, or the core's memory. Past a cap the answer is an
 * immediate `busy` error: nothing waits in a queue that could grow.
 */

/** On-demand Postgres sessions per profile (EXPLAIN, backend signals, relation cache reads), beside the two monitoring sessions. */
export const MAX_PG_SESSIONS_PER_PROFILE = 2
/** Long jobs (invalidation, TTL by pattern, warm-up, key-space analysis) running at once on one Redis server. */
export const MAX_JOBS_PER_REDIS_SERVER = 1
/** Requests one client (a WebSocket connection, the desktop window) may have in flight. */
export const MAX_INFLIGHT_PER_CLIENT = 32

/** Counted slots by key; `acquire` gives a release function or throws `busy`. */
export class SlotLimiter {
  private readonly used = new Map<string, number>()

  acquire(key: string, max: number, busyMessage: () => string): () => void {
    const n = this.used.get(key) ?? 0
    if (n >= max) throw new ApiError('busy', busyMessage(), 'busy')
    this.used.set(key, n + 1)
    let released = false
    return () => {
      if (released) return
      released = true
      const left = (this.used.get(key) ?? 1) - 1
      if (left <= 0) this.used.delete(key)
      else this.used.set(key, left)
    }
  }

  inUse(key: string): number {
    return this.used.get(key) ?? 0
  }
}

/** The in-flight cap of one client: wraps its dispatch so request N+1 gets `busy` at once. */
export function inflightLimited<R>(
  dispatch: (method: unknown, params: unknown) => Promise<R>,
  onBusy: (method: unknown) => R,
  max = MAX_INFLIGHT_PER_CLIENT
) {
  let inflight = 0
  return async (method: unknown, params: unknown): Promise<R> => {
    if (inflight >= max) return onBusy(method)
    inflight++
    try {
      return await dispatch(method, params)
    } finally {
      inflight--
    }
  }
}

export const busyReply = (method: unknown) => ({
  ok: false as const,
  error: {
    code: 'busy' as const,
    reason: 'busy' as const,
    message: `${String(method).slice(0, 100)}: this client already has ${MAX_INFLIGHT_PER_CLIENT} requests in flight; wait for one to finish`
  }
})
