import type { SeriesInfo } from '../../../shared/schemas'
import type { CollectResult, ExternalAlert, TargetCollector } from '../collector'
import { PrometheusClient } from './api-client'
import { redactUrl } from './http'

export interface PrometheusServerCollectorOptions {
  id: string
  url: string
  timeoutMs?: number
}

function severityOf(labels: Record<string, string>): ExternalAlert['severity'] {
  const s = (labels.severity ?? '').toLowerCase()
  if (s === 'critical' || s === 'page' || s === 'error') return 'critical'
  if (s === 'info' || s === 'none') return 'info'
  return 'warning'
}

/**
 * A Prometheus server as Lookout's own target: its scrape targets (the down ones become
 * findings, with the server's own error) and its firing alerts (shown in Lookout's alert view).
 */
export class PrometheusServerCollector implements TargetCollector {
  readonly kind = 'prometheus' as const
  readonly endpoint: string
  readonly series: SeriesInfo[]
  private readonly client: PrometheusClient

  constructor(private readonly opts: PrometheusServerCollectorOptions) {
    this.endpoint = redactUrl(opts.url)
    this.client = new PrometheusClient(opts.url, { timeoutMs: opts.timeoutMs ?? 5000 })
    this.series = [{ seriesId: `${opts.id}:up`, targetId: opts.id, label: 'Scrape targets up', unit: '' }]
  }

  get id(): string {
    return this.opts.id
  }

  async collect(signal: AbortSignal): Promise<CollectResult> {
    const [targets, alerts] = await Promise.all([this.client.targets(signal), this.client.alerts(signal)])
    const active = targets.data.activeTargets
    const down = active.filter((t) => t.health === 'down')
    const up = active.filter((t) => t.health === 'up').length
    const firing = alerts.data.alerts.filter((a) => a.state === 'firing')
    const result: CollectResult = {
      figures: [
        { label: 'Scrape targets up', value: up, unit: '', detail: `${active.length} active` },
        {
          label: 'Scrape targets down',
          value: down.length,
          unit: '',
          detail: down.length
            ? down.map((t) => `${t.labels.job ?? t.scrapePool ?? '?'} ${t.scrapeUrl}: ${t.lastError || 'down'}`).join('\n')
            : undefined
        },
        { label: 'Alerts firing', value: firing.length, unit: '' }
      ],
      samples: [{ seriesId: `${this.opts.id}:up`, value: up }],
      alerts: firing.map((a) => ({
        name: a.labels.alertname ?? 'unnamed alert',
        severity: severityOf(a.labels),
        summary: a.annotations.summary ?? a.annotations.description ?? a.labels.alertname ?? 'firing',
        labels: a.labels,
        since: a.activeAt ? Date.parse(a.activeAt) : null
      }))
    }
    const warnings = [...targets.warnings, ...alerts.warnings]
    if (warnings.length) result.warning = warnings.join('; ')
    else if (down.length)
      result.warning = `${down.length} scrape target(s) down: ${down.map((t) => `${t.scrapeUrl} (${t.lastError || 'down'})`).join(', ')}`
    else if (active.length === 0) result.warning = 'the server reports no scrape targets (yet): check its scrape_configs'
    return result
  }

  /** An instant query for an alert rule: a vector's series, or a scalar as one series without labels. */
  async query(expr: string, signal: AbortSignal): Promise<{ labels: Record<string, string>; value: number }[]> {
    const r = await this.client.query(expr, { signal, timeoutS: 10 })
    const d = r.data
    if (d.type === 'vector') return d.series.map((s) => ({ labels: s.metric, value: s.value }))
    if (d.type === 'scalar') return [{ labels: {}, value: Number(d.value) }]
    throw new Error(`the expression gives a ${d.type}; an alert rule needs an instant vector`)
  }

  async close(): Promise<void> {}
}
