import type pg from 'pg'
import type { SeriesInfo } from '../../../shared/schemas'
import { abortable, CounterRate, type CollectResult, type TargetCollector } from '../collector'
import { createMonitorClient, describeDsn, describePgError, destroyClient, pgEndpoint, type PgTarget } from './connection'
import { CONNECTIONS_WARNING_RATIO, readThroughput } from './throughput'

export interface PostgresCollectorOptions {
  id: string
  dsn: string
  password: string | null
  connectTimeoutMs: number
  now?: () => number
}

export class PostgresCollector implements TargetCollector {
  readonly kind = 'postgres' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]
  private readonly target: PgTarget
  private client: pg.Client | null = null
  private readonly tps = new CounterRate()
  private readonly now: () => number

  constructor(private readonly opts: PostgresCollectorOptions) {
    this.target = describeDsn(opts.dsn)
    this.endpoint = pgEndpoint(this.target)
    this.now = opts.now ?? Date.now
    this.series = [{ seriesId: `${opts.id}:tps`, targetId: opts.id, label: 'Transactions/s', unit: 'tx/s' }]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    try {
      const client = await this.connected(signal)
      const row = await abortable(signal, readThroughput(client), () => this.drop())
      const tps = this.tps.next(this.now(), row.xacts)
      const ratio = row.connections / row.maxConnections
      const result: CollectResult = {
        figures: [
          { label: 'Transactions/s', value: Number.isFinite(tps) ? tps : null, unit: 'tx/s' },
          {
            label: 'Connections',
            value: row.connections,
            unit: '',
            detail: `${row.connections} of max_connections ${row.maxConnections} (${Math.round(ratio * 100)}%)`
          },
          { label: 'Version', value: null, unit: '', text: row.serverVersion.split(' ')[0] }
        ],
        samples: [{ seriesId: `${this.opts.id}:tps`, value: tps }]
      }
      if (ratio >= CONNECTIONS_WARNING_RATIO)
        result.warning = `connections at ${Math.round(ratio * 100)}% of max_connections (${row.connections}/${row.maxConnections})`
      return result
    } catch (err) {
      if (!signal.aborted) this.drop()
      throw new Error(describePgError(signal.aborted ? signal.reason : err, this.target, this.opts.password), { cause: err })
    }
  }

  private async connected(signal: AbortSignal): Promise<pg.Client> {
    if (this.client) return this.client
    const client = createMonitorClient({ dsn: this.opts.dsn, password: this.opts.password, connectTimeoutMs: this.opts.connectTimeoutMs })
    this.client = client
    // The session dies with the server: forget it so the next poll reconnects.
    client.on('end', () => {
      if (this.client === client) this.client = null
    })
    await abortable(signal, client.connect(), () => this.drop())
    return client
  }

  private drop(): void {
    const c = this.client
    this.client = null
    this.tps.reset()
    if (c) destroyClient(c)
  }

  async close(): Promise<void> {
    this.drop()
  }
}
