import { ApiError } from '../../../shared/api'
import type { ReportRequest } from '../../../shared/reports'
import type { TimelineEvent } from '../../../shared/history'
import { isProduction, type Profile } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import type { HistoryStore } from '../history/port'
import { serverRange } from '../prometheus/backfill'
import { PrometheusClient } from '../prometheus/api-client'
import { statementsFromHistory } from '../postgres/statement-views'
import { MEDIUM_TIER_MS } from '../postgres/watch'
import type { CoreServices } from '../services'
import { LOOKOUT_VERSION } from '../version'
import { downTargets, endpointFigures } from './endpoints'
import type {
  AlertRow,
  AvailabilityRow,
  FindingRow,
  Range,
  ReportData,
  ReportTarget,
  SeriesFigures,
  ServerVersion,
  SlowlogRow,
  WindowFigures
} from './model'
import { recommend } from './recommend'
import { profileTargets, prometheusEquivalent, REPORT_SERIES } from './sources'
import { CHART_WIDTH } from './svg'
import { anonymiser, type Anonymiser } from './text'

/** Statements listed per Postgres target, the busiest (total time) first. */
export const TOP_STATEMENTS = 50
/** How far before a window the report looks for what was already firing, down or found when it began. */
export const LOOKBACK_MS = 7 * 86_400_000
/** Most points a window's figures are computed from per series (a 1-hour window at 1 s is 3,600). */
const MAX_FIGURE_POINTS = 20_000
/** A live probe of a target (its version, Redis' slowlog) waits this long. */
export const PROBE_TIMEOUT_MS = 5_000
const NO_SIGNAL = new AbortController().signal

export type Progress = (step: string) => void

const finite = (a: ArrayLike<number>) => {
  const out: number[] = []
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i]!)) out.push(a[i]!)
  return out
}

/** Mean, 95th percentile and extremes of a window's points (nearest rank). */
export function figures(avg: ArrayLike<number>, min: ArrayLike<number>, max: ArrayLike<number>) {
  const v = finite(avg)
  if (!v.length) return { mean: null, p95: null, min: null, max: null, points: 0 }
  const sorted = Float64Array.from(v).sort()
  const lo = finite(min)
  const hi = finite(max)
  return {
    mean: v.reduce((a, b) => a + b, 0) / v.length,
    p95: sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)]!,
    min: lo.length ? Math.min(...lo) : sorted[0]!,
    max: hi.length ? Math.max(...hi) : sorted[sorted.length - 1]!,
    points: v.length
  }
}

function throwIfAborted(signal: AbortSignal) {
  if (signal.aborted) throw new ApiError('conflict', 'the report was cancelled')
}

/** A promise that gives up after `ms` with a message naming what it waited for. */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))
    ])
  } finally {
    clearTimeout(timer)
  }
}

interface Context {
  s: CoreServices
  profile: Profile
  targets: ReportTarget[]
  store: HistoryStore | null
  prometheusUrl: string | null
  metricsUrls: string[]
  a: Anonymiser
  signal: AbortSignal
}

/** One window's series (from the history, else the profile's Prometheus server), statements and endpoint figures. */
async function windowFigures(c: Context, range: Range): Promise<WindowFigures> {
  const span = range.to - range.from
  const points = Math.max(CHART_WIDTH, Math.min(MAX_FIGURE_POINTS, Math.ceil(span / c.profile.pollIntervalMs)))
  const series: SeriesFigures[] = []
  for (const t of c.targets) {
    for (const def of REPORT_SERIES[t.kind]) {
      throwIfAborted(c.signal)
      const seriesId = `${t.id}:${def.key}`
      const base = { targetId: t.id, seriesId, label: def.label, unit: def.unit }
      const stored = c.store?.readSeries(c.profile.name, t.id, seriesId, range.from, range.to, points)
      const f = stored ? figures(stored.data.avg, stored.data.min, stored.data.max) : null
      if (stored && f && f.points > 0) {
        series.push({ ...base, source: 'history', chart: { name: def.label, ...stored.data }, ...f })
        continue
      }
      // Nothing stored for this window: the profile's Prometheus server, where it has the figure.
      const metricsUrl = t.kind === 'metrics' ? c.metricsUrls[Number(t.id.slice('metrics-'.length))] : undefined
      const expr = c.prometheusUrl ? prometheusEquivalent(t, def.key, metricsUrl) : null
      const fromServer = expr ? await serverRange(c.prometheusUrl!, expr, range.from, range.to, Math.min(points, 11_000)) : null
      if (fromServer) {
        const v = Float64Array.from(fromServer.v)
        series.push({
          ...base,
          source: 'prometheus',
          chart: { name: def.label, t: fromServer.t, avg: v, min: v, max: v },
          ...figures(v, v, v)
        })
      }
    }
  }
  // What the user charts from /metrics pages in the explorer is stored too: its series, as small multiples.
  for (const t of c.targets.filter((x) => x.kind === 'metrics' && c.store))
    for (const seriesId of c.store!.seriesNames(c.profile.name, t.id)) {
      if (REPORT_SERIES.metrics.some((d) => seriesId === `${t.id}:${d.key}`)) continue
      throwIfAborted(c.signal)
      const stored = c.store!.readSeries(c.profile.name, t.id, seriesId, range.from, range.to, points)
      const f = figures(stored.data.avg, stored.data.min, stored.data.max)
      if (f.points === 0) continue
      const label = c.a.label(seriesId.slice(t.id.length + 1))
      series.push({
        targetId: t.id,
        seriesId,
        label,
        unit: '',
        source: 'history',
        watched: true,
        chart: { name: label, ...stored.data },
        ...f
      })
    }
  const statements: WindowFigures['statements'] = []
  if (c.store)
    for (const t of c.targets.filter((x) => x.kind === 'postgres')) {
      const q = { window: 'connect' as const, sort: 'total' as const, search: '', user: null, database: null, limit: 1000 }
      const r = statementsFromHistory(c.store, c.profile.name, t.id, range, q, MEDIUM_TIER_MS)
      if (!r.statements.length) continue
      statements.push({
        targetId: t.id,
        top: r.statements.slice(0, TOP_STATEMENTS).map((st) => ({ ...st, query: c.a.sql(st.query), history: [] })),
        count: r.total,
        totalMs: r.statements.reduce((sum, st) => sum + st.totalMs, 0),
        calls: r.statements.reduce((sum, st) => sum + st.calls, 0),
        windowS: r.windowSeconds
      })
    }
  let endpoints: WindowFigures['endpoints'] = []
  if (c.prometheusUrl) {
    const client = new PrometheusClient(c.prometheusUrl, { timeoutMs: PROBE_TIMEOUT_MS })
    endpoints = await endpointFigures(client, range, c.signal).catch(() => [])
    for (const e of endpoints) e.labels = Object.fromEntries(Object.entries(e.labels).map(([k, v]) => [k, k === 'job' ? v : c.a.label(v)]))
  }
  return { range, series, statements, endpoints }
}

const hasData = (w: WindowFigures) => w.series.some((s) => s.points > 0) || w.statements.length > 0

const when = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z')

/** Who reached what: the targets' live versions and, for Redis, the slowlog entries inside the window. */
async function probe(c: Context, range: Range): Promise<{ versions: ServerVersion[]; slowlog: SlowlogRow[] | null }> {
  const out: ServerVersion[] = []
  let slowlog: SlowlogRow[] | null = null
  await Promise.all(
    c.targets.map(async (t) => {
      try {
        if (t.kind === 'postgres' && t.id === 'postgres') {
          const { open } = await c.s.postgres.forProfile(c.profile.name)
          const client = await within(`${t.kind} ${t.endpoint}`, PROBE_TIMEOUT_MS, open())
          try {
            const r = await client.query<{ server_version: string }>('SHOW server_version')
            out.push({ targetId: t.id, kind: t.kind, version: `PostgreSQL ${r.rows[0]!.server_version}`, error: null })
          } finally {
            await client.end().catch(() => {})
          }
        } else if (t.kind === 'redis') {
          const { open } = await c.s.redis.forProfile(c.profile.name)
          const redis = await within(`${t.kind} ${t.endpoint}`, PROBE_TIMEOUT_MS, open())
          try {
            const info = String(await redis.call('INFO', 'server'))
            const version = /redis_version:(\S+)/.exec(info)?.[1] ?? null
            out.push({ targetId: t.id, kind: t.kind, version: version ? `Redis ${version}` : null, error: null })
            const raw = (await redis.call('SLOWLOG', 'GET', '128')) as unknown[]
            slowlog = []
            for (const e of raw) {
              if (!Array.isArray(e) || e.length < 4) continue
              const at = Number(e[1]) * 1000
              if (at < range.from || at >= range.to) continue
              const args = Array.isArray(e[3]) ? (e[3] as unknown[]).map(String) : []
              const shown = args.slice(0, 6).map((x, i) => (i === 0 ? x : c.a.key(x.length > 64 ? `${x.slice(0, 64)}…` : x)))
              slowlog.push({
                at,
                durationUs: Number(e[2]),
                command: shown.join(' ') + (args.length > 6 ? ` … (${args.length - 6} more)` : ''),
                client: [e[5], e[4]].filter((x) => typeof x === 'string' && x).join(' ')
              })
            }
            slowlog.sort((x, y) => y.durationUs - x.durationUs)
          } finally {
            redis.disconnect()
          }
        } else if (t.kind === 'prometheus' && c.prometheusUrl) {
          const client = new PrometheusClient(c.prometheusUrl, { timeoutMs: PROBE_TIMEOUT_MS })
          const b = await client.buildInfo(c.signal)
          out.push({ targetId: t.id, kind: t.kind, version: `Prometheus ${b.data.version}`, error: null })
        }
      } catch (err) {
        out.push({ targetId: t.id, kind: t.kind, version: null, error: errorMessage(err) })
      }
    })
  )
  return { versions: out.sort((x, y) => x.targetId.localeCompare(y.targetId)), slowlog }
}

/** The timeline's events of the profile in the window, and those before it that were still open when it began. */
function events(c: Context, range: Range): { inWindow: TimelineEvent[]; before: TimelineEvent[] } {
  if (!c.store) return { inWindow: [], before: [] }
  const base = { profiles: [c.profile.name], severities: [], search: '', limit: 5000 }
  return {
    inWindow: c.store.timeline({ ...base, range, kinds: [] }),
    before: c.store.timeline({ ...base, range: { from: range.from - LOOKBACK_MS, to: range.from }, kinds: ['alert', 'finding', 'target'] })
  }
}

/**
 * Spans that timeline events open and close (an alert firing to resolved, a finding appearing to
 * clearing), one per key: those still open when the window began (from the lookback), then those
 * the window's events open. A repeated opening updates the open span.
 */
function spans<R>(
  ev: { inWindow: TimelineEvent[]; before: TimelineEvent[] },
  kind: TimelineEvent['kind'],
  how: {
    opens: string[]
    closes: string[]
    make(e: TimelineEvent): R
    close(r: R, e: TimelineEvent): void
    again?(r: R, e: TimelineEvent): void
  }
): R[] {
  const open = new Map<string, R>()
  const rows: R[] = []
  const apply = (e: TimelineEvent) => {
    const k = `${e.targetId ?? ''}\u0000${e.title}`
    const current = open.get(k)
    if (how.opens.includes(e.change)) {
      if (current) how.again?.(current, e)
      else {
        const r = how.make(e)
        open.set(k, r)
        rows.push(r)
      }
    } else if (how.closes.includes(e.change) && current) {
      how.close(current, e)
      open.delete(k)
    }
  }
  for (const e of ev.before) if (e.kind === kind) apply(e)
  // What opened and closed before the window is not its business.
  const carried = new Set(open.values())
  rows.splice(0, rows.length, ...rows.filter((r) => carried.has(r)))
  for (const e of ev.inWindow) if (e.kind === kind) apply(e)
  return rows
}

/** Alerts: firing to resolved (or still firing at the window's end), with the acknowledgements and snoozes of each. */
function alertRows(c: Context, ev: { inWindow: TimelineEvent[]; before: TimelineEvent[] }): AlertRow[] {
  const rows = spans<AlertRow>(ev, 'alert', {
    opens: ['firing'],
    closes: ['resolved', 'inactive'],
    make: (e) => ({
      title: c.a.free(e.title),
      severity: e.severity,
      targetId: e.targetId,
      firedAt: e.t,
      resolvedAt: null,
      detail: e.detail,
      acks: []
    }),
    close: (r, e) => (r.resolvedAt = e.t)
  })
  const acks = ev.inWindow.filter((e) => e.kind === 'action' && /alert|silence/.test(e.change))
  for (const r of rows) {
    const rule = r.title.split(' {')[0]!
    r.acks = acks.filter((a) => a.title.includes(rule)).map((a) => ({ t: a.t, what: a.change }))
  }
  return rows.sort((x, y) => x.firedAt - y.firedAt)
}

const SEVERITY_RANK = { critical: 0, warning: 1, info: 2 }

/** Findings: appearing to clearing (or still there at the window's end), the most severe first. */
function findingRows(c: Context, ev: { inWindow: TimelineEvent[]; before: TimelineEvent[] }): FindingRow[] {
  // A Redis finding's object is a key name: the anonymised mode replaces it.
  const shownTitle = (e: TimelineEvent) => {
    const i = e.title.indexOf(': ')
    return e.targetId !== 'redis' || i < 0 ? e.title : `${e.title.slice(0, i)}: ${c.a.key(e.title.slice(i + 2))}`
  }
  return spans<FindingRow>(ev, 'finding', {
    opens: ['appeared'],
    closes: ['cleared'],
    make: (e) => ({
      targetId: e.targetId,
      severity: e.severity,
      title: shownTitle(e),
      detail: e.detail && c.a.free(e.detail),
      firstSeen: e.t,
      clearedAt: null
    }),
    close: (r, e) => (r.clearedAt = e.t),
    again: (r, e) => (r.severity = e.severity)
  }).sort((x, y) => SEVERITY_RANK[x.severity ?? 'info'] - SEVERITY_RANK[y.severity ?? 'info'] || x.firstSeen - y.firstSeen)
}

/** Each target's share of the window up: its state at the start (from its last down/up before it), then its down and up events. */
function availability(
  c: Context,
  ev: { inWindow: TimelineEvent[]; before: TimelineEvent[] },
  main: WindowFigures,
  range: Range
): AvailabilityRow[] {
  return c.targets.map((t) => {
    const mine = (e: TimelineEvent) => e.kind === 'target' && e.targetId === t.id
    const last = ev.before.filter(mine).at(-1)
    const polls = Math.max(0, ...main.series.filter((s) => s.targetId === t.id && s.source === 'history').map((s) => s.points))
    let downSince: number | null = last?.change === 'down' ? range.from : null
    let why: string | null = last?.change === 'down' ? last.detail : null
    const spans: AvailabilityRow['downSpans'] = []
    for (const e of ev.inWindow.filter(mine)) {
      if (e.change === 'down' && downSince === null) {
        downSince = e.t
        why = e.detail
      } else if (e.change === 'up' && downSince !== null) {
        spans.push({ from: downSince, to: e.t, why })
        downSince = null
      }
    }
    if (downSince !== null) spans.push({ from: downSince, to: range.to, why })
    const known = polls > 0 || spans.length > 0 || last !== undefined
    const down = spans.reduce((sum, s) => sum + (s.to - s.from), 0)
    return { target: t, upRatio: known ? 1 - down / (range.to - range.from) : null, downSpans: spans, polls }
  })
}

/** What the history holds of a profile, as a refusal names it. */
function heldText(store: HistoryStore | null, profile: string): string {
  const held = store?.info().profiles.find((p) => p.profile === profile)
  return held?.oldest != null && held.newest != null
    ? `the history holds ${when(held.oldest)} to ${when(held.newest)}`
    : 'the history holds nothing of it'
}

/**
 * Watches the profile for `ms` (when it is not watched already) so the history has a window to
 * report on: what `lookout report --duration` does where neither the history nor Prometheus covers
 * the window asked. Progress every second; a cancel stops the wait.
 */
async function pollFor(c: Context, ms: number, progress: Progress): Promise<Range> {
  const started = !c.s.monitors.has(c.profile.name)
  if (started) await c.s.monitors.start(c.profile.name)
  const from = c.s.clock.now()
  try {
    while (c.s.clock.now() - from < ms) {
      throwIfAborted(c.signal)
      progress(`polling the profile: ${Math.round((c.s.clock.now() - from) / 1000)} of ${Math.round(ms / 1000)} s`)
      await new Promise((r) => setTimeout(r, Math.min(1000, ms - (c.s.clock.now() - from))))
    }
  } finally {
    if (started) await c.s.monitors.stop(c.profile.name)
  }
  c.s.history.flushNow()
  return { from, to: c.s.clock.now() }
}

/** Everything a report shows, for a profile and a window (and the window compared with). */
export async function gatherReport(
  s: CoreServices,
  req: ReportRequest,
  signal: AbortSignal = NO_SIGNAL,
  progress: Progress = () => {}
): Promise<ReportData> {
  const profile = await s.profiles.get(req.profile)
  const secrets = await s.profiles.secretsOf(profile)
  const store = s.history.store
  const warnings: string[] = []
  if (!store) warnings.push(`The history is off (${s.history.info().problem ?? 'no store'}): figures come from Prometheus only.`)
  const c: Context = {
    s,
    profile,
    targets: profileTargets(profile),
    store,
    prometheusUrl: secrets.urls.prometheus ?? profile.prometheus ?? null,
    metricsUrls: profile.metrics.map((m) => m.url),
    a: anonymiser(req.anonymise, `${req.profile}\u0000${s.clock.now()}`),
    signal
  }
  s.history.flushNow()
  progress('reading the window')
  let range: Range = req.range
  let main = await windowFigures(c, range)
  const sources = new Set<ReportData['sources'][number]>()
  if (!hasData(main)) {
    if (req.pollForMs === null) {
      throw new ApiError(
        'not_found',
        `nothing covers ${when(range.from)} to ${when(range.to)} for profile "${profile.name}": ${heldText(store, profile.name)}; ${
          c.prometheusUrl ? 'its Prometheus server has none of its series there' : 'it names no Prometheus server'
        }. Pick a window inside what is held, or poll the profile first (lookout report --duration 10m)`
      )
    }
    if (!store) throw new ApiError('unavailable', `polling needs the history store, which is off: ${s.history.info().problem ?? ''}`)
    warnings.push(
      `Nothing was held for ${when(req.range.from)} to ${when(req.range.to)}: Lookout polled the profile for ${Math.round(req.pollForMs / 1000)} s and reports on that instead.`
    )
    range = await pollFor(c, req.pollForMs, progress)
    main = await windowFigures(c, range)
    sources.add('polled')
  }
  const held = store?.info().profiles.find((p) => p.profile === profile.name)
  if (held?.oldest != null && held.oldest > range.from + 60_000 && !main.series.some((x) => x.source === 'prometheus'))
    warnings.push(
      `Lookout's history of this profile starts at ${when(held.oldest)}: the window's first ${Math.round((held.oldest - range.from) / 60_000)} min have no figures.`
    )
  for (const x of main.series) sources.add(x.source)
  if (main.statements.length) sources.add('history')
  if (main.endpoints.length) sources.add('prometheus')
  throwIfAborted(signal)
  progress('reading the window compared with')
  const beforeRange = req.compareTo ?? { from: range.from - (range.to - range.from), to: range.from }
  const beforeFigures = await windowFigures(c, beforeRange)
  const before = hasData(beforeFigures) ? beforeFigures : null
  if (req.compareTo && !before)
    warnings.push(
      `Nothing is held for the window compared with (${when(beforeRange.from)} to ${when(beforeRange.to)}): ${heldText(store, profile.name)}.`
    )
  throwIfAborted(signal)
  progress('asking the targets')
  const live = await probe(c, range)
  for (const v of live.versions)
    if (v.error)
      warnings.push(
        `${v.kind} target "${v.targetId}" could not be reached: ${v.error}. Its live parts (version${v.kind === 'redis' ? ', slowlog' : ''}) are missing.`
      )
  throwIfAborted(signal)
  progress('reading the timeline')
  const ev = events(c, range)
  const alerts = alertRows(c, ev)
  const findings = findingRows(c, ev)
  const prometheusDown = c.prometheusUrl
    ? await downTargets(new PrometheusClient(c.prometheusUrl, { timeoutMs: PROBE_TIMEOUT_MS }), range, signal)
        .then((rows) =>
          rows.map((r) => ({
            ...r,
            labels: Object.fromEntries(Object.entries(r.labels).map(([k, v]) => [k, k === 'job' ? v : c.a.label(v)]))
          }))
        )
        .catch(() => null)
    : null
  const plans = s.plans
    .list(profile.name, null)
    .filter((e) => e.at >= range.from && e.at < range.to)
    .slice(0, 10)
    .map((e) => {
      const r = s.plans.get(e.id)!.result
      return {
        at: e.at,
        query: c.a.sql(e.query),
        analyzed: e.analyzed,
        executionMs: e.executionMs,
        advice: r.advice
          .slice(0, 5)
          .map((x) => ({ severity: x.severity, title: x.title, message: c.a.free(x.message), sql: x.sql, savingsMs: x.savingsMs }))
      }
    })
  const data: ReportData = {
    profile: { name: profile.name, environment: profile.environment, production: isProduction(profile), readOnly: profile.readOnly },
    generatedAt: s.clock.now(),
    lookoutVersion: LOOKOUT_VERSION,
    anonymised: req.anonymise,
    targets: c.targets,
    versions: live.versions,
    main,
    before,
    comparison: req.compareTo !== null,
    sources: [...sources],
    warnings,
    availability: availability(c, ev, main, range),
    findings,
    alerts,
    actions: ev.inWindow
      .filter((e) => e.kind === 'action')
      .map((e) => ({ t: e.t, title: c.a.free(e.title), failed: e.severity === 'warning', detail: e.detail && c.a.free(e.detail) })),
    statementJumps: ev.inWindow
      .filter((e) => e.kind === 'statement')
      .map((e) => ({ t: e.t, title: c.a.sql(e.title), detail: e.detail && c.a.free(e.detail) })),
    plans,
    slowlog: live.slowlog,
    prometheusDown,
    recommendations: []
  }
  data.recommendations = recommend(data)
  return data
}
