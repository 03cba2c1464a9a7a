import type { AlertRule } from '../../../shared/alert-rules'
import type { EventName, EventPayload } from '../../../shared/api'
import type { Alert } from '../../../shared/schemas'
import { AlertmanagerClient } from '../alertmanager/client'
import type { Clock, Logger, Notifier, TimerHandle } from '../ports'
import type { ProfileStore } from '../profiles/store'
import { AlertBook } from './alerts'
import { AlertConfigStore } from './config-store'
import { AlertJournal } from './journal'

/** How often a watched profile's Alertmanager is asked for its silences (and forwarded alerts renewed). */
export const AM_SILENCE_POLL_MS = 30_000
/** Forwarded alerts end this long after their last renewal unless renewed (Prometheus sends 4 eval intervals ahead). */
export const FORWARD_ENDS_AFTER_MS = 5 * 60_000
/** While anything is pending or firing, the journal notes that Lookout is alive this often. */
export const HEARTBEAT_MS = 60_000

interface Linked {
  client: AlertmanagerClient
  timer: TimerHandle | null
  lastForwarded: Alert[]
  stopped: boolean
  /** Reads the silences now (after one was created or expired from Lookout). */
  readSilences(): Promise<void>
}

/**
 * Alerting as one service: the rules' configuration (alerts.json), the journal, the alert book,
 * and each watched profile's link to its Alertmanager (its silences mute alerts here; firing
 * alerts are forwarded to it when the policy says so).
 */
export class Alerting {
  readonly config: AlertConfigStore
  readonly journal: AlertJournal
  readonly book: AlertBook
  private loaded: Promise<void> | null = null
  private readonly linked = new Map<string, Linked>()
  private heartbeat: TimerHandle | null = null

  constructor(
    private readonly deps: {
      dataDir: string
      notifier: Notifier
      clock: Clock
      logger: Logger
      profiles: ProfileStore
      emit: <E extends EventName>(name: E, payload: EventPayload<E>) => void
      /** Is anything pending or firing (the heartbeat is written only then). */
      anyActive: () => boolean
    }
  ) {
    this.config = new AlertConfigStore(deps.dataDir)
    this.journal = new AlertJournal(deps.dataDir, deps.logger)
    this.book = new AlertBook({
      notifier: deps.notifier,
      onChange: (s) => deps.emit('alerts.changed', s),
      journal: this.journal,
      policy: () => this.config.policy(),
      silences: () => this.config.silences(),
      onFiringChange: (profile, firing) => this.forward(profile, firing)
    })
  }

  /** Loads alerts.json and the journal, once. */
  ready(): Promise<void> {
    this.loaded ??= (async () => {
      await this.config.load()
      if (this.config.problem) this.deps.logger.warn('alerts.json unreadable; the built-in rules run', { problem: this.config.problem })
      await this.journal.load(this.deps.clock.now())
      this.beat()
    })()
    return this.loaded
  }

  /** A profile's enabled rules (built-in, pack, its own). */
  rulesFor(profile: string): AlertRule[] {
    return this.config
      .effectiveRules(profile)
      .map((e) => e.rule)
      .filter((r) => r.enabled)
  }

  /** Starts reading the profile's Alertmanager silences (and forwarding to it), when it has one. */
  async link(profile: string): Promise<void> {
    this.unlink(profile)
    const p = await this.deps.profiles.get(profile)
    if (!p.alertmanager) return
    const { urls } = await this.deps.profiles.secretsOf(p)
    const l: Linked = {
      client: new AlertmanagerClient(urls.alertmanager ?? p.alertmanager, 5000),
      timer: null,
      lastForwarded: [],
      stopped: false,
      readSilences: async () => {}
    }
    this.linked.set(profile, l)
    l.readSilences = async () => {
      try {
        const silences = await l.client.silences()
        if (!l.stopped)
          this.book.setAlertmanagerSilences(
            profile,
            silences
              .filter((s) => s.status.state === 'active')
              .map((s) => ({ id: s.id, matchers: s.matchers, endsAt: Date.parse(s.endsAt), comment: s.comment })),
            this.deps.clock.now()
          )
      } catch (err) {
        // Its silences stay as last read: an Alertmanager that is down does not unmute anything.
        this.deps.logger.warn('alertmanager silences unreadable', { profile, error: String(err) })
      }
    }
    const poll = async () => {
      if (l.stopped) return
      await l.readSilences()
      if (this.config.policy().forwardToAlertmanager && l.lastForwarded.length) await this.send(profile, l, l.lastForwarded)
      if (!l.stopped) l.timer = this.deps.clock.setTimeout(() => void poll(), AM_SILENCE_POLL_MS)
    }
    void poll()
  }

  /** After Lookout created or expired a silence in the profile's Alertmanager: read them now, not in 30 s. */
  async refreshSilences(profile: string): Promise<void> {
    await this.linked.get(profile)?.readSilences()
  }

  unlink(profile: string): void {
    const l = this.linked.get(profile)
    if (!l) return
    l.stopped = true
    if (l.timer) this.deps.clock.clearTimeout(l.timer)
    this.linked.delete(profile)
  }

  private forward(profile: string, firing: Alert[]): void {
    const l = this.linked.get(profile)
    if (!l || !this.config.policy().forwardToAlertmanager) return
    // What stopped firing is sent once more with an end now, so the Alertmanager resolves it.
    const now = this.deps.clock.now()
    const ids = new Set(firing.map((a) => a.id))
    const ended = l.lastForwarded.filter((a) => !ids.has(a.id)).map((a) => ({ ...a, resolvedAt: now }))
    l.lastForwarded = firing
    void this.send(profile, l, [...firing, ...ended])
  }

  private async send(profile: string, l: Linked, alerts: Alert[]): Promise<void> {
    const now = this.deps.clock.now()
    try {
      await l.client.postAlerts(
        alerts.map((a) => ({
          labels: { ...a.labels, lookout_profile: profile },
          annotations: {
            summary: a.summary,
            ...(a.description ? { description: a.description } : {}),
            ...(a.runbookUrl ? { runbook_url: a.runbookUrl } : {})
          },
          startsAt: new Date(a.firedAt ?? a.since),
          endsAt: new Date(a.state === 'firing' && a.resolvedAt === null ? now + FORWARD_ENDS_AFTER_MS : (a.resolvedAt ?? now))
        }))
      )
    } catch (err) {
      this.deps.logger.warn('forwarding alerts to alertmanager failed', { profile, error: String(err) })
    }
  }

  private beat(): void {
    if (this.deps.anyActive()) this.journal.append([{ k: 'alive', t: this.deps.clock.now() }], this.deps.clock.now())
    this.heartbeat = this.deps.clock.setTimeout(() => this.beat(), HEARTBEAT_MS)
  }

  async close(): Promise<void> {
    for (const p of [...this.linked.keys()]) this.unlink(p)
    if (this.heartbeat) this.deps.clock.clearTimeout(this.heartbeat)
    this.heartbeat = null
    await this.journal.flush()
  }
}
