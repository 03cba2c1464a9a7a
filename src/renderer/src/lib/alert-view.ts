import type { AlertHistoryEntry, AlertRule, AlertRuleInput, LabelMatcher, RuleWatch } from '../../../shared/alert-rules'
import type { Alert } from '../../../shared/schemas'

const SEVERITY_ORDER = { critical: 0, warning: 1, info: 2 } as const

/** Alerts grouped as the view shows them: by severity (critical first), then profile, oldest first. */
export function groupAlerts(alerts: readonly Alert[]): { severity: Alert['severity']; profile: string; alerts: Alert[] }[] {
  const groups = new Map<string, { severity: Alert['severity']; profile: string; alerts: Alert[] }>()
  const sorted = [...alerts].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.profile.localeCompare(b.profile) || a.since - b.since
  )
  for (const a of sorted) {
    const key = `${a.severity}\0${a.profile}`
    let g = groups.get(key)
    if (!g) groups.set(key, (g = { severity: a.severity, profile: a.profile, alerts: [] }))
    g.alerts.push(a)
  }
  return [...groups.values()]
}

/** Why an alert does not notify, in a few words: "acknowledged", "snoozed 45 min", "silenced: drill". */
export function muteLabel(m: Alert['muted'][number], now: number): string {
  const left = m.until === null ? '' : ` ${Math.max(1, Math.round((m.until - now) / 60_000))} min`
  switch (m.kind) {
    case 'ack':
      return m.detail
    case 'snooze':
      return `snoozed${left}`
    case 'silence':
      return `silenced${left}: ${m.detail}`
    case 'alertmanager':
      return `silenced in Alertmanager${left}`
    case 'inhibited':
      return `inhibited: ${m.detail}`
  }
}

/** What a rule watches, in one line. */
export function describeWatch(w: RuleWatch): string {
  switch (w.kind) {
    case 'series':
      return `series ${w.metric}${w.target ? ` on ${w.target}` : ''}`
    case 'finding':
      return w.check === '*' ? `any ${w.minSeverity ?? ''} finding`.replace('  ', ' ') : `${w.check} findings`
    case 'scraped':
      return `scraped ${w.metric}${matchersText(w.matchers) ? `{${matchersText(w.matchers)}}` : ''}`
    case 'promql':
      return `PromQL ${w.expr}`
  }
}

/** A rule's condition as an SRE reads it: `avg 60s < 80 for 5m`. */
export function describeCondition(r: AlertRule): string {
  const agg = r.watch.kind === 'promql' ? '' : r.aggregation === 'last' ? '' : `${r.aggregation} ${r.windowS}s `
  const cond = r.threshold === undefined ? 'returns a series' : `${agg}${r.comparator} ${r.threshold}`
  const hysteresis = r.clearThreshold !== undefined ? `, clears at ${r.clearThreshold}` : ''
  return `${cond}${hysteresis}${r.forS ? ` for ${duration(r.forS)}` : ''}${r.keepFiringForS ? `, kept ${duration(r.keepFiringForS)}` : ''}`
}

export function duration(s: number): string {
  if (s % 3600 === 0 && s >= 3600) return `${s / 3600}h`
  if (s % 60 === 0 && s >= 60) return `${s / 60}m`
  return `${s}s`
}

export function matchersText(ms: readonly LabelMatcher[]): string {
  return ms.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')
}

/**
 * Matchers as people type them, comma-separated: `alertname="X", severity=~"crit.*"` (quotes
 * optional). Returns the matchers, or the problem with the first one that does not read.
 */
export function parseMatchers(text: string): { matchers: LabelMatcher[] } | { error: string } {
  const out: LabelMatcher[] = []
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,]*)\s*(?:,|$)/y
  let pos = 0
  const src = text.trim()
  if (!src) return { error: 'at least one matcher, like alertname="RedisCacheHitLow"' }
  while (pos < src.length) {
    re.lastIndex = pos
    const m = re.exec(src)
    if (!m || m.index !== pos)
      return { error: `cannot read a matcher at “${src.slice(pos, pos + 30)}”: write name="value", name=~"regex", name!="value"` }
    const raw = m[3]!.trim()
    let value = raw
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string
      } catch {
        return { error: `a bad quoted value: ${raw}` }
      }
    }
    if (m[2] === '=~' || m[2] === '!~') {
      try {
        new RegExp(value)
      } catch {
        return { error: `${m[1]}: not a regular expression: ${value}` }
      }
    }
    out.push({ name: m[1]!, op: m[2] as LabelMatcher['op'], value })
    pos = re.lastIndex
    if (m[0].trimEnd().endsWith(',') && pos >= src.length) break
  }
  return { matchers: out }
}

/** A new rule's starting point: a series rule on the profile's first kind of target. */
export function blankRule(metric = 'redis_hitrate'): AlertRuleInput {
  return {
    name: 'MyRule',
    watch: { kind: 'series', metric },
    aggregation: 'avg',
    windowS: 60,
    comparator: '<',
    threshold: 80,
    forS: 300,
    keepFiringForS: 0,
    flapDampingS: 0,
    severity: 'warning',
    labels: {},
    summary: '{{ $value }} on {{ $labels.target }}',
    description: '',
    enabled: true
  }
}

/** The core's series a series rule can watch, by target kind (what the charts show). */
export const SERIES_METRICS = [
  'up',
  'postgres_tps',
  'postgres_connections',
  'postgres_cache_hit',
  'postgres_replication_lag',
  'redis_ops',
  'redis_hitrate',
  'redis_memory',
  'redis_memory_of_max',
  'redis_evictions',
  'redis_expirations',
  'metrics_scrape',
  'prometheus_up'
] as const

/** The spans a preview's transitions say the rule was firing, the last one open until `end`. */
export function firingSpans(transitions: readonly { at: number; to: string }[], end: number): { from: number; to: number }[] {
  const out: { from: number; to: number }[] = []
  let since: number | null = null
  for (const t of [...transitions].sort((a, b) => a.at - b.at)) {
    if (t.to === 'firing' && since === null) since = t.at
    else if (t.to !== 'firing' && since !== null) {
      out.push({ from: since, to: t.at })
      since = null
    }
  }
  if (since !== null) out.push({ from: since, to: end })
  return out
}

/** A target's alerts in one line for its card: "alerts: 1 firing (RedisCacheHitLow), 1 pending". */
export function alertStateText(alerts: readonly Alert[]): string {
  if (!alerts.length) return ''
  const by = (state: Alert['state']) => alerts.filter((a) => a.state === state)
  const parts: string[] = []
  const firing = by('firing')
  if (firing.length) parts.push(`${firing.length} firing (${[...new Set(firing.map((a) => a.name))].join(', ')})`)
  if (by('pending').length) parts.push(`${by('pending').length} pending`)
  if (by('nodata').length) parts.push(`${by('nodata').length} without data`)
  return `alerts: ${parts.join(', ')}`
}

export interface TimelineRow {
  key: string
  label: string
  spans: { from: number; to: number; state: 'pending' | 'firing' | 'nodata' }[]
}

/**
 * The history as a timeline: one row per alert instance (rule, target, object), its pending,
 * firing and no-data spans within [from, now]; a span still open runs to now.
 */
export function historyTimeline(entries: readonly AlertHistoryEntry[], from: number, now: number): TimelineRow[] {
  const rows = new Map<string, TimelineRow & { open: { at: number; state: TimelineRow['spans'][number]['state'] } | null }>()
  for (const e of [...entries].sort((a, b) => a.t - b.t)) {
    const key = `${e.profile}/${e.target}/${e.rule}/${e.labels.object ?? ''}`
    let r = rows.get(key)
    if (!r)
      rows.set(
        key,
        (r = { key, label: `${e.rule} · ${e.profile}/${e.target}${e.labels.object ? ` · ${e.labels.object}` : ''}`, spans: [], open: null })
      )
    if (r.open) r.spans.push({ from: r.open.at, to: e.t, state: r.open.state })
    r.open = e.to === 'pending' || e.to === 'firing' || e.to === 'nodata' ? { at: e.t, state: e.to } : null
  }
  const out: TimelineRow[] = []
  for (const r of rows.values()) {
    if (r.open) r.spans.push({ from: r.open.at, to: now, state: r.open.state })
    const spans = r.spans.filter((s) => s.to > from).map((s) => ({ ...s, from: Math.max(s.from, from) }))
    if (spans.length) out.push({ key: r.key, label: r.label, spans })
  }
  return out
}
