import type { SeriesInfo } from '../../../shared/schemas'
import type { CollectResult, TargetCollector } from '../collector'
import { authHeaders, describeHttpError, readBodyLimited, redactUrl, SCRAPE_ACCEPT, stripCredentials } from './http'

/**
 * Counts sample lines of an exposition page without parsing values: every non-empty line that
 * is not a comment. This is the scrape's size figure for the health view; the full parser
 * (families, types, validation) is the Prometheus capability's.
 */
export function countSampleLines(page: string): number {
  let n = 0
  let start = 0
  while (start < page.length) {
    let end = page.indexOf('\n', start)
    if (end === -1) end = page.length
    let i = start
    while (i < end && (page.charCodeAt(i) === 32 || page.charCodeAt(i) === 9)) i++
    if (i < end && page.charCodeAt(i) !== 35 /* # */ && !(end - i === 1 && page.charCodeAt(i) === 13)) n++
    start = end + 1
  }
  return n
}

/** Above this, a scrape counts as slow and the target shows as degraded. */
export const SLOW_SCRAPE_MS = 1000

export interface MetricsCollectorOptions {
  id: string
  url: string
}

export class MetricsEndpointCollector implements TargetCollector {
  readonly kind = 'metrics' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]

  constructor(private readonly opts: MetricsCollectorOptions) {
    this.endpoint = redactUrl(opts.url)
    this.series = [{ seriesId: `${opts.id}:scrape`, targetId: opts.id, label: 'Scrape duration', unit: 'ms' }]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    const started = performance.now()
    let body: string
    let contentType: string
    try {
      const res = await fetch(stripCredentials(this.opts.url), {
        signal,
        headers: { accept: SCRAPE_ACCEPT, 'accept-encoding': 'gzip', ...authHeaders(this.opts.url) },
        redirect: 'error'
      })
      if (!res.ok) {
        await res.body?.cancel()
        throw new Error(`HTTP ${res.status} ${res.statusText}`)
      }
      contentType = res.headers.get('content-type') ?? ''
      body = await readBodyLimited(res)
    } catch (err) {
      throw new Error(describeHttpError(signal.aborted ? signal.reason : err, this.opts.url), { cause: err })
    }
    const durationMs = performance.now() - started
    const samples = countSampleLines(body)
    const result: CollectResult = {
      figures: [
        { label: 'Scrape duration', value: durationMs, unit: 'ms' },
        { label: 'Sample lines', value: samples, unit: '' },
        { label: 'Page size', value: Buffer.byteLength(body), unit: 'B', detail: contentType || 'no Content-Type' }
      ],
      samples: [{ seriesId: `${this.opts.id}:scrape`, value: durationMs }]
    }
    if (samples === 0) result.warning = 'the page has no samples'
    else if (durationMs > SLOW_SCRAPE_MS) result.warning = `scrape took ${Math.round(durationMs)} ms (over ${SLOW_SCRAPE_MS} ms)`
    return result
  }

  async close(): Promise<void> {}
}
