import type { AlertRule } from '../../../shared/alert-rules'
import type { Alert, TargetKind, TargetState } from '../../../shared/schemas'
import type { RuleFinding, TargetCollector } from '../collector'
import { seriesKey } from '../prometheus/series'
import type { JournalRecord, JournalState } from './journal'
import { stateKey } from './journal'
import { RuleState, instanceKey, renderTemplate, type AlertInstance, type AlertTransition, type RuleCondition } from './rule-state'
import { aggregate, type SeriesView } from './series-rules'

/** The one instance of a rule that yields a single value per target. */
const NO_LABELS_KEY = instanceKey({})

/** A restart resumes `for` timers only when Lookout was away less than this (Prometheus's `for_grace_period` idea). */
export const RESUME_GRACE_MS = 10 * 60_000

/** What rules read of a watched profile: its targets' states, series, findings and collectors. */
export interface RuleReads {
  targetState(targetId: string): TargetState | undefined
  /** The newest points of one of the core's series (`<targetId>:<key>`), or null. */
  series(seriesId: string): SeriesView | null
  /** The target's findings at its last successful poll. */
  findings(targetId: string): RuleFinding[] | null
  collector(targetId: string): TargetCollector | undefined
}

export interface RuleTarget {
  id: string
  kind: TargetKind
  endpoint: string
}

/**
 * What one evaluation changed: the journal's records, and the target's alerts, built when the book
 * asks (a view per instance costs more than the evaluation; the book asks only when it needs them).
 */
export interface RuleUpdate {
  targetId: string
  alerts: () => Alert[]
  records: JournalRecord[]
}

interface Bound {
  rule: AlertRule
  target: RuleTarget
  state: RuleState
  /** For a scraped rule: its key in the target's ScrapedWindows. */
  scrapedKey?: string
}

/** The name a series rule uses for one of the core's series: `<kind>_<key>` (`redis_hitrate`). */
export function seriesMetricName(kind: TargetKind, key: string): string {
  return `${kind}_${key}`
}

/** Which target kinds a rule reads. */
function appliesTo(rule: AlertRule, t: RuleTarget): boolean {
  const w = rule.watch
  switch (w.kind) {
    case 'series':
      if (w.target !== undefined && w.target !== t.id) return false
      return w.metric === 'up' || w.metric.startsWith(`${t.kind}_`)
    case 'finding':
      return t.kind === 'postgres' || t.kind === 'redis'
    case 'scraped':
      return t.kind === 'metrics'
    case 'promql':
      return t.kind === 'prometheus'
  }
}

export function conditionOf(rule: AlertRule): RuleCondition {
  return {
    comparator: rule.comparator,
    threshold: rule.threshold,
    clearThreshold: rule.clearThreshold,
    forMs: rule.forS * 1000,
    keepFiringForMs: rule.keepFiringForS * 1000,
    flapDampingMs: rule.flapDampingS * 1000
  }
}

/**
 * One watched profile's rules, each bound to every target it reads, with a state machine per
 * (rule, target). A target's rules are evaluated after each of its polls (its data changed
 * then and only then); PromQL rules after each poll of the Prometheus server, one query at a
 * time. A target that is down gives every rule on it (but `up`) no data.
 */
export class ProfileRules {
  private readonly bound = new Map<string, Bound[]>()
  private promqlInFlight = false
  /** Finding checks some rule names: `*` rules leave them to those. */
  private readonly namedChecks: Set<string>

  constructor(
    readonly profile: string,
    readonly rules: readonly AlertRule[],
    targets: readonly RuleTarget[],
    private readonly reads: RuleReads,
    /** `always`: a rule was edited while watching; otherwise only when Lookout was away less than the grace. */
    restore: { journal: JournalState; now: number; always?: boolean } | null
  ) {
    const enabled = rules.filter((r) => r.enabled)
    this.namedChecks = new Set(enabled.flatMap((r) => (r.watch.kind === 'finding' && r.watch.check !== '*' ? [r.watch.check] : [])))
    const resume =
      restore && (restore.always || (restore.journal.lastWriteAt !== null && restore.now - restore.journal.lastWriteAt <= RESUME_GRACE_MS))
    for (const t of targets) {
      const list: Bound[] = []
      for (const rule of enabled) {
        if (!appliesTo(rule, t)) continue
        const absent = rule.watch.kind === 'finding' || rule.watch.kind === 'promql' ? 'false' : 'nodata'
        const b: Bound = { rule, target: t, state: new RuleState(conditionOf(rule), absent) }
        if (rule.watch.kind === 'scraped') {
          const scraped = reads.collector(t.id)?.scraped
          if (!scraped) continue
          b.scrapedKey = scraped.register(rule.watch, rule.aggregation, rule.windowS * 1000)
        }
        if (resume) {
          const saved = restore.journal.states.get(stateKey(profile, rule.name, t.id))
          if (saved) b.state.restore([...saved.values()])
        }
        list.push(b)
      }
      this.bound.set(t.id, list)
    }
  }

  /** Every rule on one target, after its poll. PromQL rules are left to `evaluatePromql`. */
  evaluateTarget(targetId: string, now: number): RuleUpdate {
    const list = this.bound.get(targetId) ?? []
    const records: JournalRecord[] = []
    const state = this.reads.targetState(targetId)
    const down = state?.health === 'down'
    for (const b of list) {
      if (b.rule.watch.kind === 'promql') continue
      const values = this.valuesOf(b, state, down, now)
      records.push(...this.record(b, b.state.step(values, now), now))
    }
    return { targetId, alerts: () => this.alertsOf(targetId), records }
  }

  /** The PromQL rules on the Prometheus server: one query each, in turn; null when a round is already running. */
  async evaluatePromql(targetId: string, now: () => number, signal: AbortSignal): Promise<RuleUpdate | null> {
    const list = (this.bound.get(targetId) ?? []).filter((b) => b.rule.watch.kind === 'promql')
    const c = this.reads.collector(targetId)
    if (!list.length || !c?.query || this.promqlInFlight) return null
    this.promqlInFlight = true
    const records: JournalRecord[] = []
    try {
      for (const b of list) {
        if (signal.aborted) break
        const w = b.rule.watch as { kind: 'promql'; expr: string }
        const values = new Map<string, { labels: Record<string, string>; value: number | null }>()
        try {
          for (const s of await c.query(w.expr, signal)) {
            const labels = { ...s.labels }
            delete labels.__name__
            values.set(instanceKey(labels), { labels, value: s.value })
          }
        } catch {
          // The server did not answer: what was pending or firing has no data now, never "OK".
          for (const a of b.state.alerts()) if (a.phase !== 'resolved') values.set(a.key, { labels: a.labels, value: null })
        }
        const t = now()
        records.push(...this.record(b, b.state.step(values, t), t))
      }
    } finally {
      this.promqlInFlight = false
    }
    return { targetId, alerts: () => this.alertsOf(targetId), records }
  }

  /**
   * Every rule evaluated once, now, without touching its state: the value of each instance and
   * whether its condition holds (what `lookout rules test` prints).
   */
  async probe(
    now: number,
    signal: AbortSignal
  ): Promise<{ rule: AlertRule; target: string; labels: Record<string, string>; value: number | null; holds: boolean }[]> {
    const out: { rule: AlertRule; target: string; labels: Record<string, string>; value: number | null; holds: boolean }[] = []
    for (const [targetId, list] of this.bound) {
      const state = this.reads.targetState(targetId)
      for (const b of list) {
        let values: Map<string, { labels: Record<string, string>; value: number | null }>
        if (b.rule.watch.kind === 'promql') {
          values = new Map()
          const c = this.reads.collector(targetId)
          try {
            for (const x of (await c?.query?.(b.rule.watch.expr, signal)) ?? []) {
              const labels = { ...x.labels }
              delete labels.__name__
              values.set(instanceKey(labels), { labels, value: x.value })
            }
          } catch {
            values.set(NO_LABELS_KEY, { labels: {}, value: null })
          }
        } else values = this.valuesOf(b, state, state?.health === 'down', now)
        const probe = new RuleState({ ...conditionOf(b.rule), forMs: 0 })
        probe.step(new Map(values), now)
        const held = new Set(probe.alerts().map((a) => a.key))
        for (const [key, v] of values) out.push({ rule: b.rule, target: targetId, labels: v.labels, value: v.value, holds: held.has(key) })
      }
    }
    return out
  }

  private valuesOf(b: Bound, state: TargetState | undefined, down: boolean, now: number) {
    const values = new Map<string, { labels: Record<string, string>; value: number | null }>()
    const { rule, target } = b
    const w = rule.watch
    if (w.kind === 'series' && w.metric === 'up') {
      const v = !state || state.health === 'pending' ? null : down ? 0 : 1
      values.set(NO_LABELS_KEY, { labels: {}, value: v })
      return values
    }
    if (down) {
      // Every instance this rule had on the target: no data, its timers kept.
      for (const a of b.state.alerts()) if (a.phase !== 'resolved') values.set(a.key, { labels: a.labels, value: null })
      if (w.kind !== 'finding') values.set(NO_LABELS_KEY, { labels: {}, value: null })
      return values
    }
    switch (w.kind) {
      case 'series': {
        const key = w.metric.slice(target.kind.length + 1)
        const view = this.reads.series(`${target.id}:${key}`)
        values.set(NO_LABELS_KEY, { labels: {}, value: view ? aggregate(view, now, rule.windowS * 1000, seriesAggregation(rule)) : null })
        break
      }
      case 'finding': {
        const findings = this.reads.findings(target.id)
        if (!findings) break
        for (const f of findings) {
          if (w.check === '*' ? this.namedChecks.has(f.check) : f.check !== w.check) continue
          if (w.minSeverity && severityRank(f.severity) < severityRank(w.minSeverity)) continue
          const labels = { check: f.check, object: f.object }
          // A finding's value is its own figure (seconds, %); one without a number counts as present.
          const value = typeof f.value === 'number' ? f.value : 1
          values.set(instanceKey(labels), { labels, value })
        }
        break
      }
      case 'scraped': {
        const scraped = this.reads.collector(target.id)?.scraped
        const v = scraped && b.scrapedKey ? scraped.value(b.scrapedKey, rule.aggregation, rule.windowS * 1000, now) : null
        values.set(NO_LABELS_KEY, { labels: {}, value: v })
        break
      }
      case 'promql':
        break
    }
    return values
  }

  private record(b: Bound, transitions: AlertTransition[], now: number): JournalRecord[] {
    const out: JournalRecord[] = []
    // One record per instance and step: inactive → pending → firing at once is one change.
    const merged = new Map<string, AlertTransition>()
    for (const tr of transitions) {
      const prev = merged.get(tr.key)
      merged.set(tr.key, prev ? { ...tr, from: prev.from } : tr)
    }
    for (const tr of merged.values()) {
      const base = { t: now, profile: this.profile, rule: b.rule.name, target: b.target.id }
      const inst = b.state.instance(tr.key)
      if (tr.to === 'inactive' || !inst) out.push({ k: 'gone', ...base, key: tr.key, from: tr.from })
      else out.push({ k: 'state', ...base, severity: b.rule.severity, from: tr.from, inst: { ...inst, labels: { ...inst.labels } } })
    }
    return out
  }

  /** The alerts of one target now, as the book and the views show them. */
  alertsOf(targetId: string): Alert[] {
    const out: Alert[] = []
    for (const b of this.bound.get(targetId) ?? []) for (const a of b.state.alerts()) out.push(this.view(b, a))
    return out
  }

  /** Whether any instance on the profile is pending or firing (the journal then writes that Lookout is alive). */
  anyActive(): boolean {
    for (const list of this.bound.values())
      for (const b of list) for (const a of b.state.alerts()) if (a.phase === 'pending' || a.phase === 'firing') return true
    return false
  }

  targets(): string[] {
    return [...this.bound.keys()]
  }

  /** Stops keeping what its scraped rules read: call when these rules are replaced or a probe is done. */
  dispose(): void {
    for (const [targetId, list] of this.bound)
      for (const b of list) if (b.scrapedKey) this.reads.collector(targetId)?.scraped?.release(b.scrapedKey)
  }

  private view(b: Bound, a: AlertInstance): Alert {
    const { rule, target } = b
    const labels: Record<string, string> = {
      ...rule.labels,
      ...a.labels,
      alertname: rule.name,
      severity: rule.severity,
      profile: this.profile,
      target: target.id,
      kind: target.kind,
      endpoint: target.endpoint
    }
    const summary = renderTemplate(rule.summary || `${rule.name} on ${target.id}`, a.value, labels)
    return {
      id: `${this.profile}/${target.id}/${seriesKey(rule.name, a.labels)}`,
      profile: this.profile,
      targetId: target.id,
      source: 'lookout',
      name: rule.name,
      severity: rule.severity,
      summary,
      labels,
      since: a.activeAt,
      state: a.phase,
      value: a.value,
      description: renderTemplate(rule.description, a.value, labels),
      runbookUrl: rule.runbookUrl ?? null,
      rule: rule.name,
      firedAt: a.firedAt,
      resolvedAt: a.resolvedAt,
      muted: []
    }
  }
}

/** How a series rule reduces its window: p95, p99 and ratio belong to scraped rules, so read the last point. */
export function seriesAggregation(rule: AlertRule): 'last' | 'avg' | 'max' | 'min' | 'rate' | 'increase' {
  const a = rule.aggregation
  return a === 'p95' || a === 'p99' || a === 'ratio' ? 'last' : a
}

function severityRank(s: 'info' | 'warning' | 'critical'): number {
  return s === 'critical' ? 2 : s === 'warning' ? 1 : 0
}
