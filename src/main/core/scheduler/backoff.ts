export interface BackoffPolicy {
  /** The first delay after the circuit opens. */
  baseMs: number
  /** The longest a failing target waits between attempts. */
  maxMs: number
  /** Spread of the delay, as a fraction: 0.2 means +/-20%, so many targets never retry in lockstep. */
  jitter: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 }

/** Exponential backoff with jitter: `base * 2^(attempt-1)`, capped, spread by `jitter`. */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1))
  const spread = 1 - policy.jitter + 2 * policy.jitter * random()
  return Math.max(0, Math.round(Math.min(policy.maxMs * (1 + policy.jitter), exp * spread)))
}
