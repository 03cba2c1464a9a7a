import { createHash } from 'node:crypto'
import type { PgStatement } from '../../../shared/postgres'
import type { ChartMark } from './svg'
import { formatSeconds } from '../../../shared/format'
import { formatValue, lineChart } from './svg'
import type { EndpointFigures, ReportData, SeriesFigures, WindowFigures } from './model'
import { REPORT_CSS } from './style'
import { attr, MAX_LABEL_CHARS, text } from './text'

/** The report's Content-Security-Policy: nothing may load or run; only its own stylesheet (by hash) applies. */
export function reportCsp(css: string): string {
  const hash = createHash('sha256').update(css).digest('base64')
  return `default-src 'none'; style-src 'sha256-${hash}'; img-src data:; base-uri 'none'; form-action 'none'`
}

const utc = (t: number) => `${new Date(t).toISOString().slice(0, 19).replace('T', ' ')} UTC`
const clock = (t: number) => new Date(t).toISOString().slice(11, 19)
export function duration(ms: number): string {
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`
  if (s < 86_400) return `${Math.floor(s / 3600)} h${Math.round((s % 3600) / 60) ? ` ${Math.round((s % 3600) / 60)} min` : ''}`
  return `${(s / 86_400).toFixed(1)} d`
}
const windowText = (r: { from: number; to: number }) => `${utc(r.from)} – ${utc(r.to)} (${duration(r.to - r.from)})`
const ms = (x: number | null) =>
  x === null ? '–' : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${x.toFixed(0)} ms` : `${x.toFixed(2)} ms`
const sec = (x: number | null) => (x === null ? '–' : formatSeconds(x))
const ratio = (x: number | null, digits = 2) => (x === null ? '–' : `${(x * 100).toFixed(digits)}%`)
const sev = (s: string | null) => `<span class="sev ${attr(s ?? 'info')}">${text(s ?? 'info')}</span>`
const labelsText = (l: Record<string, string>) =>
  Object.entries(l)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ')

/** How a figure moved from the window before: the relative change, said better or worse where one direction is good. */
function change(now: number | null, before: number | null, goodWhen: 'up' | 'down' | 'either'): string {
  if (now === null || before === null) return '<span class="muted">–</span>'
  if (before === 0) return now === 0 ? '<span class="muted">no change</span>' : '<span class="muted">new</span>'
  const rel = (now - before) / Math.abs(before)
  if (Math.abs(rel) < 0.005) return '<span class="muted">no change</span>'
  const cls = goodWhen === 'either' ? 'muted' : rel > 0 === (goodWhen === 'up') ? 'better' : 'worse'
  return `<span class="${cls}">${rel > 0 ? '▲' : '▼'} ${Math.abs(rel * 100).toFixed(rel > 10 ? 0 : 1)}%</span>`
}

/** One headline figure, with the window before beside it. */
interface Headline {
  label: string
  now: number | null
  before: number | null
  show: (v: number) => string
  good: 'up' | 'down' | 'either'
}

const seriesMean = (w: WindowFigures | null, key: string, pick: 'mean' | 'p95' | 'max' = 'mean') => {
  const s = w?.series.find((x) => x.seriesId.endsWith(`:${key}`) && x[pick] !== null)
  return s ? s[pick] : null
}
const statementRate = (w: WindowFigures | null, f: 'ms' | 'calls') => {
  if (!w?.statements.length) return null
  const st = w.statements[0]!
  return st.windowS > 0 ? (f === 'ms' ? st.totalMs : st.calls) / st.windowS : null
}
const slowestP95 = (w: WindowFigures | null) => {
  const xs = (w?.endpoints ?? []).map((e) => e.p95S).filter((x): x is number => x !== null)
  return xs.length ? Math.max(...xs) : null
}
const meanLatency = (w: WindowFigures | null) => {
  const rows = (w?.endpoints ?? []).filter((e) => e.meanS !== null && e.requestsPerS)
  const n = rows.reduce((a, e) => a + e.requestsPerS!, 0)
  return n > 0 ? rows.reduce((a, e) => a + e.meanS! * e.requestsPerS!, 0) / n : null
}

function headlines(d: ReportData): Headline[] {
  const b = d.before
  const unit = (u: string) => (v: number) => formatValue(v, u)
  const all: Headline[] = [
    {
      label: 'Postgres transactions/s (mean)',
      now: seriesMean(d.main, 'tps'),
      before: seriesMean(b, 'tps'),
      show: unit('tx/s'),
      good: 'either'
    },
    {
      label: 'Postgres buffer cache hit',
      now: seriesMean(d.main, 'cache_hit'),
      before: seriesMean(b, 'cache_hit'),
      show: (v) => `${v.toFixed(2)}%`,
      good: 'up'
    },
    {
      label: 'Statement time per second',
      now: statementRate(d.main, 'ms'),
      before: statementRate(b, 'ms'),
      show: (v) => `${ms(v)}/s`,
      good: 'down'
    },
    {
      label: 'Statements/s',
      now: statementRate(d.main, 'calls'),
      before: statementRate(b, 'calls'),
      show: unit('calls/s'),
      good: 'either'
    },
    {
      label: 'Redis hit rate (mean)',
      now: seriesMean(d.main, 'hitrate'),
      before: seriesMean(b, 'hitrate'),
      show: (v) => `${v.toFixed(1)}%`,
      good: 'up'
    },
    { label: 'Redis commands/s (mean)', now: seriesMean(d.main, 'ops'), before: seriesMean(b, 'ops'), show: unit('ops/s'), good: 'either' },
    { label: 'Request latency (mean)', now: meanLatency(d.main), before: meanLatency(b), show: (v) => sec(v), good: 'down' },
    { label: 'Slowest endpoint p95', now: slowestP95(d.main), before: slowestP95(b), show: (v) => sec(v), good: 'down' }
  ]
  const avail = d.availability.map((a) => a.upRatio).filter((x): x is number => x !== null)
  if (avail.length) all.push({ label: 'Lowest availability', now: Math.min(...avail), before: null, show: (v) => ratio(v, 2), good: 'up' })
  all.push({ label: 'Alerts fired', now: d.alerts.length, before: null, show: (v) => String(v), good: 'down' })
  return all.filter((h) => h.now !== null)
}

function summary(d: ReportData): string {
  const cards = headlines(d)
    .map(
      (h) =>
        `<div class="card"><div class="label">${text(h.label)}</div><div class="value">${text(h.show(h.now!))}</div>${
          d.before && h.before !== null
            ? `<div class="delta">${change(h.now, h.before, h.good)} <span class="muted">vs ${text(h.show(h.before))}</span></div>`
            : ''
        }</div>`
    )
    .join('')
  const vs = d.before
    ? `<p class="muted">Changes are against ${d.comparison ? 'the window compared with' : 'the previous window of the same length'}: ${windowText(d.before.range)}.</p>`
    : '<p class="muted">Nothing is held for the previous window of the same length: no changes to show.</p>'
  const top = d.recommendations.slice(0, 3)
  return `<section id="summary" class="first"><h2>Summary</h2>${vs}<div class="cards">${cards}</div>${
    top.length
      ? `<h3>First things to look at</h3><ol class="recs">${top.map((r) => `<li>${sev(r.severity)} ${text(r.title)}</li>`).join('')}</ol>`
      : ''
  }</section>`
}

function marksOf(d: ReportData, targetId: string | null): ChartMark[] {
  return [
    ...d.alerts
      .filter((a) => targetId === null || a.targetId === targetId)
      .map((a) => ({ t: a.firedAt, label: `alert: ${a.title}`, kind: 'alert' as const })),
    ...d.actions.map((a) => ({ t: a.t, label: `action: ${a.title}`, kind: 'action' as const }))
  ]
}

function chartOf(d: ReportData, s: SeriesFigures): string {
  const figs = `mean ${formatValue(s.mean!, s.unit)}, p95 ${formatValue(s.p95!, s.unit)}, min ${formatValue(s.min!, s.unit)}, max ${formatValue(s.max!, s.unit)}`
  const source =
    s.source === 'prometheus'
      ? 'from the profile’s Prometheus server'
      : `from Lookout’s history, ${s.points.toLocaleString('en-US')} points`
  return `<p class="chart-title">${text(s.label)} <span class="source">· ${text(s.targetId)} · ${text(figs)} · ${source}</span></p>${lineChart(
    {
      title: `${s.label} (${s.targetId})`,
      unit: s.unit,
      from: d.main.range.from,
      to: d.main.range.to,
      series: [s.chart],
      marks: marksOf(d, s.targetId)
    }
  )}`
}

function statementTable(rows: PgStatement[], totalMs: number): string {
  const body = rows
    .map(
      (s) =>
        `<tr><td class="q">${text(s.query)}</td><td class="num">${s.calls.toLocaleString('en-US')}</td><td class="num">${ms(s.totalMs)}</td><td class="num">${
          totalMs > 0 ? ratio(s.totalMs / totalMs, 1) : '–'
        }</td><td class="num">${ms(s.meanMs)}</td><td class="num">${ms(s.stddevMs)}</td><td class="num">${ms(s.maxMs)}</td><td class="num">${s.rows.toLocaleString('en-US')}</td></tr>`
    )
    .join('')
  return `<table class="statements"><thead><tr><th>Statement</th><th class="num">Calls</th><th class="num">Total</th><th class="num">Share</th><th class="num">Mean</th><th class="num">Stddev</th><th class="num">Max</th><th class="num">Rows</th></tr></thead><tbody>${body}</tbody></table>`
}

function findingsTable(rows: ReportData['findings']): string {
  if (!rows.length) return ''
  return `<table class="findings"><thead><tr><th>Severity</th><th>Finding</th><th>Seen</th><th>Detail</th></tr></thead><tbody>${rows
    .map(
      (f) =>
        `<tr><td>${sev(f.severity)}</td><td class="q">${text(f.title, MAX_LABEL_CHARS * 2)}</td><td class="num">${clock(f.firstSeen)}${
          f.clearedAt ? ` – ${clock(f.clearedAt)}` : ' – end'
        }</td><td>${f.detail ? text(f.detail) : ''}</td></tr>`
    )
    .join('')}</tbody></table>`
}

function postgres(d: ReportData): string {
  const targets = d.targets.filter((t) => t.kind === 'postgres')
  if (!targets.length) return ''
  const parts: string[] = []
  for (const t of targets) {
    const series = d.main.series.filter((s) => s.targetId === t.id)
    const st = d.main.statements.find((x) => x.targetId === t.id)
    if (!series.length && !st) continue
    parts.push(`<h3>${text(t.id)} <span class="muted">${text(t.endpoint)}</span></h3>`)
    parts.push(series.map((s) => chartOf(d, s)).join(''))
    if (st)
      parts.push(
        `<h3>Top statements by total time</h3><p class="muted">${st.count} statement(s) ran in the window, ${st.calls.toLocaleString('en-US')} calls, ${ms(st.totalMs)} in all (deltas of pg_stat_statements between its samples). The ${st.top.length} busiest:</p>${statementTable(st.top, st.totalMs)}`
      )
    else if (series.some((s) => s.source === 'prometheus'))
      parts.push(
        '<p class="muted">Statements: not available from Prometheus (Lookout reads pg_stat_statements itself; the history holds none for this window).</p>'
      )
  }
  if (d.statementJumps.length)
    parts.push(
      `<h3>Statements whose time jumped</h3><table><tbody>${d.statementJumps
        .map(
          (j) => `<tr><td class="num">${clock(j.t)}</td><td class="q">${text(j.title)}</td><td>${j.detail ? text(j.detail) : ''}</td></tr>`
        )
        .join('')}</tbody></table>`
    )
  const findings = d.findings.filter((f) => f.targetId?.startsWith('postgres'))
  if (findings.length) parts.push(`<h3>Index, maintenance and query findings</h3>${findingsTable(findings)}`)
  if (d.plans.length)
    parts.push(
      `<h3>Plans explained in the window</h3>${d.plans
        .map(
          (p) =>
            `<p><b>${clock(p.at)}</b> ${p.analyzed ? 'EXPLAIN ANALYZE' : 'EXPLAIN'}${p.executionMs !== null ? `, ${ms(p.executionMs)}` : ''}</p><pre class="q">${text(p.query)}</pre>${
              p.advice.length
                ? `<ul>${p.advice.map((a) => `<li>${sev(a.severity)} <b>${text(a.title)}</b>: ${text(a.message)}${a.sql ? `<pre>${text(a.sql)}</pre>` : ''}</li>`).join('')}</ul>`
                : '<p class="muted">No advice on this plan.</p>'
            }`
        )
        .join('')}`
    )
  if (!parts.length) return ''
  return `<section id="postgres"><h2>Postgres</h2>${parts.join('')}</section>`
}

function redis(d: ReportData): string {
  const t = d.targets.find((x) => x.kind === 'redis')
  if (!t) return ''
  const series = d.main.series.filter((s) => s.targetId === t.id)
  const findings = d.findings.filter((f) => f.targetId === t.id)
  const parts: string[] = [`<p class="muted">${text(t.endpoint)}</p>`]
  if (series.length) parts.push(series.map((s) => chartOf(d, s)).join(''))
  else
    parts.push(
      '<p class="muted">Hit rate, commands and memory: not available for this window (nothing in the history, and no redis_exporter series on the profile’s Prometheus server).</p>'
    )
  if (d.slowlog?.length)
    parts.push(
      `<h3>Slowlog: the slowest commands in the window</h3><table><thead><tr><th>At</th><th class="num">Took</th><th>Command</th><th>Client</th></tr></thead><tbody>${d.slowlog
        .slice(0, 15)
        .map(
          (e) =>
            `<tr><td class="num">${clock(e.at)}</td><td class="num">${ms(e.durationUs / 1000)}</td><td class="q">${text(e.command, MAX_LABEL_CHARS * 3)}</td><td class="q">${text(e.client, MAX_LABEL_CHARS)}</td></tr>`
        )
        .join('')}</tbody></table>${d.slowlog.length > 15 ? `<p class="muted">and ${d.slowlog.length - 15} more</p>` : ''}`
    )
  else if (d.slowlog) parts.push('<p class="muted">Slowlog: no command in the window was slower than slowlog-log-slower-than.</p>')
  if (findings.length) parts.push(`<h3>Key-space and server findings</h3>${findingsTable(findings)}`)
  return `<section id="redis"><h2>Redis</h2>${parts.join('')}</section>`
}

function endpointTable(rows: EndpointFigures[]): string {
  return `<table class="endpoints"><thead><tr><th>Endpoint</th><th class="num">Req/s</th><th class="num">Mean</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">Errors</th></tr></thead><tbody>${rows
    .map(
      (e) =>
        `<tr><td class="q">${text(e.family, MAX_LABEL_CHARS)}{${text(labelsText(e.labels), MAX_LABEL_CHARS * 3)}}</td><td class="num">${
          e.requestsPerS === null ? '–' : e.requestsPerS.toFixed(2)
        }</td><td class="num">${sec(e.meanS)}</td><td class="num">${sec(e.p50S)}</td><td class="num">${sec(e.p95S)}</td><td class="num">${sec(e.p99S)}</td><td class="num">${ratio(e.errorRatio)}</td></tr>`
    )
    .join('')}</tbody></table>`
}

/** Series watched in the metrics explorer: two small charts to a row, each with its figures. */
function watchedSeries(d: ReportData, series: SeriesFigures[]): string {
  if (!series.length) return ''
  return `<h3>Series watched in the metrics explorer</h3><div class="smalls">${series
    .map(
      (s) =>
        `<div><p class="chart-title" title="${attr(s.label)}">${text(s.label, MAX_LABEL_CHARS)} <span class="source">· mean ${text(formatValue(s.mean!, s.unit))}, p95 ${text(
          formatValue(s.p95!, s.unit)
        )}, max ${text(formatValue(s.max!, s.unit))}</span></p>${lineChart({ title: s.label, unit: s.unit, from: d.main.range.from, to: d.main.range.to, series: [s.chart], small: true })}</div>`
    )
    .join('')}</div>`
}

function prometheus(d: ReportData): string {
  const all = d.main.series.filter((s) => s.targetId === 'prometheus' || s.targetId.startsWith('metrics-'))
  const series = all.filter((s) => !s.watched)
  if (!d.main.endpoints.length && !all.length && !d.prometheusDown?.length) return ''
  const parts: string[] = []
  if (d.main.endpoints.length)
    parts.push(
      `<h3>Endpoints: latency percentiles and error ratio over the window</h3><p class="muted">From the profile’s Prometheus server: histogram_quantile over the window’s rate, errors as the 5xx share.</p>${endpointTable(d.main.endpoints)}`
    )
  if (d.prometheusDown?.length)
    parts.push(
      `<h3>Scrape targets down</h3><table><thead><tr><th>Target</th><th class="num">Down</th></tr></thead><tbody>${d.prometheusDown
        .map(
          (x) =>
            `<tr><td class="q">${text(labelsText(x.labels), MAX_LABEL_CHARS * 3)}</td><td class="num">${ratio(x.downRatio, 1)} of the window</td></tr>`
        )
        .join('')}</tbody></table>`
    )
  else if (d.prometheusDown) parts.push('<p class="muted">No scrape target of the Prometheus server was down in the window.</p>')
  parts.push(series.map((s) => chartOf(d, s)).join(''))
  parts.push(
    watchedSeries(
      d,
      all.filter((s) => s.watched)
    )
  )
  return `<section id="prometheus"><h2>Prometheus</h2>${parts.join('')}</section>`
}

function availability(d: ReportData): string {
  if (!d.availability.length) return ''
  const rows = d.availability
    .map(
      (a) =>
        `<tr><td>${text(a.target.kind)}</td><td>${text(a.target.id)}</td><td class="q">${text(a.target.endpoint, MAX_LABEL_CHARS)}</td><td class="num">${ratio(a.upRatio, 3)}</td><td class="num">${
          a.polls ? a.polls.toLocaleString('en-US') : '–'
        }</td><td>${a.downSpans.map((s) => `${clock(s.from)} – ${clock(s.to)} (${duration(s.to - s.from)})${s.why ? `: ${text(s.why, MAX_LABEL_CHARS * 2)}` : ''}`).join('<br>')}</td></tr>`
    )
    .join('')
  return `<section id="availability"><h2>Availability</h2><p class="muted">Share of the window each target answered Lookout’s polls, from its down and up events; points: polls stored.</p><table><thead><tr><th>Kind</th><th>Target</th><th>Endpoint</th><th class="num">Up</th><th class="num">Points</th><th>Down</th></tr></thead><tbody>${rows}</tbody></table></section>`
}

function alerts(d: ReportData): string {
  if (!d.alerts.length) return `<section id="alerts"><h2>Alerts</h2><p class="muted">No alert fired in the window.</p></section>`
  const rows = d.alerts
    .map(
      (a) =>
        `<tr><td>${sev(a.severity)}</td><td class="q">${text(a.title, MAX_LABEL_CHARS * 2)}</td><td class="num">${a.firedAt < d.main.range.from ? `before, ${utc(a.firedAt)}` : clock(a.firedAt)}</td><td class="num">${
          a.resolvedAt === null ? '<b>still firing</b>' : clock(a.resolvedAt)
        }</td><td class="num">${duration((a.resolvedAt ?? d.main.range.to) - a.firedAt)}</td><td>${
          a.acks.length ? a.acks.map((k) => `${text(k.what)} at ${clock(k.t)}`).join('<br>') : '<span class="muted">none</span>'
        }${a.detail ? `<br><span class="muted">${text(a.detail)}</span>` : ''}</td></tr>`
    )
    .join('')
  return `<section id="alerts"><h2>Alerts</h2><table><thead><tr><th>Severity</th><th>Alert</th><th class="num">Fired</th><th class="num">Resolved</th><th class="num">Lasted</th><th>Acknowledged, snoozed</th></tr></thead><tbody>${rows}</tbody></table></section>`
}

function actions(d: ReportData): string {
  if (!d.actions.length) return ''
  return `<section id="actions"><h2>Actions taken</h2><p class="muted">From the audit log: every mutating request, whoever made it (the app, serve, the CLI).</p><table><thead><tr><th class="num">At</th><th>Action</th><th>Detail</th></tr></thead><tbody>${d.actions
    .map(
      (a) =>
        `<tr><td class="num">${clock(a.t)}</td><td class="q">${a.failed ? '<span class="worse">' : '<span>'}${text(a.title, MAX_LABEL_CHARS * 2)}</span></td><td class="q">${a.detail ? text(a.detail, MAX_LABEL_CHARS * 2) : ''}</td></tr>`
    )
    .join('')}</tbody></table></section>`
}

function recommendations(d: ReportData): string {
  if (!d.recommendations.length)
    return `<section id="recommendations"><h2>Recommendations</h2><p class="muted">Nothing to recommend from this window.</p></section>`
  return `<section id="recommendations"><h2>Recommendations</h2><p class="muted">Gathered from every section, the most severe first.</p><ol class="recs">${d.recommendations
    .map(
      (r) =>
        `<li>${sev(r.severity)} <span class="muted">${text(r.section)}</span> <b>${text(r.title)}</b><br>${text(r.why)}${r.sql ? `<pre>${text(r.sql)}</pre>` : ''}</li>`
    )
    .join('')}</ol></section>`
}

/** The two windows side by side: the figures the seeds' teams computed by hand, and each series overlaid on the same time-of-window axis. */
function comparison(d: ReportData): string {
  if (!d.comparison) return ''
  const b = d.before
  if (!b)
    return `<section id="comparison"><h2>Before and after</h2><p class="muted">Nothing is held for the window compared with.</p></section>`
  const rows: string[] = []
  const row = (label: string, x: number | null, y: number | null, show: (v: number) => string, good: 'up' | 'down' | 'either') =>
    rows.push(
      `<tr><td>${text(label)}</td><td class="num">${x === null ? '–' : text(show(x))}</td><td class="num">${y === null ? '–' : text(show(y))}</td><td class="num">${change(y, x, good)}</td></tr>`
    )
  for (const s of d.main.series.filter((x) => !x.watched)) {
    const was = b.series.find((x) => x.seriesId === s.seriesId)
    row(
      `${s.label} (${s.targetId}), mean`,
      was?.mean ?? null,
      s.mean,
      (v) => formatValue(v, s.unit),
      /:(cache_hit|hitrate)$/.test(s.seriesId) ? 'up' : 'either'
    )
    row(`${s.label} (${s.targetId}), p95`, was?.p95 ?? null, s.p95, (v) => formatValue(v, s.unit), 'either')
  }
  row('Statement time per second', statementRate(b, 'ms'), statementRate(d.main, 'ms'), (v) => `${ms(v)}/s`, 'down')
  row('Statements per second', statementRate(b, 'calls'), statementRate(d.main, 'calls'), (v) => `${v.toFixed(1)}/s`, 'either')
  row('Request latency, mean', meanLatency(b), meanLatency(d.main), sec, 'down')
  row('Slowest endpoint, p95', slowestP95(b), slowestP95(d.main), sec, 'down')
  // Statements of either window, the busiest of both first: mean time and throughput before and after.
  const keys = new Map<string, { query: string; before: PgStatement | null; after: PgStatement | null }>()
  for (const w of b.statements)
    for (const s of w.top.slice(0, 15)) keys.set(`${w.targetId}/${s.key}`, { query: s.query, before: s, after: null })
  for (const w of d.main.statements)
    for (const s of w.top) {
      const k = `${w.targetId}/${s.key}`
      const e = keys.get(k)
      if (e) e.after = s
      else if (w.top.indexOf(s) < 15) keys.set(k, { query: s.query, before: null, after: s })
    }
  for (const w of b.statements)
    for (const s of w.top) if (keys.has(`${w.targetId}/${s.key}`)) keys.get(`${w.targetId}/${s.key}`)!.before ??= s
  const stmts = [...keys.values()]
    .sort((x, y) => Math.max(y.before?.totalMs ?? 0, y.after?.totalMs ?? 0) - Math.max(x.before?.totalMs ?? 0, x.after?.totalMs ?? 0))
    .slice(0, 15)
  const stmtRows = stmts
    .map(
      (s) =>
        `<tr><td class="q">${text(s.query, 300)}</td><td class="num">${ms(s.before?.meanMs ?? null)}</td><td class="num">${ms(s.after?.meanMs ?? null)}</td><td class="num">${change(
          s.after?.meanMs ?? null,
          s.before?.meanMs ?? null,
          'down'
        )}</td><td class="num">${s.before ? s.before.callsPerSec.toFixed(2) : '–'}</td><td class="num">${s.after ? s.after.callsPerSec.toFixed(2) : '–'}</td></tr>`
    )
    .join('')
  const endpointRows = d.main.endpoints
    .map((e) => {
      const was = b.endpoints.find((x) => x.family === e.family && JSON.stringify(x.labels) === JSON.stringify(e.labels))
      return `<tr><td class="q">${text(labelsText(e.labels), MAX_LABEL_CHARS * 2)}</td><td class="num">${sec(was?.meanS ?? null)}</td><td class="num">${sec(e.meanS)}</td><td class="num">${sec(was?.p95S ?? null)}</td><td class="num">${sec(e.p95S)}</td><td class="num">${change(e.p95S, was?.p95S ?? null, 'down')}</td></tr>`
    })
    .join('')
  const overlays = d.main.series
    .filter((s) => !s.watched && b.series.some((x) => x.seriesId === s.seriesId))
    .slice(0, 8)
    .map((s) => {
      const was = b.series.find((x) => x.seriesId === s.seriesId)!
      const shift = d.main.range.from - b.range.from
      const shifted = { ...was.chart, name: 'before', t: Array.from(was.chart.t, (t) => t + shift) }
      return `<p class="chart-title">${text(s.label)} <span class="source">· ${text(s.targetId)} · before (shifted onto this window’s clock) and after</span></p>${lineChart(
        {
          title: `${s.label}: before and after`,
          unit: s.unit,
          from: d.main.range.from,
          to: d.main.range.to,
          series: [shifted, { ...s.chart, name: 'after' }]
        }
      )}`
    })
    .join('')
  return `<section id="comparison"><h2>Before and after</h2><p><b>Before:</b> ${windowText(b.range)}<br><b>After:</b> ${windowText(d.main.range)}</p>
<table class="compare"><thead><tr><th>Figure</th><th class="num">Before</th><th class="num">After</th><th class="num">Change</th></tr></thead><tbody>${rows.join('')}</tbody></table>
${stmts.length ? `<h3>Statements: mean time and throughput</h3><table class="compare-statements"><thead><tr><th>Statement</th><th class="num">Mean before</th><th class="num">Mean after</th><th class="num">Change</th><th class="num">Calls/s before</th><th class="num">Calls/s after</th></tr></thead><tbody>${stmtRows}</tbody></table>` : ''}
${endpointRows ? `<h3>Endpoints: mean and p95 latency</h3><table><thead><tr><th>Endpoint</th><th class="num">Mean before</th><th class="num">Mean after</th><th class="num">p95 before</th><th class="num">p95 after</th><th class="num">Change</th></tr></thead><tbody>${endpointRows}</tbody></table>` : ''}
${overlays}</section>`
}

function header(d: ReportData): string {
  const versions = d.versions
    .map((v) => `${text(v.targetId)}: ${v.version ? text(v.version) : `<span class="worse">not reached</span>`}`)
    .join(' · ')
  const sources = d.sources
    .map((s) =>
      s === 'history' ? 'Lookout’s history' : s === 'prometheus' ? 'the profile’s Prometheus server' : 'a watch made for this report'
    )
    .join(', ')
  return `<header class="report"><h1>${d.comparison ? 'Before and after' : 'Performance report'}: ${text(d.profile.name, MAX_LABEL_CHARS)}</h1>
<dl class="meta"><dt>Profile</dt><dd>${text(d.profile.name, MAX_LABEL_CHARS)} · environment <b>${text(d.profile.environment)}</b>${d.profile.production ? ' (production)' : ''}${d.profile.readOnly ? ' · read-only' : ''}</dd>
<dt>Window</dt><dd>${windowText(d.main.range)}</dd>
${d.comparison && d.before ? `<dt>Compared with</dt><dd>${windowText(d.before.range)}</dd>` : ''}
<dt>Targets</dt><dd>${d.targets.map((t) => `${text(t.kind)} <span class="q">${text(t.endpoint, MAX_LABEL_CHARS)}</span>`).join(' · ') || 'none'}</dd>
<dt>Servers</dt><dd>${versions || '<span class="muted">none asked</span>'}</dd>
<dt>Data from</dt><dd>${sources || 'nothing'}</dd>
<dt>Made by</dt><dd>Lookout ${text(d.lookoutVersion)}, ${utc(d.generatedAt)}${d.anonymised ? ' · <b>anonymised</b>: literals, key names and label values replaced' : ''}</dd></dl></header>`
}

function warnings(d: ReportData): string {
  if (!d.warnings.length) return ''
  return `<div class="warning-box" id="warnings" role="alert"><h2>${d.versions.some((v) => v.error) ? 'Partial report' : 'Read this first'}</h2><ul>${d.warnings.map((w) => `<li>${text(w)}</li>`).join('')}</ul></div>`
}

/** The sections a report has, in order: what `ReportResult.sections` lists. */
export function sectionIds(html: string): string[] {
  return [...html.matchAll(/<section id="([a-z]+)"/g)].map((m) => m[1]!)
}

/** The report as one self-contained HTML file: inline CSS and SVG, no script, a CSP forbidding any request. */
export function renderReport(d: ReportData): string {
  const title = `Lookout report: ${d.profile.name}, ${utc(d.main.range.from)} – ${utc(d.main.range.to)}`
  const body = [
    header(d),
    warnings(d),
    summary(d),
    comparison(d),
    availability(d),
    postgres(d),
    redis(d),
    prometheus(d),
    alerts(d),
    actions(d),
    recommendations(d)
  ].join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${attr(reportCsp(REPORT_CSS))}">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Lookout ${attr(d.lookoutVersion)}">
<title>${text(title, 300)}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
${body}
<footer>Made by Lookout from what it measured. Times are UTC. Figures per series: mean and p95 of the stored points (per poll while the history keeps them raw, 1-minute averages beyond), min and max of every poll.</footer>
</body>
</html>
`
}
