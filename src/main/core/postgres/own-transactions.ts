import type pg from 'pg'

/**
 * Lookout's own transactions on a monitored database. Its monitoring sessions never open a
 * transaction block, so each statement is a transaction of its own: committed when it succeeds,
 * rolled back when it fails (a timeout, a missing privilege).
 */
export class OwnTransactions {
  commits = 0
  rollbacks = 0

  /**
   * Counts every statement `client` runs from now on, when it ends, and its connection: a new
   * session commits one transaction of its own while it starts (reading the catalogs for the
   * role and database), which pg_stat_database counts too. Call it before `connect()`.
   */
  count(client: pg.Client): void {
    const connect = client.connect.bind(client) as unknown as () => Promise<unknown>
    ;(client as unknown as { connect: () => Promise<unknown> }).connect = () =>
      connect().then((connected) => {
        this.commits++
        return connected
      })
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    const counted = (...args: unknown[]): unknown => {
      const result = query(...args)
      if (result instanceof Promise)
        result.then(
          () => void this.commits++,
          () => void this.rollbacks++
        )
      return result
    }
    ;(client as unknown as { query: typeof counted }).query = counted
  }
}

/**
 * A cumulative pg_stat_database counter with Lookout's own transactions taken out: the server
 * counts every transaction, and a poll's four statements alone read as about 2 tx/s on an idle
 * database at the default interval.
 *
 * A backend reports its counts at most once a second, so Lookout's latest statements can reach
 * the server's counter only after the next read: the difference then dips by that lag and comes
 * back. The result never goes down, which absorbs the dip instead of showing it one interval
 * later as a burst of somebody else's transactions. A server counter that goes down was reset;
 * the result carries on from where it was.
 */
export class CounterWithoutOwn {
  private base = 0
  private lastRaw: number | null = null
  private value = -Infinity

  /** `raw`: the server's counter; `own`: Lookout's own transactions counted before it was read. */
  update(raw: number, own: number): number {
    if (this.lastRaw !== null && raw < this.lastRaw) this.base += this.lastRaw
    this.lastRaw = raw
    this.value = Math.max(this.value, raw + this.base - own)
    return this.value
  }
}
