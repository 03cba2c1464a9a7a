import { ScrapedWindows } from '../alerts/scraped-windows'
import { readFileSync } from 'node:fs'
import { Agent, fetch } from 'undici'
import type { SeriesInfo } from '../../../shared/schemas'
import type { CollectResult, TargetCollector } from '../collector'
import { formatFromContentType, parseExposition } from './exposition/parser'
import type { ExpositionPage } from './exposition/types'
import { decodeExposition } from './exposition/decode'
import { ExpositionError } from './exposition/types'
import { SeriesExplorer } from './explorer'
import { authHeaders, describeHttpError, readBodyBytes, redactUrl, SCRAPE_ACCEPT, stripCredentials } from './http'

/** The Authorization header a scrape sends: basic with the URL's user and the stored password, or bearer. */
export function scrapeAuthHeaders(opts: Pick<MetricsCollectorOptions, 'url' | 'auth' | 'secret'>): Record<string, string> {
  if (opts.auth === 'bearer' && opts.secret) return { authorization: `Bearer ${opts.secret}` }
  if (opts.auth === 'basic' && opts.secret !== null && opts.secret !== undefined) {
    const user = decodeURIComponent(new URL(opts.url).username)
    return { authorization: 'Basic ' + Buffer.from(`${user}:${opts.secret}`).toString('base64') }
  }
  // A URL that still carries user:password (never stored that way) authenticates as written.
  return authHeaders(opts.url)
}

/** Above this, a scrape counts as slow and the target shows as degraded. */
export const SLOW_SCRAPE_MS = 1000

export interface MetricsCollectorOptions {
  id: string
  /** Without a password: the password or token comes as `secret`. */
  url: string
  auth?: 'none' | 'basic' | 'bearer'
  secret?: string | null
  caFile?: string | null
  insecureSkipVerify?: boolean
}

export class MetricsEndpointCollector implements TargetCollector {
  readonly kind = 'metrics' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]
  readonly explorer: SeriesExplorer
  readonly scraped = new ScrapedWindows()

  private readonly dispatcher: Agent
  private readonly headers: Record<string, string>

  constructor(private readonly opts: MetricsCollectorOptions) {
    this.explorer = new SeriesExplorer(opts.id)
    // One agent per endpoint: kept-alive connections, and its own TLS trust when the profile says.
    this.dispatcher = new Agent({
      connect: {
        rejectUnauthorized: !opts.insecureSkipVerify,
        ...(opts.caFile ? { ca: readFileSync(opts.caFile) } : {})
      }
    })
    this.headers = { accept: SCRAPE_ACCEPT, 'accept-encoding': 'gzip', ...scrapeAuthHeaders(opts) }
    this.endpoint = redactUrl(opts.url)
    this.series = [{ seriesId: `${opts.id}:scrape`, targetId: opts.id, label: 'Scrape duration', unit: 'ms' }]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    const started = performance.now()
    let bytes: Buffer
    let contentType: string
    try {
      const res = await fetch(stripCredentials(this.opts.url), {
        signal,
        headers: this.headers,
        redirect: 'error',
        dispatcher: this.dispatcher
      })
      if (!res.ok) {
        await res.body?.cancel()
        throw new Error(`HTTP ${res.status} ${res.statusText}`)
      }
      contentType = res.headers.get('content-type') ?? ''
      bytes = await readBodyBytes(res)
    } catch (err) {
      throw new Error(describeHttpError(signal.aborted ? signal.reason : err, this.opts.url), { cause: err })
    }
    const format = formatFromContentType(contentType)
    let samples: number
    let families: number
    let warnings: ExpositionPage['warnings']
    try {
      const body = decodeExposition(bytes)
      // Read as the Prometheus server reads it: what it would scrape is never a parse error here;
      // the written format's rules it does not enforce come back as warnings.
      const page = parseExposition(body, format, { strict: false })
      samples = page.sampleCount
      families = page.families.length
      warnings = page.warnings
      const now = Date.now()
      this.explorer.update(page, body, now)
      this.scraped.update(page, now)
    } catch (err) {
      // As Prometheus does, an invalid page fails the whole scrape: its data cannot be trusted.
      if (err instanceof ExpositionError)
        throw new Error(
          `${redactUrl(this.opts.url)}: invalid ${format === 'openmetrics' ? 'OpenMetrics' : 'text 0.0.4'} page at line ${err.line}, column ${err.column}: ${err.reason}`,
          { cause: err }
        )
      throw err
    }
    const durationMs = performance.now() - started
    const result: CollectResult = {
      figures: [
        { label: 'Scrape duration', value: durationMs, unit: 'ms' },
        { label: 'Samples', value: samples, unit: '', detail: `${families} families` },
        {
          label: 'Page size',
          value: bytes.byteLength,
          unit: 'B',
          detail: `${format === 'openmetrics' ? 'OpenMetrics' : 'text 0.0.4'} (${contentType || 'no Content-Type'})`
        },
        {
          label: 'Format warnings',
          value: warnings.length,
          unit: '',
          ...(warnings.length
            ? {
                detail: `line ${warnings[0]!.line}, column ${warnings[0]!.column}: ${warnings[0]!.message} (Prometheus takes it; lookout metrics lint lists them all)`
              }
            : {})
        }
      ],
      samples: [{ seriesId: `${this.opts.id}:scrape`, value: durationMs }, ...this.explorer.samples()]
    }
    if (samples === 0) result.warning = 'the page has no samples'
    else if (durationMs > SLOW_SCRAPE_MS) result.warning = `scrape took ${Math.round(durationMs)} ms (over ${SLOW_SCRAPE_MS} ms)`
    return result
  }

  async close(): Promise<void> {
    await this.dispatcher.close().catch(() => {})
  }
}
