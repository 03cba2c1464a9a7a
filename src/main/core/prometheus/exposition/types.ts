/** The two exposition formats Lookout reads. */
export type ExpositionFormat = 'text' | 'openmetrics'

/** Types of both formats: `untyped` is text 0.0.4's, `unknown` and the last four are OpenMetrics'. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped' | 'unknown' | 'gaugehistogram' | 'info' | 'stateset'

export type Labels = Record<string, string>

export interface Exemplar {
  labels: Labels
  value: number
  /** Unix milliseconds. */
  timestampMs?: number
}

export interface Sample {
  /** The full sample name, suffix included (`http_requests_total`, `latency_bucket`). */
  name: string
  labels: Labels
  value: number
  /** Unix milliseconds, whichever format it came in. */
  timestampMs?: number
  exemplar?: Exemplar
}

export interface MetricFamily {
  name: string
  type: MetricType
  help: string | null
  unit: string | null
  samples: Sample[]
}

/** Where a page breaks the written format in a way the Prometheus server tolerates. */
export interface ExpositionWarning {
  line: number
  column: number
  message: string
}

export interface ExpositionPage {
  format: ExpositionFormat
  families: MetricFamily[]
  sampleCount: number
  /** Empty when strict (those are errors then). */
  warnings: ExpositionWarning[]
}

/**
 * How a page is read. `strict`: as the written formats say (every violation is an error), for the
 * OpenMetrics conformance suite and `lookout metrics lint --strict`. Otherwise as the Prometheus
 * server reads it: what it scrapes is read, and the rules it does not enforce become warnings.
 */
export interface ParseOptions {
  strict: boolean
}

/** A parse failure, with where it is (1-based line and column) and what was expected. */
export class ExpositionError extends Error {
  constructor(
    readonly line: number,
    readonly column: number,
    readonly reason: string
  ) {
    super(`line ${line}, column ${column}: ${reason}`)
    this.name = 'ExpositionError'
  }
}
