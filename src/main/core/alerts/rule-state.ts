/**
 * The state machine of an alerting rule, with Prometheus's semantics, for every instance (label
 * set) the rule's condition yields. What a rule watches (a series of the core, a check's findings,
 * a PromQL expression) is evaluated elsewhere; each tick hands this the value of each instance,
 * or null where the data is missing.
 *
 * - inactive → pending when the condition holds; pending → firing once it has held for `for`
 *   (at once when `for` is 0). A pending alert whose condition fails is dropped.
 * - firing → resolved when the condition fails, after `keepFiringFor` more if set; a resolved
 *   alert is kept `RESOLVED_RETENTION_MS` (15 min) for the view, then dropped.
 * - Missing data (the target down, the series gone) is a state of its own, `nodata`, never a
 *   silent "OK": an alert that was pending or firing stays visible as such, its timers kept, and
 *   goes on from where it was when the data comes back.
 * - Hysteresis (opt-in, not in Prometheus, so not exportable): once firing, the alert clears only
 *   when the value crosses `clearThreshold`, not `threshold`.
 */

/** How long a resolved alert stays in the book, as Prometheus keeps it for 15 minutes. */
export const RESOLVED_RETENTION_MS = 15 * 60_000

export type Comparator = '>' | '>=' | '<' | '<=' | '==' | '!='

export interface RuleCondition {
  comparator: Comparator
  /** Absent: every value the rule yields holds (a PromQL rule whose expression does its own comparison). */
  threshold?: number
  /** Hysteresis: while firing, the value must cross this instead to clear. */
  clearThreshold?: number
  forMs: number
  keepFiringForMs?: number
  /**
   * Flap damping (opt-in, not in Prometheus): an alert that resolved less than this long ago and
   * holds again goes straight back to firing, without a new `for` (and, in the book, without a new
   * notification), instead of pending → firing → resolved on every flap.
   */
  flapDampingMs?: number
}

/**
 * How a rule reads an instance it saw before and not now. `nodata` for series (the series is gone:
 * missing data); `false` for findings and PromQL, where an instance that is gone no longer holds
 * (a cleared finding, a series the expression stopped returning, as Prometheus resolves it).
 */
export type AbsentMeans = 'nodata' | 'false'

export type AlertPhase = 'pending' | 'firing' | 'resolved' | 'nodata'

/** One instance of a rule that is not inactive: what the view and the notifier see. */
export interface AlertInstance {
  key: string
  labels: Record<string, string>
  phase: AlertPhase
  /** The last value seen (null while there is no data). */
  value: number | null
  /** When the condition started to hold (pending from then). */
  activeAt: number
  /** When it started firing, or null if it never did. */
  firedAt: number | null
  /** When it resolved. */
  resolvedAt: number | null
  /** The last time the condition held: keepFiringFor counts from here. */
  lastTrueAt: number
  /** Since when the data is missing (phase nodata). */
  noDataSince: number | null
  /** The phase before the data went missing, resumed when it comes back. */
  phaseBeforeNoData: 'pending' | 'firing' | null
}

/** A transition worth telling someone about: the notifier and the history take these. */
export interface AlertTransition {
  key: string
  from: AlertPhase | 'inactive'
  to: AlertPhase | 'inactive'
  at: number
}

export function compare(value: number, comparator: Comparator, threshold: number): boolean {
  switch (comparator) {
    case '>':
      return value > threshold
    case '>=':
      return value >= threshold
    case '<':
      return value < threshold
    case '<=':
      return value <= threshold
    case '==':
      return value === threshold
    case '!=':
      return value !== threshold
  }
}

/** The instance key of a label set: the labels sorted, so the order they came in does not matter. */
export function instanceKey(labels: Record<string, string>): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

export class RuleState {
  private readonly instances = new Map<string, AlertInstance>()

  constructor(
    private readonly condition: RuleCondition,
    private readonly absent: AbsentMeans = 'nodata'
  ) {}

  /** Whether the condition holds for an instance now; hysteresis keeps a firing one until it clears. */
  private holds(value: number, instance: AlertInstance | undefined): boolean {
    const c = this.condition
    if (Number.isNaN(value)) return false
    if (c.threshold === undefined) return true
    const firing = instance?.phase === 'firing' || (instance?.phase === 'nodata' && instance.phaseBeforeNoData === 'firing')
    if (firing && c.clearThreshold !== undefined) return compare(value, c.comparator, c.clearThreshold)
    return compare(value, c.comparator, c.threshold)
  }

  /**
   * One evaluation: the value of every instance the rule sees now (null: its data is missing; NaN:
   * the condition does not hold). Instances seen before and absent now are read as `absent` says.
   * Returns the transitions.
   */
  step(values: Map<string, { labels: Record<string, string>; value: number | null }>, now: number): AlertTransition[] {
    const out: AlertTransition[] = []
    const move = (a: AlertInstance, to: AlertPhase | 'inactive') => {
      if (a.phase !== to) out.push({ key: a.key, from: a.phase, to, at: now })
    }
    // Instances that vanished: missing data for a series (never a silent OK), false for a finding.
    for (const [key, a] of this.instances)
      if (!values.has(key) && a.phase !== 'resolved') values.set(key, { labels: a.labels, value: this.absent === 'nodata' ? null : NaN })

    for (const [key, { labels, value }] of values) {
      const a = this.instances.get(key)
      if (value === null) {
        if (!a || a.phase === 'resolved') continue
        if (a.phase !== 'nodata') {
          move(a, 'nodata')
          a.phaseBeforeNoData = a.phase === 'firing' ? 'firing' : 'pending'
          a.phase = 'nodata'
          a.noDataSince = now
          a.value = null
        }
        continue
      }
      const holds = this.holds(value, a)
      if (a?.phase === 'resolved' && holds && now - a.resolvedAt! < (this.condition.flapDampingMs ?? 0)) {
        // A flap: back to firing as it was, no new `for`.
        out.push({ key, from: 'resolved', to: 'firing', at: now })
        a.phase = 'firing'
        a.resolvedAt = null
        a.lastTrueAt = now
        a.value = value
        continue
      }
      if (!a || a.phase === 'resolved') {
        if (!holds) continue
        const fresh: AlertInstance = {
          key,
          labels,
          phase: 'pending',
          value,
          activeAt: now,
          firedAt: null,
          resolvedAt: null,
          lastTrueAt: now,
          noDataSince: null,
          phaseBeforeNoData: null
        }
        out.push({ key, from: a?.phase === 'resolved' ? 'resolved' : 'inactive', to: 'pending', at: now })
        this.instances.set(key, fresh)
        this.promote(fresh, now, out)
        continue
      }
      if (!Number.isNaN(value)) a.value = value
      if (a.phase === 'nodata') {
        // The data is back: go on from where the alert was.
        const back = a.phaseBeforeNoData ?? 'pending'
        out.push({ key, from: 'nodata', to: back, at: now })
        a.phase = back
        a.noDataSince = null
        a.phaseBeforeNoData = null
      }
      if (holds) {
        a.lastTrueAt = now
        this.promote(a, now, out)
      } else if (a.phase === 'pending') {
        // A pending alert whose condition fails is dropped, as in Prometheus.
        out.push({ key, from: 'pending', to: 'inactive', at: now })
        this.instances.delete(key)
      } else if (a.phase === 'firing' && now - a.lastTrueAt >= (this.condition.keepFiringForMs ?? 0)) {
        move(a, 'resolved')
        a.phase = 'resolved'
        a.resolvedAt = now
      }
    }
    // Resolved alerts are kept for the view for a while, then forgotten.
    for (const [key, a] of this.instances)
      if (a.phase === 'resolved' && now - a.resolvedAt! >= RESOLVED_RETENTION_MS) {
        this.instances.delete(key)
        out.push({ key, from: 'resolved', to: 'inactive', at: now })
      }
    return out
  }

  private promote(a: AlertInstance, now: number, out: AlertTransition[]): void {
    if (a.phase === 'pending' && now - a.activeAt >= this.condition.forMs) {
      out.push({ key: a.key, from: 'pending', to: 'firing', at: now })
      a.phase = 'firing'
      a.firedAt = now
    }
  }

  /** Every instance that is not inactive. */
  alerts(): AlertInstance[] {
    return [...this.instances.values()].map((a) => ({ ...a, labels: { ...a.labels } }))
  }

  /** One instance as it is now (not a copy: for the journal, written at once). */
  instance(key: string): AlertInstance | undefined {
    return this.instances.get(key)
  }

  /** What to persist: absolute times, so `for` timers resume after a restart instead of starting over. */
  snapshot(): AlertInstance[] {
    return this.alerts()
  }

  restore(saved: readonly AlertInstance[]): void {
    this.instances.clear()
    for (const a of saved) this.instances.set(a.key, { ...a, labels: { ...a.labels } })
  }
}

/**
 * `{{ $value }}` and `{{ $labels.name }}` in a summary or description, as Prometheus writes them.
 * A value is printed with up to 4 significant digits; a label that is not there is empty.
 */
export function renderTemplate(text: string, value: number | null, labels: Record<string, string>): string {
  return text.replace(/\{\{\s*\$(value|labels\.([A-Za-z_][A-Za-z0-9_]*))\s*\}\}/g, (_m, what: string, label?: string) =>
    label !== undefined ? (labels[label] ?? '') : value === null ? 'no data' : formatValue(value)
  )
}

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)))
}
