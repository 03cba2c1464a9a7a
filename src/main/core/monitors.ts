import { ApiError } from '../../shared/api'
import type { AlertsSummary } from '../../shared/schemas'
import type { AlertBook } from './alerts/alerts'
import type { Alerting } from './alerts/alerting'
import type { CollectResult } from './collector'
import { ProfileMonitor, SERIES_CAPACITY } from './monitor'
import type { HistoryRecorder } from './history/recorder'
import type { Clock, Logger } from './ports'
import { fetchBackfill } from './prometheus/backfill'
import type { ProfileStore } from './profiles/store'
import { Scheduler } from './scheduler/scheduler'
import type { Emit } from './services'
import { buildCollectors, pollTimeout, throughSsh } from './targets'

/**
 * The profiles being watched: one ProfileMonitor each, on one scheduler, feeding one alert book.
 * Starting a profile builds its collectors with its secrets and backfills its charts from its
 * Prometheus; stopping it stops its polls and clears its alerts. Polls do not pass through here:
 * each goes from the scheduler to its monitor.
 */
export class MonitorRegistry {
  private readonly monitors = new Map<string, ProfileMonitor>()
  readonly alerts: AlertBook
  private readonly scheduler: Scheduler<CollectResult>

  constructor(
    private readonly deps: {
      profiles: ProfileStore
      clock: Clock
      logger: Logger
      emit: Emit
      alerting: Alerting
      random?: () => number
      /** Told when a profile starts or stops being watched. */
      onWatchedChange?: () => void
      /** The last failure of a profile's SSH tunnel, for the error of a target behind it. */
      tunnelError?: (profile: string) => string | null
      /** Where polls are remembered; also what the charts resume from after a restart. */
      history?: HistoryRecorder
    }
  ) {
    const { clock } = deps
    this.alerts = deps.alerting.book
    // Each poll reports to its own profile's monitor (the job's `report`), never through here.
    this.scheduler = new Scheduler<CollectResult>({ clock, random: deps.random })
  }

  /** The profiles being watched, in the order they started. */
  watched(): ProfileMonitor[] {
    return [...this.monitors.values()]
  }

  has(name: string): boolean {
    return this.monitors.has(name)
  }

  /** The monitor of a watched profile, or not_found. */
  of(name: string): ProfileMonitor {
    const m = this.monitors.get(name)
    if (!m) throw new ApiError('not_found', `profile "${name}" is not being monitored; start it first`)
    return m
  }

  async start(name: string): Promise<ProfileMonitor> {
    const existing = this.monitors.get(name)
    if (existing) return existing
    const { profiles, clock, emit, logger, alerting } = this.deps
    await alerting.ready()
    const profile = await profiles.get(name)
    const secrets = await profiles.secretsOf(profile)
    const collectors = buildCollectors(profile, secrets)
    if (collectors.length === 0)
      throw new ApiError(
        'bad_request',
        `profile "${name}" names no target: add a Postgres DSN, a Redis URL, a Prometheus server or a /metrics URL`
      )
    const history = this.deps.history
    const book = this.alerts
    const m = new ProfileMonitor(profile, collectors, {
      scheduler: this.scheduler,
      clock,
      events: { targetState: (s) => emit('target.state', s), seriesDelta: (d) => emit('series.delta', d) },
      // Alert transitions go to the book and, as they are journalled, to the timeline.
      alerts: history
        ? {
            updateTarget: (p, u, now) => {
              book.updateTarget(p, u, now)
              history.alertRecords(p, u.records)
            },
            observeExternal: (p, t, reported, now) => book.observeExternal(p, t, reported, now)
          }
        : book,
      history,
      rules: alerting.rulesFor(name),
      journal: alerting.journal.current,
      timeoutMs: pollTimeout(profile),
      pathError: (kind) =>
        (kind === 'postgres' || kind === 'redis') && throughSsh(profile, kind) ? (this.deps.tunnelError?.(name) ?? null) : null
    })
    this.monitors.set(name, m)
    this.deps.onWatchedChange?.()
    // The charts resume from the local history first; the Prometheus server fills what it lacks.
    if (history?.store) m.restore(history.store, clock.now() - SERIES_CAPACITY * profile.pollIntervalMs)
    m.backfill(await fetchBackfill(profile, secrets.urls.prometheus, collectors, clock.now()))
    // Stopped while the history loaded: do not start polling behind the user's back.
    if (this.monitors.get(name) !== m) return m
    m.start()
    void alerting.link(name).catch((err: unknown) => logger.warn('alertmanager link failed', { profile: name, error: String(err) }))
    logger.info('monitoring started', { profile: name, targets: collectors.map((c) => c.endpoint) })
    return m
  }

  async stop(name: string): Promise<boolean> {
    const m = this.monitors.get(name)
    if (!m) return false
    this.monitors.delete(name)
    this.deps.alerting.unlink(name)
    await m.stop()
    this.deps.history?.forgetProfile(name)
    this.alerts.clearProfile(name, this.deps.clock.now())
    this.deps.onWatchedChange?.()
    return true
  }

  /** Restarts a watched profile with its saved settings (after an edit). */
  async restart(name: string): Promise<void> {
    if (!this.monitors.has(name)) return
    await this.stop(name)
    await this.start(name)
  }

  async close(): Promise<void> {
    this.scheduler.stop()
    await Promise.allSettled([...this.monitors.keys()].map((n) => this.stop(n)))
    await this.deps.alerting.close()
  }

  summary(): AlertsSummary {
    return this.alerts.summary(this.deps.clock.now())
  }

  /** After a rule changed: every watched profile (or one) takes its effective rules again; states resume from the journal. */
  reloadRules(profile?: string): void {
    const { alerting, clock } = this.deps
    for (const m of this.watched()) {
      if (profile !== undefined && m.profile.name !== profile) continue
      m.setRules(alerting.rulesFor(m.profile.name), alerting.journal.current)
      // Alerts of a rule that is gone leave the book now, not at the target's next poll.
      for (const t of m.targets()) this.alerts.updateTarget(m.profile.name, m.rules.evaluateTarget(t.id, clock.now()), clock.now())
    }
  }

  /** Whether any watched profile has an alert pending or firing. */
  anyActive(): boolean {
    return this.watched().some((m) => m.rules.anyActive())
  }
}
