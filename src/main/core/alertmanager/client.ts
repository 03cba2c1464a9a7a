import { z } from 'zod'
import { authHeaders, describeHttpError, readBodyLimited, redactUrl, stripCredentials } from '../prometheus/http'

export const Matcher = z.object({
  name: z.string().min(1).max(200),
  value: z.string().max(1000),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true)
})
export type Matcher = z.infer<typeof Matcher>

const Status = z.object({ state: z.string(), silencedBy: z.array(z.string()), inhibitedBy: z.array(z.string()) })

const AmAlert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()),
  startsAt: z.string(),
  endsAt: z.string(),
  fingerprint: z.string(),
  status: Status
})
export type AmAlert = z.infer<typeof AmAlert>

const Silence = z.object({
  id: z.string(),
  matchers: z.array(Matcher.extend({ isEqual: z.boolean().optional() })),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) })
})
export type Silence = z.infer<typeof Silence>

export class AlertmanagerError extends Error {
  constructor(
    message: string,
    readonly status: number | null
  ) {
    super(message)
    this.name = 'AlertmanagerError'
  }
}

/** A typed client of Alertmanager's v2 API, over fetch. */
export class AlertmanagerClient {
  private readonly base: string
  private readonly shown: string
  private readonly auth: Record<string, string>

  constructor(
    url: string,
    private readonly timeoutMs = 10_000
  ) {
    this.base = stripCredentials(url).replace(/\/+$/, '')
    this.shown = redactUrl(url).replace(/\/+$/, '')
    this.auth = authHeaders(url)
  }

  private async call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, schema: z.ZodType<T>, body?: unknown): Promise<T> {
    const where = `${this.shown}${path}`
    let res: Response
    let text: string
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        signal: AbortSignal.timeout(this.timeoutMs),
        headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...this.auth },
        body: body === undefined ? undefined : JSON.stringify(body),
        redirect: 'error'
      })
      text = await readBodyLimited(res, 16 * 1024 * 1024)
    } catch (err) {
      throw new AlertmanagerError(describeHttpError(err, where), null)
    }
    if (!res.ok) {
      // Alertmanager answers errors as a JSON string or plain text.
      let detail = text.trim()
      try {
        const j = JSON.parse(text) as unknown
        if (typeof j === 'string') detail = j
      } catch {
        // plain text
      }
      throw new AlertmanagerError(`${where}: HTTP ${res.status}: ${detail.slice(0, 500) || res.statusText}`, res.status)
    }
    let json: unknown
    try {
      json = text ? JSON.parse(text) : undefined
    } catch {
      throw new AlertmanagerError(`${where}: the reply is not JSON (is this Alertmanager?)`, res.status)
    }
    const parsed = schema.safeParse(json)
    if (!parsed.success) throw new AlertmanagerError(`${where}: the reply has an unexpected shape`, res.status)
    return parsed.data
  }

  alerts(): Promise<AmAlert[]> {
    return this.call('GET', '/api/v2/alerts', z.array(AmAlert))
  }

  silences(): Promise<Silence[]> {
    return this.call('GET', '/api/v2/silences', z.array(Silence))
  }

  async createSilence(s: { matchers: Matcher[]; startsAt: Date; endsAt: Date; createdBy: string; comment: string }): Promise<string> {
    const r = await this.call('POST', '/api/v2/silences', z.object({ silenceID: z.string() }), {
      matchers: s.matchers,
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      createdBy: s.createdBy,
      comment: s.comment
    })
    return r.silenceID
  }

  /** Sends alerts as Prometheus does (POST /api/v2/alerts): firing ones with an end a few minutes out, renewed while they fire. */
  async postAlerts(
    alerts: { labels: Record<string, string>; annotations: Record<string, string>; startsAt: Date; endsAt: Date; generatorURL?: string }[]
  ): Promise<void> {
    await this.call(
      'POST',
      '/api/v2/alerts',
      z.unknown(),
      alerts.map((a) => ({
        labels: a.labels,
        annotations: a.annotations,
        startsAt: a.startsAt.toISOString(),
        endsAt: a.endsAt.toISOString(),
        ...(a.generatorURL ? { generatorURL: a.generatorURL } : {})
      }))
    )
  }

  async expireSilence(id: string): Promise<void> {
    await this.call('DELETE', `/api/v2/silence/${encodeURIComponent(id)}`, z.unknown())
  }
}
