import type { StatementSample } from './postgres/checks/statements'
import type { ExploredPage } from '../../shared/prometheus'
import type { Figure, SeriesInfo, TargetKind } from '../../shared/schemas'
import type { ScrapedWindows } from './alerts/scraped-windows'

/** One sample for a chart series, taken at the end of a poll. NaN means "no data this poll". */
export interface SeriesSample {
  seriesId: string
  value: number
}

/** An alert another system reports as firing (a Prometheus server's alerting rules). */
export interface ExternalAlert {
  name: string
  severity: 'info' | 'warning' | 'critical'
  summary: string
  labels: Record<string, string>
  /** Unix milliseconds it became active, when the source says. */
  since: number | null
  /** Who raised it: a Prometheus server's rules (the default) or Lookout's own checks. */
  source?: 'lookout' | 'prometheus'
}

/** A check's finding as alert rules read it. */
export interface RuleFinding {
  check: string
  object: string
  severity: 'info' | 'warning' | 'critical'
  value: number | string | null
  message: string
}

/** A medium-tier sample of pg_stat_statements, handed to the history with the poll that follows it. */
export interface StatementsTick {
  t: number
  rows: StatementSample[]
  /** Texts fetched with this sample (statements seen for the first time). */
  texts: ReadonlyMap<string, string>
  /** Any statement's text, as far as the watch knows it. */
  textOf(queryid: string): string
}

export interface CollectResult {
  figures: Figure[]
  samples: SeriesSample[]
  /** Every finding of the target's checks now (Postgres, Redis): what finding rules read. */
  findings?: RuleFinding[]
  /** Alerts the target itself reports as firing; replaces what it reported before. */
  alerts?: ExternalAlert[]
  /** A new pg_stat_statements sample since the last poll (Postgres). */
  statements?: StatementsTick
  /** Set when the poll worked but something is off: the target shows as degraded. */
  warning?: string
}

/** One target's collector. It owns its connection and must honour the abort signal. */
export interface TargetCollector {
  readonly id: string
  readonly kind: TargetKind
  /** Where it is, without credentials. */
  readonly endpoint: string
  readonly series: SeriesInfo[]
  /** The shortest interval this target may be polled at, whatever the profile asks. */
  readonly minIntervalMs?: number
  collect(signal: AbortSignal): Promise<CollectResult>
  close(): Promise<void>
  /** What alert rules read from a /metrics endpoint's scrapes. */
  readonly scraped?: ScrapedWindows
  /** An instant PromQL query, for rules on a Prometheus server: each series' labels and value. */
  query?(expr: string, signal: AbortSignal): Promise<{ labels: Record<string, string>; value: number }[]>
  /** Targets whose series can be browsed and charted on demand (/metrics endpoints). */
  readonly explorer?: {
    list(search: string, limit: number): ExploredPage
    watch(key: string, quantile: number | null): SeriesInfo
    unwatch(seriesId: string): boolean
  }
}

/**
 * Per-second rate of a counter between two reads. A counter that went down was reset (server
 * restart, stats reset): like Prometheus, count from zero. NaN when there is no previous read.
 */
export class CounterRate {
  private prev: { t: number; v: number } | null = null
  next(tMs: number, value: number): number {
    const p = this.prev
    this.prev = { t: tMs, v: value }
    if (!p || tMs <= p.t || !Number.isFinite(value)) return NaN
    const delta = value >= p.v ? value - p.v : value
    return delta / ((tMs - p.t) / 1000)
  }
  reset(): void {
    this.prev = null
  }
}

/** Rejects as soon as the signal aborts, with the abort reason. */
export function abortable<T>(signal: AbortSignal, work: Promise<T>, onAbort?: () => void): Promise<T> {
  if (signal.aborted) {
    onAbort?.()
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const abort = () => {
      onAbort?.()
      reject(signal.reason)
    }
    signal.addEventListener('abort', abort, { once: true })
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', abort)
        reject(e)
      }
    )
  })
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message || err.name
  return String(err)
}
