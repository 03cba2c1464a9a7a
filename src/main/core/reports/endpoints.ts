import type { PrometheusClient } from '../prometheus/api-client'
import type { EndpointFigures, Range } from './model'

/** Labels a request histogram is broken down by, where it has them (grouping by an absent label is harmless in PromQL). */
const BY = 'job, route, handler, path, endpoint, method'
/** Rows of the endpoints table: the slowest first. */
export const MAX_ENDPOINT_ROWS = 20

const key = (labels: Record<string, string>) =>
  JSON.stringify(
    Object.keys(labels)
      .filter((k) => k !== '__name__')
      .sort()
      .map((k) => [k, labels[k]])
  )

async function vector(client: PrometheusClient, expr: string, atS: number, signal: AbortSignal) {
  const r = await client.query(expr, { timeS: atS, signal })
  return r.data.type === 'vector' ? r.data.series : []
}

/** Request families the server holds at a time: histograms of seconds, and counters with a status or code label. */
async function families(client: PrometheusClient, atS: number, signal: AbortSignal) {
  const hist = await vector(client, 'count by (__name__) ({__name__=~".+_seconds_bucket"})', atS, signal)
  const counters = await vector(
    client,
    'count by (__name__) ({__name__=~".+_requests_total", status=~".+"} or {__name__=~".+_requests_total", code=~".+"})',
    atS,
    signal
  )
  return {
    histograms: hist.map((s) => s.metric.__name__!.replace(/_bucket$/, '')).filter((n) => /request|http|rpc|latency/i.test(n)),
    counters: counters.map((s) => s.metric.__name__!)
  }
}

/**
 * The endpoints' figures over a window from the profile's Prometheus server: for each request
 * histogram, per job and route, the request rate, mean and the 50th/95th/99th percentiles
 * (`histogram_quantile` over the window's rate), and the error ratio (5xx share) from a request
 * counter with a status or code label. Evaluated once, at the window's end, over its whole length.
 */
export async function endpointFigures(client: PrometheusClient, range: Range, signal: AbortSignal): Promise<EndpointFigures[]> {
  const atS = Math.floor(range.to / 1000)
  const w = `${Math.max(60, Math.round((range.to - range.from) / 1000))}s`
  const fam = await families(client, atS, signal)
  const rows = new Map<string, EndpointFigures>()
  const row = (family: string, labels: Record<string, string>) => {
    const { __name__: _, ...rest } = labels
    const k = family + key(rest)
    let r = rows.get(k)
    if (!r)
      rows.set(k, (r = { family, labels: rest, requestsPerS: null, meanS: null, p50S: null, p95S: null, p99S: null, errorRatio: null }))
    return r
  }
  for (const h of fam.histograms.slice(0, 5)) {
    const [count, mean, p50, p95, p99] = await Promise.all([
      vector(client, `sum by (${BY}) (rate(${h}_count[${w}]))`, atS, signal),
      vector(client, `sum by (${BY}) (rate(${h}_sum[${w}])) / sum by (${BY}) (rate(${h}_count[${w}]))`, atS, signal),
      ...[0.5, 0.95, 0.99].map((q) => vector(client, `histogram_quantile(${q}, sum by (le, ${BY}) (rate(${h}_bucket[${w}])))`, atS, signal))
    ])
    for (const s of count!) row(h, s.metric).requestsPerS = s.value
    for (const s of mean!) row(h, s.metric).meanS = Number.isFinite(s.value) ? s.value : null
    for (const s of p50!) row(h, s.metric).p50S = Number.isFinite(s.value) ? s.value : null
    for (const s of p95!) row(h, s.metric).p95S = Number.isFinite(s.value) ? s.value : null
    for (const s of p99!) row(h, s.metric).p99S = Number.isFinite(s.value) ? s.value : null
  }
  // Error ratios join the histogram's rows by their labels; a counter with no histogram gets rows of its own.
  for (const c of fam.counters.slice(0, 5)) {
    for (const label of ['status', 'code']) {
      const ratio = await vector(
        client,
        `sum by (${BY}) (rate(${c}{${label}=~"5.."}[${w}])) / sum by (${BY}) (rate(${c}{${label}=~".+"}[${w}]))`,
        atS,
        signal
      )
      for (const s of ratio) {
        const lk = key(s.metric)
        const match = [...rows.values()].find((r) => key(r.labels) === lk)
        ;(match ?? row(c, s.metric)).errorRatio = Number.isFinite(s.value) ? s.value : 0
      }
      // Rows with requests but no 5xx series at all: no errors in the window.
    }
  }
  for (const r of rows.values()) if (r.errorRatio === null && fam.counters.length && r.requestsPerS !== null) r.errorRatio = 0
  return [...rows.values()].sort((a, b) => (b.p95S ?? -1) - (a.p95S ?? -1)).slice(0, MAX_ENDPOINT_ROWS)
}

/** Scrape targets the server saw down in the window, and for how much of it. */
export async function downTargets(client: PrometheusClient, range: Range, signal: AbortSignal) {
  const w = `${Math.max(60, Math.round((range.to - range.from) / 1000))}s`
  const r = await vector(client, `1 - avg_over_time(up[${w}]) > 0`, Math.floor(range.to / 1000), signal)
  return r.map((s) => ({ labels: Object.fromEntries(Object.entries(s.metric).filter(([k]) => k !== '__name__')), downRatio: s.value }))
}
