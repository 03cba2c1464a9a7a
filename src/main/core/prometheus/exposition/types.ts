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

export interface ExpositionPage {
  format: ExpositionFormat
  families: MetricFamily[]
  sampleCount: number
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
