import { z } from 'zod'
import { authHeaders, describeHttpError, readBodyLimited, redactUrl, stripCredentials } from './http'

/** Prometheus refuses range queries of more points than this per series. */
export const MAX_POINTS_PER_SERIES = 11_000

/** Sample values come as strings, "+Inf", "-Inf" and "NaN" included. */
export function parseSampleValue(v: string): number {
  if (v === '+Inf' || v === 'Inf') return Infinity
  if (v === '-Inf') return -Infinity
  if (v === 'NaN') return NaN
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`not a sample value: ${JSON.stringify(v)}`)
  return n
}

/**
 * The step of a range query: one point per pixel of the chart, never more points than
 * Prometheus allows, never finer than `minStepS`. Whole seconds or milliseconds, as Prometheus rounds.
 */
export function chooseStep(startS: number, endS: number, widthPx: number, minStepS = 1): number {
  const range = Math.max(0, endS - startS)
  const byWidth = range / Math.max(1, widthPx)
  const byLimit = range / (MAX_POINTS_PER_SERIES - 1)
  const step = Math.max(minStepS, byWidth, byLimit)
  return step >= 1 ? Math.ceil(step) : Math.ceil(step * 1000) / 1000
}

const Envelope = z.object({
  status: z.enum(['success', 'error']),
  data: z.unknown().optional(),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  infos: z.array(z.string()).optional()
})

const ERROR_TYPES: Record<string, string> = {
  bad_data: 'the query or its parameters are invalid',
  execution: 'the query failed while running',
  timeout: 'the query timed out on the server',
  canceled: 'the query was cancelled on the server',
  internal: 'the server hit an internal error',
  unavailable: 'the server is not ready to answer',
  not_found: 'the server does not have this endpoint'
}

export class PrometheusApiError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly errorType: string | null
  ) {
    super(message)
    this.name = 'PrometheusApiError'
  }
}

export interface ApiReply<T> {
  data: T
  warnings: string[]
  infos: string[]
}

const MetricLabels = z.record(z.string(), z.string())
const Pair = z.tuple([z.number(), z.string()])
const VectorData = z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: MetricLabels, value: Pair })) })
const MatrixData = z.object({ resultType: z.literal('matrix'), result: z.array(z.object({ metric: MetricLabels, values: z.array(Pair) })) })
const ScalarData = z.object({ resultType: z.enum(['scalar', 'string']), result: Pair })
const QueryData = z.union([VectorData, MatrixData, ScalarData])

export interface InstantSeries {
  metric: Record<string, string>
  /** Unix milliseconds. */
  t: number
  value: number
}
export interface RangeSeries {
  metric: Record<string, string>
  t: number[]
  values: number[]
}
export type QueryResult =
  | { type: 'vector'; series: InstantSeries[] }
  | { type: 'matrix'; series: RangeSeries[] }
  | { type: 'scalar' | 'string'; t: number; value: string }

const TargetsData = z.object({
  activeTargets: z.array(
    z.object({
      labels: MetricLabels,
      scrapePool: z.string().optional(),
      scrapeUrl: z.string(),
      health: z.enum(['up', 'down', 'unknown']),
      lastError: z.string(),
      lastScrape: z.string(),
      lastScrapeDuration: z.number()
    })
  )
})
export type Target = z.infer<typeof TargetsData>['activeTargets'][number]

const AlertSchema = z.object({
  labels: MetricLabels,
  annotations: MetricLabels,
  state: z.enum(['inactive', 'pending', 'firing']),
  activeAt: z.string().optional(),
  value: z.string()
})
const AlertsData = z.object({ alerts: z.array(AlertSchema) })
export type ServerAlert = z.infer<typeof AlertSchema>

const RulesData = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      file: z.string(),
      rules: z.array(
        z
          .object({
            name: z.string(),
            query: z.string(),
            health: z.string(),
            type: z.enum(['alerting', 'recording']),
            lastError: z.string().optional()
          })
          .passthrough()
      )
    })
  )
})
export type RuleGroup = z.infer<typeof RulesData>['groups'][number]

const BuildInfo = z.object({ version: z.string(), revision: z.string(), branch: z.string().optional(), goVersion: z.string().optional() })

export interface PrometheusClientOptions {
  timeoutMs?: number
}

/** A typed client of Prometheus's HTTP API, over fetch. */
export class PrometheusClient {
  private readonly base: string
  private readonly auth: Record<string, string>
  private readonly timeoutMs: number
  /** The URL as messages show it, without credentials. */
  private readonly shown: string

  constructor(url: string, opts: PrometheusClientOptions = {}) {
    this.base = stripCredentials(url).replace(/\/+$/, '')
    this.auth = authHeaders(url)
    this.timeoutMs = opts.timeoutMs ?? 10_000
    this.shown = redactUrl(url).replace(/\/+$/, '')
  }

  private async request(
    path: string,
    params: Record<string, string> | null,
    signal?: AbortSignal
  ): Promise<{ status: number; text: string }> {
    const url = `${this.base}${path}${params ? '?' + new URLSearchParams(params).toString() : ''}`
    const timeout = AbortSignal.timeout(this.timeoutMs)
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout
    try {
      const res = await fetch(url, { signal: combined, headers: { accept: 'application/json', ...this.auth }, redirect: 'error' })
      return { status: res.status, text: await readBodyLimited(res, 64 * 1024 * 1024) }
    } catch (err) {
      const reason = timeout.aborted ? new Error(`no answer within ${this.timeoutMs} ms`) : err
      throw new PrometheusApiError(describeHttpError(reason, `${this.shown}${path}`), null, null)
    }
  }

  /** GET an API endpoint; checks the envelope and maps errors to clear messages. */
  private async api<T>(
    path: string,
    params: Record<string, string> | null,
    schema: z.ZodType<T>,
    signal?: AbortSignal
  ): Promise<ApiReply<T>> {
    const { status, text } = await this.request(path, params, signal)
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      throw new PrometheusApiError(
        `${this.shown}${path}: HTTP ${status}, and the reply is not JSON (is this a Prometheus server?)`,
        status,
        null
      )
    }
    const env = Envelope.safeParse(json)
    if (!env.success) throw new PrometheusApiError(`${this.shown}${path}: HTTP ${status}, not a Prometheus API reply`, status, null)
    const e = env.data
    if (e.status === 'error') {
      const kind = e.errorType ?? 'error'
      throw new PrometheusApiError(
        `${this.shown}${path}: ${ERROR_TYPES[kind] ?? kind} (HTTP ${status}, ${kind}): ${e.error ?? 'no message'}`,
        status,
        kind
      )
    }
    const data = schema.safeParse(e.data)
    if (!data.success) throw new PrometheusApiError(`${this.shown}${path}: HTTP ${status}, the data has an unexpected shape`, status, null)
    return { data: data.data, warnings: e.warnings ?? [], infos: e.infos ?? [] }
  }

  /** An instant query; `timeoutS` is the server-side limit Prometheus enforces (a 503 past it). */
  async query(expr: string, opts: { timeS?: number; timeoutS?: number; signal?: AbortSignal } = {}): Promise<ApiReply<QueryResult>> {
    const params: Record<string, string> = { query: expr }
    if (opts.timeS !== undefined) params.time = String(opts.timeS)
    if (opts.timeoutS !== undefined) params.timeout = String(opts.timeoutS)
    const signal = opts.signal
    const r = await this.api('/api/v1/query', params, QueryData, signal)
    return { ...r, data: toResult(r.data) }
  }

  async queryRange(expr: string, startS: number, endS: number, stepS: number, signal?: AbortSignal): Promise<ApiReply<QueryResult>> {
    const r = await this.api(
      '/api/v1/query_range',
      { query: expr, start: String(startS), end: String(endS), step: String(stepS) },
      QueryData,
      signal
    )
    return { ...r, data: toResult(r.data) }
  }

  targets(signal?: AbortSignal) {
    return this.api('/api/v1/targets', { state: 'active' }, TargetsData, signal)
  }
  alerts(signal?: AbortSignal) {
    return this.api('/api/v1/alerts', null, AlertsData, signal)
  }
  rules(signal?: AbortSignal) {
    return this.api('/api/v1/rules', null, RulesData, signal)
  }
  buildInfo(signal?: AbortSignal) {
    return this.api('/api/v1/status/buildinfo', null, BuildInfo, signal)
  }

  /** `/-/healthy` and `/-/ready`: true on 200, false on 503 (starting or shutting down). */
  async probe(which: 'healthy' | 'ready', signal?: AbortSignal): Promise<boolean> {
    const { status } = await this.request(`/-/${which}`, null, signal)
    if (status === 200) return true
    if (status === 503) return false
    throw new PrometheusApiError(`${this.shown}/-/${which}: unexpected HTTP ${status}`, status, null)
  }
}

function toResult(d: z.infer<typeof QueryData>): QueryResult {
  if (d.resultType === 'vector')
    return {
      type: 'vector',
      series: d.result.map((s) => ({ metric: s.metric, t: Math.round(s.value[0] * 1000), value: parseSampleValue(s.value[1]) }))
    }
  if (d.resultType === 'matrix')
    return {
      type: 'matrix',
      series: d.result.map((s) => ({
        metric: s.metric,
        t: s.values.map((p) => Math.round(p[0] * 1000)),
        values: s.values.map((p) => parseSampleValue(p[1]))
      }))
    }
  return { type: d.resultType, t: Math.round(d.result[0] * 1000), value: d.result[1] }
}
