import type { Profile } from '../../../shared/schemas'
import type { TargetCollector } from '../collector'
import { PrometheusClient } from './api-client'

/** How far back a chart is filled from the server when a profile opens. */
export const BACKFILL_SECONDS = 3600
/** Opening a profile never waits longer than this for history. */
export const BACKFILL_TIMEOUT_MS = 3000

export interface Backfill {
  seriesId: string
  t: number[]
  v: number[]
}

/**
 * The PromQL that reproduces one of Lookout's own series of a target, by kind and key, when the
 * server has it: a /metrics endpoint's scrape durations (the server scrapes the same endpoint; in
 * ms like Lookout's chart) and a Prometheus server's count of targets up.
 */
export function ownSeriesQuery(kind: string, key: string, endpoint: string): string | null {
  if (kind === 'metrics' && key === 'scrape') {
    const u = new URL(endpoint)
    const instance = `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`
    return `scrape_duration_seconds{instance=${JSON.stringify(instance)}} * 1000`
  }
  if (kind === 'prometheus' && key === 'up') return 'count(up == 1)'
  return null
}

/** The PromQL that reproduces one of Lookout's own chart series, when the server has it. */
export function backfillQuery(c: TargetCollector, seriesId: string): string | null {
  return seriesId.startsWith(`${c.id}:`) ? ownSeriesQuery(c.kind, seriesId.slice(c.id.length + 1), c.endpoint) : null
}

/**
 * History for the charts of a profile's collectors, read from its Prometheus server over the
 * last hour at the profile's poll interval. Missing data or an unreachable server just means
 * no history: this never fails the opening of a profile.
 */
/** `prometheusUrl`: the profile's server as a client must be given it (with its credentials), or none. */
export async function fetchBackfill(
  profile: Profile,
  prometheusUrl: string | undefined,
  collectors: TargetCollector[],
  nowMs: number
): Promise<Backfill[]> {
  if (!prometheusUrl) return []
  const client = new PrometheusClient(prometheusUrl, { timeoutMs: BACKFILL_TIMEOUT_MS })
  const endS = Math.floor(nowMs / 1000)
  const startS = endS - BACKFILL_SECONDS
  const stepS = Math.max(1, Math.round(profile.pollIntervalMs / 1000))
  const jobs: Promise<Backfill | null>[] = []
  for (const c of collectors) {
    for (const s of c.series) {
      const expr = backfillQuery(c, s.seriesId)
      if (!expr) continue
      jobs.push(
        client.queryRange(expr, startS, endS, stepS).then(
          (r) => {
            if (r.data.type !== 'matrix' || r.data.series.length !== 1) return null
            const one = r.data.series[0]!
            return { seriesId: s.seriesId, t: one.t, v: one.values }
          },
          () => null
        )
      )
    }
  }
  return (await Promise.all(jobs)).filter((b): b is Backfill => b !== null && b.t.length > 0)
}

/**
 * One of Lookout's series over [fromMs, toMs) as the profile's Prometheus server has it (the part
 * of a range older than the local history), at about `points` steps; null when the server has no
 * such series or does not answer in time.
 */
export async function serverRange(
  prometheusUrl: string,
  expr: string,
  fromMs: number,
  toMs: number,
  points: number
): Promise<{ t: number[]; v: number[] } | null> {
  const client = new PrometheusClient(prometheusUrl, { timeoutMs: BACKFILL_TIMEOUT_MS })
  const stepS = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / points))
  try {
    const r = await client.queryRange(expr, Math.floor(fromMs / 1000), Math.floor(toMs / 1000), stepS)
    if (r.data.type !== 'matrix' || r.data.series.length !== 1) return null
    const one = r.data.series[0]!
    const keep = one.t.map((t, i) => [t, one.values[i]!] as const).filter(([t]) => t >= fromMs && t < toMs)
    return keep.length ? { t: keep.map(([t]) => t), v: keep.map(([, v]) => v) } : null
  } catch {
    return null
  }
}
