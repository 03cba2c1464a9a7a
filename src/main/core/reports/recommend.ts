import type { ReportData, Recommendation, SeriesFigures, WindowFigures } from './model'

/** Below this mean Redis hit rate (%), the cache misses often enough to say so. */
export const REDIS_HIT_RATE_LOW = 90
/** Below this mean buffer cache hit (%), Postgres reads from disk more than an OLTP database should. */
export const PG_CACHE_HIT_LOW = 99
/** A statement taking this share of all statement time is worth an EXPLAIN on its own. */
export const STATEMENT_SHARE_HIGH = 0.3
/** ... when its calls take at least this long on average (ms). */
export const STATEMENT_MEAN_MS_WORTH = 5
/** Availability under this share of the window is a warning; under the critical one, critical. */
export const AVAILABILITY_WARNING = 0.999
export const AVAILABILITY_CRITICAL = 0.99
/** A 5xx share above this is a warning; above the critical one, critical. */
export const ERROR_RATIO_WARNING = 0.001
export const ERROR_RATIO_CRITICAL = 0.05
/** A p95 this much slower than in the window before (ratio) is a regression to name. */
export const P95_REGRESSION = 1.5

const pct = (x: number, digits = 1) => `${(x * 100).toFixed(digits)}%`
const oneLine = (q: string, n = 90) => {
  const s = q.replace(/\s+/g, ' ').trim()
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}
const seriesOf = (w: WindowFigures, key: string): SeriesFigures[] => w.series.filter((s) => s.seriesId.endsWith(`:${key}`))

function fromPlans(d: ReportData): Recommendation[] {
  return d.plans.flatMap((p) =>
    p.advice
      .filter((a) => a.severity !== 'info' || a.sql)
      .map((a) => ({
        severity: a.severity === 'critical' ? 'critical' : a.severity === 'warning' ? 'warning' : 'info',
        section: 'Postgres',
        title: a.title,
        why: `${a.message} (plan of ${oneLine(p.query, 60)})`,
        sql: a.sql,
        weight: a.savingsMs
      }))
  )
}

function fromFindings(d: ReportData): Recommendation[] {
  return d.findings
    .filter((f) => f.clearedAt === null)
    .map((f) => ({
      severity: f.severity ?? 'info',
      section: f.targetId?.startsWith('redis') ? 'Redis' : f.targetId?.startsWith('postgres') ? 'Postgres' : 'Targets',
      title: f.title,
      why: f.detail ?? 'still found at the end of the window',
      sql: null,
      weight: d.main.range.to - f.firstSeen
    }))
}

function fromStatements(d: ReportData): Recommendation[] {
  return d.main.statements.flatMap((w) => {
    const top = w.top[0]
    if (!top || w.totalMs <= 0) return []
    const share = top.totalMs / w.totalMs
    if (share < STATEMENT_SHARE_HIGH || top.meanMs < STATEMENT_MEAN_MS_WORTH) return []
    return [
      {
        severity: 'warning' as const,
        section: 'Postgres',
        title: `One statement takes ${pct(share, 0)} of the statement time on ${w.targetId}`,
        why: `${oneLine(top.query)}: ${top.calls} calls, ${top.meanMs.toFixed(1)} ms each. EXPLAIN it from Slow queries (its generic plan needs no values).`,
        sql: null,
        weight: top.totalMs
      }
    ]
  })
}

function fromCaches(d: ReportData): Recommendation[] {
  const out: Recommendation[] = []
  for (const s of seriesOf(d.main, 'hitrate'))
    if (s.mean !== null && s.mean < REDIS_HIT_RATE_LOW)
      out.push({
        severity: 'warning',
        section: 'Redis',
        title: `Redis hit rate averaged ${s.mean.toFixed(1)}% (lowest ${s.min?.toFixed(1)}%)`,
        why: `Below ${REDIS_HIT_RATE_LOW}%: misses go to the database. Check the TTLs and what was invalidated in the window (Actions taken).`,
        sql: null,
        weight: REDIS_HIT_RATE_LOW - s.mean
      })
  for (const s of seriesOf(d.main, 'evictions'))
    if (s.max !== null && s.max > 0)
      out.push({
        severity: 'info',
        section: 'Redis',
        title: `Redis evicted keys (up to ${s.max.toFixed(1)}/s)`,
        why: 'maxmemory was reached: keys left before their TTL. Raise maxmemory or shorten what is cached.',
        sql: null,
        weight: s.max
      })
  for (const s of seriesOf(d.main, 'cache_hit'))
    if (s.mean !== null && s.mean < PG_CACHE_HIT_LOW)
      out.push({
        severity: 'warning',
        section: 'Postgres',
        title: `Postgres buffer cache hit averaged ${s.mean.toFixed(2)}%`,
        why: `Below ${PG_CACHE_HIT_LOW}%: the working set does not fit shared_buffers, or a scan reads a large table. See Slow queries by I/O.`,
        sql: null,
        weight: PG_CACHE_HIT_LOW - s.mean
      })
  return out
}

function fromAvailability(d: ReportData): Recommendation[] {
  return d.availability
    .filter((a) => a.upRatio !== null && a.upRatio < AVAILABILITY_WARNING)
    .map((a) => ({
      severity: a.upRatio! < AVAILABILITY_CRITICAL ? 'critical' : 'warning',
      section: 'Availability',
      title: `${a.target.kind} ${a.target.id} was up ${pct(a.upRatio!, 2)} of the window`,
      why: a.downSpans[0]?.why ?? 'it did not answer Lookout’s polls',
      sql: null,
      weight: 1 - a.upRatio!
    }))
}

function fromAlerts(d: ReportData): Recommendation[] {
  return d.alerts
    .filter((a) => a.resolvedAt === null)
    .map((a) => ({
      severity: a.severity ?? 'warning',
      section: 'Alerts',
      title: `${a.title} is still firing`,
      why: `firing since ${new Date(a.firedAt).toISOString().slice(0, 19).replace('T', ' ')} UTC${a.acks.length ? '' : ', not acknowledged'}`,
      sql: null,
      weight: d.main.range.to - a.firedAt
    }))
}

function fromEndpoints(d: ReportData): Recommendation[] {
  const out: Recommendation[] = []
  for (const e of d.main.endpoints) {
    const name = Object.entries(e.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ')
    if (e.errorRatio !== null && e.errorRatio > ERROR_RATIO_WARNING)
      out.push({
        severity: e.errorRatio > ERROR_RATIO_CRITICAL ? 'critical' : 'warning',
        section: 'Prometheus',
        title: `${pct(e.errorRatio, 2)} of requests failed (${e.family}{${name}})`,
        why: 'server errors (5xx) over the whole window',
        sql: null,
        weight: e.errorRatio
      })
    const was = d.before?.endpoints.find((b) => b.family === e.family && JSON.stringify(b.labels) === JSON.stringify(e.labels))
    if (was?.p95S && e.p95S && e.p95S / was.p95S >= P95_REGRESSION)
      out.push({
        severity: 'warning',
        section: 'Prometheus',
        title: `p95 latency rose ${(e.p95S / was.p95S).toFixed(1)}× (${e.family}{${name}})`,
        why: `${(was.p95S * 1000).toFixed(0)} ms before, ${(e.p95S * 1000).toFixed(0)} ms in this window`,
        sql: null,
        weight: e.p95S / was.p95S
      })
  }
  return out
}

const RANK = { critical: 0, warning: 1, info: 2 }

/**
 * Where each source ranks among recommendations of one severity: what is still hurting users
 * (alerts, outages, failing requests), then where the time goes (statements, plans), then caches,
 * then the standing findings. Weights only order recommendations of one source.
 */
const SOURCES = [fromAlerts, fromAvailability, fromEndpoints, fromStatements, fromPlans, fromCaches, fromFindings]

/** Every section's recommendations, ranked: severity, then the source's place, then its weight (time saved, share, duration). */
export function recommend(d: ReportData): Recommendation[] {
  return SOURCES.flatMap((source, order) => source(d).map((r) => ({ r, order })))
    .sort((a, b) => RANK[a.r.severity] - RANK[b.r.severity] || a.order - b.order || b.r.weight - a.r.weight)
    .map(({ r }) => r)
}
