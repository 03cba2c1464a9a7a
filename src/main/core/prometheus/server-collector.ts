import { z } from 'zod'
import type { SeriesInfo } from '../../../shared/schemas'
import type { CollectResult, TargetCollector } from '../collector'
import { authHeaders, describeHttpError, readBodyLimited, redactUrl, stripCredentials } from './http'

/** The vector-query reply shape of Prometheus's HTTP API, checked before use. */
const VectorReply = z.object({
  status: z.enum(['success', 'error']),
  errorType: z.string().optional(),
  error: z.string().optional(),
  warnings: z.array(z.string()).optional(),
  data: z
    .object({
      resultType: z.literal('vector'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) }))
    })
    .optional()
})

export interface PrometheusServerCollectorOptions {
  id: string
  url: string
}

/**
 * Health of a Prometheus server as Lookout's own target: the API answers, and how many of the
 * server's scrape targets are up (`up` == 1) or down.
 */
export class PrometheusServerCollector implements TargetCollector {
  readonly kind = 'prometheus' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]

  constructor(private readonly opts: PrometheusServerCollectorOptions) {
    this.endpoint = redactUrl(opts.url)
    this.series = [{ seriesId: `${opts.id}:up`, targetId: opts.id, label: 'Scrape targets up', unit: '' }]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    const base = stripCredentials(this.opts.url).replace(/\/+$/, '')
    const url = `${base}/api/v1/query?query=up`
    let parsed: z.infer<typeof VectorReply>
    try {
      const res = await fetch(url, { signal, headers: { accept: 'application/json', ...authHeaders(this.opts.url) }, redirect: 'error' })
      const text = await readBodyLimited(res, 16 * 1024 * 1024)
      let json: unknown
      try {
        json = JSON.parse(text)
      } catch {
        throw new Error(`HTTP ${res.status}: the reply is not JSON (is this a Prometheus server?)`)
      }
      const check = VectorReply.safeParse(json)
      if (!check.success) throw new Error(`HTTP ${res.status}: the reply is not a Prometheus API vector reply`)
      parsed = check.data
      if (parsed.status === 'error') throw new Error(`HTTP ${res.status}: ${parsed.errorType ?? 'error'}: ${parsed.error ?? 'no message'}`)
    } catch (err) {
      throw new Error(describeHttpError(signal.aborted ? signal.reason : err, this.opts.url), { cause: err })
    }
    const series = parsed.data?.result ?? []
    const down = series.filter((s) => s.value[1] !== '1')
    const up = series.length - down.length
    const result: CollectResult = {
      figures: [
        { label: 'Scrape targets up', value: up, unit: '' },
        {
          label: 'Scrape targets down',
          value: down.length,
          unit: '',
          detail: down.length ? down.map((s) => `${s.metric.job ?? '?'}/${s.metric.instance ?? '?'}`).join(', ') : undefined
        }
      ],
      samples: [{ seriesId: `${this.opts.id}:up`, value: up }]
    }
    if (parsed.warnings?.length) result.warning = parsed.warnings.join('; ')
    else if (down.length) result.warning = `${down.length} scrape target(s) down`
    else if (series.length === 0) result.warning = 'the server reports no scrape targets (yet): check its scrape_configs'
    return result
  }

  async close(): Promise<void> {}
}
