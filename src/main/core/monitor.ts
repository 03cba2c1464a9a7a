import { ApiError, type EventPayload } from '../../shared/api'
import { RingSeries, toWire, viewToWire } from '../../shared/ring'
import type { MonitorSnapshot, Profile, SeriesInfo, TargetState } from '../../shared/schemas'
import type { AlertRule } from '../../shared/alert-rules'
import type { JournalState } from './alerts/journal'
import { ProfileRules, type RuleReads, type RuleUpdate } from './alerts/profile-rules'
import { errorMessage, type CollectResult, type ExternalAlert, type RuleFinding, type TargetCollector } from './collector'
import type { Clock } from './ports'
import type { HistoryRecorder } from './history/recorder'
import type { HistoryStore } from './history/port'
import type { PollReport, Scheduler } from './scheduler/scheduler'

/** Points kept per series: an hour at one poll a second. */
export const SERIES_CAPACITY = 3600

/** A poll slower than this marks its target degraded even when it worked. */
export const DEGRADED_LATENCY_MS = 2000

export interface MonitorEvents {
  targetState(s: EventPayload<'target.state'>): void
  /** One event per poll: every series of the target, one point each. */
  seriesDelta(d: EventPayload<'series.delta'>): void
}

/** What the alert book learns from a poll: the target's rule alerts, and the alerts its server reports. */
export interface AlertInputs {
  updateTarget(profile: string, update: RuleUpdate, now: number): void
  observeExternal(profile: string, targetId: string, reported: ExternalAlert[], now: number): void
}

export interface MonitorDeps {
  scheduler: Scheduler<CollectResult>
  clock: Clock
  events: MonitorEvents
  alerts: AlertInputs
  /** The profile's effective rules, and the journal their states resume from. */
  rules: readonly AlertRule[]
  journal: JournalState | null
  /** A poll that has not answered by then is aborted. */
  timeoutMs: number
  /**
   * What broke on the way to a target when its client only saw a closed socket: an SSH tunnel's
   * last failure (host key refused, bastion down). Null when there is nothing to add.
   */
  pathError?: (kind: TargetCollector['kind']) => string | null
  /** Where each poll's points, findings, statements and state changes are remembered. */
  history?: HistoryRecorder
}

/**
 * One profile being watched: its collectors, their state, their series and the alert inputs they
 * feed. A poll's outcome comes straight here from the scheduler (the job's `report`), goes into
 * the rings, out as one `series.delta`, and into the alert book: one path, no detour.
 */
export class ProfileMonitor {
  private readonly states = new Map<string, TargetState>()
  private readonly series = new Map<string, { info: SeriesInfo; ring: RingSeries }>()
  private readonly byJob = new Map<string, TargetCollector>()
  private readonly findings = new Map<string, RuleFinding[]>()
  private readonly clock: Clock
  rules: ProfileRules
  /** Aborts PromQL rule queries in flight when the profile stops. */
  private readonly stopping = new AbortController()

  constructor(
    readonly profile: Profile,
    private readonly collectors: TargetCollector[],
    private readonly deps: MonitorDeps
  ) {
    this.clock = deps.clock
    for (const c of collectors) {
      this.states.set(c.id, {
        profile: profile.name,
        targetId: c.id,
        kind: c.kind,
        endpoint: c.endpoint,
        health: 'pending',
        lastError: null,
        lastPollAt: null,
        lastLatencyMs: null,
        consecutiveFailures: 0,
        circuit: 'closed',
        nextPollAt: null,
        figures: []
      })
      for (const s of c.series) this.series.set(s.seriesId, { info: s, ring: new RingSeries(SERIES_CAPACITY) })
    }
    this.rules = this.bindRules(deps.rules, deps.journal)
  }

  /** What rules read of this profile. */
  ruleReads(): RuleReads {
    return {
      targetState: (id) => this.states.get(id),
      series: (id) => this.series.get(id)?.ring.view() ?? null,
      findings: (id) => this.findings.get(id) ?? null,
      collector: (id) => this.collector(id)
    }
  }

  private bindRules(rules: readonly AlertRule[], journal: JournalState | null, always = false): ProfileRules {
    return new ProfileRules(
      this.profile.name,
      rules,
      this.collectors.map((c) => ({ id: c.id, kind: c.kind, endpoint: c.endpoint })),
      this.ruleReads(),
      journal ? { journal, now: this.clock.now(), always } : null
    )
  }

  /** New rules (one was saved): their states resume from the journal, which holds every transition so far. */
  setRules(rules: readonly AlertRule[], journal: JournalState | null): void {
    this.rules.dispose()
    this.rules = this.bindRules(rules, journal, true)
  }

  /** One of the core's series as the ring holds it (a rule's preview replays it). */
  seriesView(seriesId: string): { t: Float64Array; v: Float64Array } | null {
    return this.series.get(seriesId)?.ring.view() ?? null
  }

  /** The collectors' ids and kinds. */
  targets(): { id: string; kind: TargetCollector['kind']; endpoint: string }[] {
    return this.collectors.map((c) => ({ id: c.id, kind: c.kind, endpoint: c.endpoint }))
  }

  jobId(targetId: string): string {
    return `${this.profile.name}/${targetId}`
  }

  /** Fills charts with history from before Lookout opened the profile. Call before start(). */
  backfill(series: { seriesId: string; t: number[]; v: number[] }[]): void {
    for (const b of series) {
      const s = this.series.get(b.seriesId)
      if (!s || s.ring.length > 0) continue
      for (let i = 0; i < b.t.length; i++) s.ring.push(b.t[i]!, b.v[i]!)
    }
  }

  /**
   * Fills the charts from the history store (the points of the previous run), each series closed
   * by a gap so that no line bridges the time Lookout was not watching. Call before start().
   */
  restore(store: HistoryStore, from: number): void {
    for (const c of this.collectors)
      for (const r of store.recentRaw(this.profile.name, c.id, from)) {
        const s = this.series.get(r.seriesId)
        if (!s || s.ring.length > 0 || r.t.length === 0) continue
        const start = Math.max(0, r.t.length - SERIES_CAPACITY + 1)
        for (let i = start; i < r.t.length; i++) s.ring.push(r.t[i]!, r.v[i]!)
        s.ring.push(r.t[r.t.length - 1]! + 1, NaN)
      }
  }

  start(): void {
    for (const c of this.collectors) {
      const id = this.jobId(c.id)
      this.byJob.set(id, c)
      // A kind of target may have its own interval and timeout (a slow /metrics page, a busy Redis).
      const own = this.profile.targetSettings?.[c.kind]
      const intervalMs = Math.max(own?.pollIntervalMs ?? this.profile.pollIntervalMs, c.minIntervalMs ?? 0)
      this.deps.scheduler.add({
        id,
        intervalMs,
        timeoutMs: own?.timeoutMs ?? this.deps.timeoutMs,
        run: (signal) => c.collect(signal),
        report: (r) => this.apply(r)
      })
    }
  }

  async stop(): Promise<void> {
    this.stopping.abort()
    for (const id of this.byJob.keys()) this.deps.scheduler.remove(id)
    await Promise.allSettled(this.collectors.map((c) => c.close()))
  }

  /** Applies one poll's outcome: the target's state, its points, its alert inputs. */
  private apply(report: PollReport<CollectResult>): void {
    const c = this.byJob.get(report.id)
    if (!c) return
    const prev = this.states.get(c.id)!
    const now = this.clock.now()
    const next: TargetState = {
      ...prev,
      lastPollAt: now,
      lastLatencyMs: report.latencyMs,
      consecutiveFailures: report.consecutiveFailures,
      circuit: report.circuit,
      nextPollAt: report.nextPollAt
    }
    const points: EventPayload<'series.delta'>['points'] = []
    if (report.ok && report.value) {
      const r = report.value
      const slow = report.latencyMs > DEGRADED_LATENCY_MS
      next.health = r.warning || slow ? 'degraded' : 'up'
      next.lastError = r.warning ?? (slow ? `poll took ${report.latencyMs} ms (over ${DEGRADED_LATENCY_MS} ms)` : null)
      next.figures = r.figures
      if (r.findings) this.findings.set(c.id, r.findings)
      for (const s of r.samples) this.push(points, s.seriesId, now, s.value)
    } else {
      next.health = 'down'
      const path = this.deps.pathError?.(c.kind) ?? null
      next.lastError = path ? `${path} (${errorMessage(report.error)})` : errorMessage(report.error)
      // A gap in every chart of the target, the series watched on it included, so a line never
      // bridges an outage.
      for (const [seriesId, s] of this.series) if (s.info.targetId === c.id) this.push(points, seriesId, now, NaN)
    }
    this.states.set(c.id, next)
    const { events, alerts, history } = this.deps
    events.targetState(next)
    if (points.length) events.seriesDelta({ profile: this.profile.name, targetId: c.id, t: now, points })
    if (history) this.remember(history, c.id, prev, next, now, points, report.ok ? report.value : undefined)
    alerts.updateTarget(this.profile.name, this.rules.evaluateTarget(c.id, now), now)
    if (report.ok && report.value?.alerts) alerts.observeExternal(this.profile.name, c.id, report.value.alerts, now)
    if (report.ok && c.query) {
      const signal = this.stopping.signal
      void this.rules
        .evaluatePromql(c.id, () => this.clock.now(), signal)
        .then((u) => {
          if (u && !signal.aborted) alerts.updateTarget(this.profile.name, u, this.clock.now())
        })
    }
  }

  /** The poll in the history: its points as one tick, its state change, findings, statements and reported alerts. */
  private remember(
    history: HistoryRecorder,
    targetId: string,
    prev: TargetState,
    next: TargetState,
    now: number,
    points: EventPayload<'series.delta'>['points'],
    r: CollectResult | undefined
  ): void {
    const profile = this.profile.name
    history.health(profile, prev, next, now)
    if (points.length) {
      const values = new Float64Array(points.length)
      for (let i = 0; i < points.length; i++) values[i] = points[i]!.v ?? NaN
      history.tick(
        profile,
        targetId,
        now,
        points.map((p) => p.seriesId),
        values
      )
    }
    if (!r) return
    if (r.findings) history.targetFindings(profile, targetId, now, r.findings)
    if (r.statements) history.statements(profile, targetId, r.statements)
    if (r.alerts) history.externalAlerts(profile, targetId, now, r.alerts)
  }

  private push(points: EventPayload<'series.delta'>['points'], seriesId: string, t: number, v: number): void {
    const s = this.series.get(seriesId)
    if (!s) return
    s.ring.push(t, v)
    points.push({ seriesId, seq: s.ring.seq, v: toWire(v) })
  }

  /** Its targets' current states. */
  targetStates(): TargetState[] {
    return [...this.states.values()]
  }

  collector(targetId: string): TargetCollector | undefined {
    return this.collectors.find((x) => x.id === targetId)
  }

  private explorerOf(targetId: string) {
    const c = this.collectors.find((x) => x.id === targetId)
    if (!c) throw new ApiError('not_found', `profile "${this.profile.name}" has no target ${targetId}`)
    if (!c.explorer) throw new ApiError('bad_request', `${c.kind} target ${targetId} has no series to explore; only /metrics endpoints do`)
    return c.explorer
  }

  listSeries(targetId: string, search: string, limit: number) {
    return this.explorerOf(targetId).list(search, limit)
  }

  /** Charts a series of a /metrics target from its next scrape on. */
  watch(targetId: string, key: string, quantile: number | null): SeriesInfo {
    const info = this.explorerOf(targetId).watch(key, quantile)
    if (!this.series.has(info.seriesId)) this.series.set(info.seriesId, { info, ring: new RingSeries(SERIES_CAPACITY) })
    return info
  }

  unwatch(seriesId: string): boolean {
    const s = this.series.get(seriesId)
    if (!s) return false
    const c = this.collectors.find((x) => x.id === s.info.targetId)
    if (!c?.explorer?.unwatch(seriesId)) return false
    this.series.delete(seriesId)
    return true
  }

  /** The targets and, per series, its newest `points` points (all it keeps when not given). */
  snapshot(points = SERIES_CAPACITY): MonitorSnapshot {
    return {
      profile: this.profile.name,
      targets: [...this.states.values()],
      series: [...this.series.values()].map(({ info, ring }) => {
        const view = ring.view()
        const from = Math.max(0, view.t.length - points)
        return { ...info, seq: ring.seq, t: Array.from(view.t.subarray(from)), v: viewToWire(view.v.subarray(from)) }
      })
    }
  }
}
