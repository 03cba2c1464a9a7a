import type pg from 'pg'
import type { SeriesInfo } from '../../../shared/schemas'
import { abortable, type CollectResult, type TargetCollector } from '../collector'
import {
  BACKGROUND_STATEMENT_TIMEOUT_MS,
  createMonitorClient,
  describeDsn,
  describePgError,
  destroyClient,
  pgEndpoint,
  type PgTarget
} from './connection'
import { OwnTransactions } from './own-transactions'
import { pgThresholds } from './thresholds'
import { PostgresWatch } from './watch'

export interface PostgresCollectorOptions {
  id: string
  /** The endpoint to show when the URL connected to is not the server's own (an SSH tunnel's local end). */
  shownAs?: string
  dsn: string
  password: string | null
  connectTimeoutMs: number
  thresholds?: Record<string, number>
  now?: () => number
}

const pct = (r: number | null) => (r === null ? null : Math.round(r * 1000) / 10)

/**
 * A Postgres target: the fast tier on the poll's session, the medium and slow tiers in the
 * background on a second session, so a slow catalog or a lock never delays the live figures.
 */
export class PostgresCollector implements TargetCollector {
  readonly kind = 'postgres' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]
  readonly watch: PostgresWatch
  private readonly target: PgTarget
  private client: pg.Client | null = null
  private bgClient: pg.Client | null = null
  /** The background session's connect in flight, aborted by drop(). */
  private bgConnecting: AbortController | null = null
  private background: Promise<void> | null = null
  private closed = false
  /** Both sessions' statements: the watch leaves them out of the database's transactions. */
  private readonly own = new OwnTransactions()

  constructor(private readonly opts: PostgresCollectorOptions) {
    this.target = describeDsn(opts.dsn)
    this.endpoint = opts.shownAs ?? pgEndpoint(this.target)
    this.watch = new PostgresWatch(pgThresholds(opts.thresholds), this.target.user, opts.now ?? Date.now, this.own)
    const s = (key: string, label: string, unit: string): SeriesInfo => ({ seriesId: `${opts.id}:${key}`, targetId: opts.id, label, unit })
    this.series = [
      s('tps', 'Transactions/s', 'tx/s'),
      s('connections', 'Connections used', '%'),
      s('cache_hit', 'Buffer cache hit', '%'),
      s('replication_lag', 'Replication lag', 's')
    ]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    try {
      const client = await this.connected(signal)
      const r = await abortable(signal, this.watch.fast(client), () => this.drop())
      this.startBackground()
      const c = r.counters
      const connRatio = c.connections / c.maxConnections
      const w = this.watch.details().window
      const findings = this.watch.findings()
      const id = this.opts.id
      const result: CollectResult = {
        figures: [
          { label: 'Transactions/s', value: r.tps, unit: 'tx/s' },
          {
            label: 'Connections',
            value: c.connections,
            unit: '',
            detail: `${c.connections} of max_connections ${c.maxConnections} (${Math.round(connRatio * 100)}%)`
          },
          { label: 'Cache hit (5 min)', value: pct(w.cacheHitRatio), unit: '%', detail: `over ${Math.round(w.seconds)} s` },
          { label: 'Replication lag', value: r.replicationLagS, unit: 's', ...(r.replicationLagS === null ? { text: 'no standby' } : {}) },
          { label: 'Findings', value: findings.length, unit: '' },
          { label: 'Version', value: null, unit: '', text: c.serverVersion.split(' ')[0] }
        ],
        samples: [
          { seriesId: `${id}:tps`, value: r.tps ?? NaN },
          { seriesId: `${id}:connections`, value: connRatio * 100 },
          { seriesId: `${id}:cache_hit`, value: r.cacheHitRatio === null ? NaN : r.cacheHitRatio * 100 },
          { seriesId: `${id}:replication_lag`, value: r.replicationLagS ?? NaN }
        ],
        findings: findings.map((f) => ({ check: f.check, object: f.object, severity: f.severity, value: f.value, message: f.message }))
      }
      const worst = findings.find((f) => f.severity === 'critical' && (f.category === 'health' || f.category === 'activity'))
      if (worst) result.warning = worst.message
      const statements = this.watch.takeStatements()
      if (statements) result.statements = statements
      return result
    } catch (err) {
      if (!signal.aborted) this.drop()
      throw new Error(describePgError(signal.aborted ? signal.reason : err, this.target, this.opts.password), { cause: err })
    }
  }

  /** Runs the medium and slow tiers when due, one run at a time, outside the poll's deadline. */
  private startBackground(): void {
    if (this.background || this.closed) return
    const medium = this.watch.mediumDue()
    const slow = this.watch.slowDue()
    if (!medium && !slow) return
    this.background = (async () => {
      let client: pg.Client
      try {
        client = await this.backgroundClient()
      } catch (err) {
        const msg = describePgError(err, this.target, this.opts.password)
        if (medium) this.watch.tierFailed('medium', new Error(msg))
        if (slow) this.watch.tierFailed('slow', new Error(msg))
        return
      }
      if (medium) await this.watch.medium(client)
      if (slow) await this.watch.slow(client)
    })().finally(() => {
      this.background = null
    })
  }

  /**
   * Runs the medium and slow tiers now (after the run in flight, if any) and resolves when they
   * are done: the user re-checks after fixing something.
   */
  async runChecksNow(): Promise<void> {
    await this.background
    this.watch.forceDue()
    this.startBackground()
    await this.background
  }

  /** Resolves when the background tiers in flight (if any) are done: for tests and one-shot use. */
  async settled(): Promise<void> {
    await this.background
  }

  private async backgroundClient(): Promise<pg.Client> {
    if (this.bgClient) return this.bgClient
    const client = createMonitorClient({
      dsn: this.opts.dsn,
      password: this.opts.password,
      connectTimeoutMs: this.opts.connectTimeoutMs,
      statementTimeoutMs: BACKGROUND_STATEMENT_TIMEOUT_MS
    })
    this.bgClient = client
    this.own.count(client)
    client.on('end', () => {
      if (this.bgClient === client) this.bgClient = null
    })
    // A connect whose socket drop() destroys may never settle in pg: drop() aborts it, so the
    // background ends (and the tiers run again later) instead of hanging for good.
    const connecting = new AbortController()
    this.bgConnecting = connecting
    try {
      await abortable(connecting.signal, client.connect())
    } catch (err) {
      if (this.bgClient === client) this.bgClient = null
      destroyClient(client)
      throw err
    } finally {
      if (this.bgConnecting === connecting) this.bgConnecting = null
    }
    return client
  }

  private async connected(signal: AbortSignal): Promise<pg.Client> {
    if (this.client) return this.client
    const client = createMonitorClient({ dsn: this.opts.dsn, password: this.opts.password, connectTimeoutMs: this.opts.connectTimeoutMs })
    this.client = client
    this.own.count(client)
    // The session dies with the server: forget it so the next poll reconnects.
    client.on('end', () => {
      if (this.client === client) this.client = null
    })
    await abortable(signal, client.connect(), () => this.drop())
    this.watch.resetCounters()
    return client
  }

  private drop(): void {
    this.bgConnecting?.abort(new Error('the monitoring session was dropped'))
    this.bgConnecting = null
    const c = this.client
    this.client = null
    if (c) destroyClient(c)
    const b = this.bgClient
    this.bgClient = null
    if (b) destroyClient(b)
  }

  async close(): Promise<void> {
    this.closed = true
    this.drop()
    await this.background?.catch(() => {})
  }
}
