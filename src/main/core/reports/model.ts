import type { PgStatement } from '../../../shared/postgres'
import type { TargetKind } from '../../../shared/schemas'
import type { ChartSeries } from './svg'

export interface Range {
  from: number
  to: number
}

/** A target of the profile as the report names it. */
export interface ReportTarget {
  id: string
  kind: TargetKind
  /** Where it is, without credentials. */
  endpoint: string
}

/** One of the report's series over one window: its chart columns and its figures. */
export interface SeriesFigures {
  targetId: string
  seriesId: string
  label: string
  unit: string
  source: 'history' | 'prometheus'
  /** A series the user watched in the metrics explorer (charted as a small multiple), not one of the report's own. */
  watched?: boolean
  chart: ChartSeries
  /** Per stored point (or bucket beyond the raw retention): mean, 95th percentile, extremes. Null: no point. */
  mean: number | null
  p95: number | null
  min: number | null
  max: number | null
  points: number
}

/** A Prometheus-scraped endpoint's request figures over a window, grouped by job and route. */
export interface EndpointFigures {
  family: string
  labels: Record<string, string>
  requestsPerS: number | null
  meanS: number | null
  p50S: number | null
  p95S: number | null
  p99S: number | null
  errorRatio: number | null
}

/** What a window holds: series, statements, endpoint figures. */
export interface WindowFigures {
  range: Range
  series: SeriesFigures[]
  /** Per Postgres target: the busiest statements, and every statement's totals. */
  statements: { targetId: string; top: PgStatement[]; count: number; totalMs: number; calls: number; windowS: number }[]
  endpoints: EndpointFigures[]
}

export interface AvailabilityRow {
  target: ReportTarget
  /** Share of the window the target was up, from its down and up events; null: nothing known. */
  upRatio: number | null
  downSpans: { from: number; to: number; why: string | null }[]
  polls: number
}

export interface FindingRow {
  targetId: string | null
  severity: 'critical' | 'warning' | 'info' | null
  title: string
  detail: string | null
  firstSeen: number
  /** When it cleared inside the window; null: still there at its end. */
  clearedAt: number | null
}

export interface AlertRow {
  title: string
  severity: 'critical' | 'warning' | 'info' | null
  targetId: string | null
  firedAt: number
  resolvedAt: number | null
  detail: string | null
  acks: { t: number; what: string }[]
}

export interface ActionRow {
  t: number
  title: string
  failed: boolean
  detail: string | null
}

export interface PlanRow {
  at: number
  query: string
  analyzed: boolean
  executionMs: number | null
  advice: { severity: string; title: string; message: string; sql: string | null; savingsMs: number }[]
}

export interface SlowlogRow {
  at: number
  durationUs: number
  command: string
  client: string
}

export interface Recommendation {
  severity: 'critical' | 'warning' | 'info'
  section: string
  title: string
  why: string
  sql: string | null
  /** Orders recommendations of one severity: ms saved, share of time, minutes firing... */
  weight: number
}

export interface ServerVersion {
  targetId: string
  kind: TargetKind
  version: string | null
  error: string | null
}

/** Everything a report shows, gathered before anything is rendered. */
export interface ReportData {
  profile: { name: string; environment: string; production: boolean; readOnly: boolean }
  generatedAt: number
  lookoutVersion: string
  anonymised: boolean
  targets: ReportTarget[]
  versions: ServerVersion[]
  main: WindowFigures
  /** The window compared with: the one asked for (a comparison report), else the previous one of the same length when data exists. */
  before: WindowFigures | null
  comparison: boolean
  sources: ('history' | 'prometheus' | 'polled')[]
  warnings: string[]
  availability: AvailabilityRow[]
  findings: FindingRow[]
  alerts: AlertRow[]
  actions: ActionRow[]
  statementJumps: { t: number; title: string; detail: string | null }[]
  plans: PlanRow[]
  slowlog: SlowlogRow[] | null
  prometheusDown: { labels: Record<string, string>; downRatio: number }[] | null
  recommendations: Recommendation[]
}
