import { matchesAll, type LocalSilence, type NotificationPolicy } from '../../../shared/alert-rules'
import type { Alert, AlertsSummary } from '../../../shared/schemas'
import type { ExternalAlert } from '../collector'
import type { Notifier } from '../ports'
import { seriesKey } from '../prometheus/series'
import type { AlertJournal, JournalRecord } from './journal'
import type { RuleUpdate } from './profile-rules'

/** With no state change, the book looks at its alerts again this often (group waits, mutes that end). */
export const SETTLE_EVERY_MS = 1000

/** A silence in the profile's Alertmanager, as the book matches it. */
export interface AmSilence {
  id: string
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[]
  endsAt: number
  comment: string
}

export interface AlertBookDeps {
  notifier: Notifier
  onChange: (s: AlertsSummary) => void
  journal: AlertJournal | null
  policy: () => NotificationPolicy
  silences: () => readonly LocalSilence[]
  /** Told when the firing alerts of a profile change (forwarding to its Alertmanager). */
  onFiringChange?: (profile: string, firing: Alert[]) => void
}

interface Group {
  /** When the group first had an alert that notifies (group wait counts from here). */
  since: number | null
}

/**
 * Every alert of every watched profile: Lookout's rules (pending, firing, no data, resolved),
 * and what a Prometheus server reports as firing. It decides what notifies:
 * - an alert notifies when it fires, is critical (or a warning when the policy says so), and is
 *   not muted: acknowledged, snoozed, matched by a local or an Alertmanager silence, or inhibited
 *   (a firing TargetDown mutes the other alerts of its target);
 * - alerts are grouped by the policy's labels; a group notifies once after its group wait, then
 *   not again before its repeat interval, however often its alerts flap.
 * It writes rule transitions, acknowledgements and notifications to the journal.
 */
export class AlertBook {
  /** Rule alerts by profile, then target: built from the rules' states when asked. */
  private readonly ruleAlerts = new Map<string, Map<string, () => Alert[]>>()
  /** When the book looks at every alert again without a change (group waits, mutes that end). */
  private settleDue = 0
  private readonly external = new Map<string, Alert>()
  private readonly amSilences = new Map<string, AmSilence[]>()
  private readonly groups = new Map<string, Group>()
  private lastSignature = ''
  /** When each group last notified, for a book without a journal. */
  private readonly lastNotified = new Map<string, number>()
  private lastFiring = new Map<string, string>()

  constructor(private readonly deps: AlertBookDeps) {}

  /**
   * One target's rule alerts after an evaluation: writes its records at once, and looks at every
   * alert again (mutes, notifications, the view's event) at most once a second, not on every poll
   * of every target: forty targets and a thousand rules must not mean forty passes a second.
   */
  updateTarget(profile: string, update: RuleUpdate, now: number): void {
    let byTarget = this.ruleAlerts.get(profile)
    if (!byTarget) this.ruleAlerts.set(profile, (byTarget = new Map()))
    byTarget.set(update.targetId, update.alerts)
    this.deps.journal?.append(update.records, now)
    if (now >= this.settleDue) this.settle(now)
  }

  /**
   * The alerts a target reports as firing, replacing its previous report: new ones are added,
   * ones that stopped firing leave.
   */
  observeExternal(profile: string, targetId: string, reported: ExternalAlert[], now: number): void {
    const prefix = `${profile}/${targetId}/ext/`
    const seen = new Set<string>()
    let changed = false
    for (const a of reported) {
      const id = prefix + seriesKey(a.name, a.labels)
      seen.add(id)
      if (this.external.has(id)) continue
      changed = true
      this.external.set(id, {
        id,
        profile,
        targetId,
        source: a.source ?? 'prometheus',
        name: a.name,
        severity: a.severity,
        summary: a.summary,
        // As the server reports them: a silence made from them in its Alertmanager must match there.
        labels: { ...a.labels, alertname: a.labels.alertname ?? a.name },
        since: a.since ?? now,
        state: 'firing',
        value: null,
        description: '',
        runbookUrl: a.labels.runbook_url ?? null,
        rule: null,
        firedAt: a.since ?? now,
        resolvedAt: null,
        muted: []
      })
    }
    for (const id of [...this.external.keys()]) if (id.startsWith(prefix) && !seen.has(id)) changed = this.external.delete(id) || changed
    if (changed || now >= this.settleDue) this.settle(now)
  }

  /** The profile's Alertmanager silences (active ones), refreshed by the registry. */
  setAlertmanagerSilences(profile: string, silences: AmSilence[], now: number): void {
    this.amSilences.set(profile, silences)
    this.settle(now)
  }

  clearProfile(profile: string, now: number): void {
    this.ruleAlerts.delete(profile)
    this.amSilences.delete(profile)
    for (const [id, a] of this.external) if (a.profile === profile) this.external.delete(id)
    this.settle(now)
  }

  /** Acknowledge (until it resolves), snooze (until a time) or unmute one alert. */
  mute(id: string, how: 'ack' | 'snooze' | 'unmute', until: number | null, by: string, now: number): Alert {
    if (!this.all().some((x) => x.id === id)) throw new Error(`no alert ${id}`)
    this.deps.journal?.append([{ k: how, t: now, id, until, by }], now)
    this.settle(now)
    return this.viewAll(now).find((x) => x.id === id)!
  }

  /** Re-evaluates mutes and notifications (silences changed, time passed). */
  settle(now: number): void {
    this.settleDue = now + SETTLE_EVERY_MS
    const journal = this.deps.journal
    // Acknowledgements last until their alert resolves.
    if (journal) {
      const ended: JournalRecord[] = []
      for (const a of this.all())
        if (a.state === 'resolved' && journal.current.mutes.get(a.id)?.k === 'ack')
          ended.push({ k: 'unmute', t: now, id: a.id, until: null, by: 'resolved' })
      journal.append(ended, now)
    }
    const alerts = this.viewAll(now)
    this.notify(alerts, now)
    const signature = alerts.map((a) => `${a.id}|${a.state}|${a.muted.map((m) => m.kind).join(',')}`).join('\n')
    if (signature !== this.lastSignature) {
      this.lastSignature = signature
      this.deps.onChange(summaryOf(alerts))
    }
    if (this.deps.onFiringChange) {
      const byProfile = new Map<string, Alert[]>()
      for (const a of alerts)
        if (a.state === 'firing' && a.source === 'lookout') byProfile.set(a.profile, [...(byProfile.get(a.profile) ?? []), a])
      for (const profile of new Set([...byProfile.keys(), ...this.lastFiring.keys()])) {
        const list = byProfile.get(profile) ?? []
        const sig = list.map((a) => a.id).join('\n')
        if (this.lastFiring.get(profile) === sig) continue
        if (list.length) this.lastFiring.set(profile, sig)
        else this.lastFiring.delete(profile)
        this.deps.onFiringChange(profile, list)
      }
    }
  }

  summary(now: number): AlertsSummary {
    return summaryOf(this.viewAll(now))
  }

  /** The alerts that would be muted, and why: for the silence editor's preview. */
  matching(matchers: LocalSilence['matchers'], now: number): Alert[] {
    return this.viewAll(now).filter((a) => matchesAll(withProfile(a), matchers))
  }

  private all(): Alert[] {
    const out: Alert[] = []
    for (const byTarget of this.ruleAlerts.values()) for (const list of byTarget.values()) out.push(...list())
    out.push(...this.external.values())
    return out
  }

  /** Every alert with why it is muted now. */
  private viewAll(now: number): Alert[] {
    const all = this.all()
    // Inhibition: a firing TargetDown mutes the other alerts of its target.
    const down = new Set(all.filter((x) => x.name === 'TargetDown' && x.state === 'firing').map((x) => `${x.profile}/${x.targetId}`))
    return all.map((a) => this.withMutes(a, now, down))
  }

  private withMutes(a: Alert, now: number, down: ReadonlySet<string>): Alert {
    const muted: Alert['muted'] = []
    const m = this.deps.journal?.current.mutes.get(a.id)
    if (m?.k === 'ack') muted.push({ kind: 'ack', detail: `acknowledged by ${m.by}`, until: null })
    if (m?.k === 'snooze' && m.until !== null && m.until > now) muted.push({ kind: 'snooze', detail: `snoozed by ${m.by}`, until: m.until })
    for (const s of this.deps.silences())
      if (s.endsAt > now && matchesAll(withProfile(a), s.matchers)) muted.push({ kind: 'silence', detail: s.comment, until: s.endsAt })
    for (const s of this.amSilences.get(a.profile) ?? [])
      if (s.endsAt > now && amMatches(a.labels, s))
        muted.push({ kind: 'alertmanager', detail: `Alertmanager silence ${s.id}: ${s.comment}`, until: s.endsAt })
    if (a.name !== 'TargetDown' && a.source === 'lookout' && down.has(`${a.profile}/${a.targetId}`))
      muted.push({ kind: 'inhibited', detail: `${a.targetId} is down`, until: null })
    return { ...a, muted }
  }

  private notify(alerts: Alert[], now: number): void {
    const policy = this.deps.policy()
    const due = new Map<string, Alert[]>()
    for (const a of alerts) {
      if (a.state !== 'firing' || a.muted.length) continue
      if (a.severity !== 'critical' && !(a.severity === 'warning' && policy.notifyWarnings)) continue
      const key = policy.groupBy.map((l) => `${l}=${(l === 'profile' ? a.profile : a.labels[l]) ?? ''}`).join(',')
      due.set(key, [...(due.get(key) ?? []), a])
    }
    for (const [key, g] of this.groups) if (!due.has(key)) g.since = null
    const notified = this.deps.journal?.current.notified
    for (const [key, list] of due) {
      let g = this.groups.get(key)
      if (!g) this.groups.set(key, (g = { since: null }))
      g.since ??= now
      if (now - g.since < policy.groupWaitS * 1000) continue
      const last = notified?.get(key) ?? this.lastNotified.get(key)
      if (last !== undefined && now - last < policy.repeatIntervalS * 1000) continue
      this.lastNotified.set(key, now)
      this.deps.journal?.append([{ k: 'notified', t: now, group: key }], now)
      const first = list[0]!
      const more = list.length > 1 ? ` (${list.length} alerts)` : ''
      this.deps.notifier.notify({
        title: `${first.profile}: ${first.name}${more}`,
        body: list.length > 1 ? `${first.summary}; and ${list.length - 1} more` : first.summary,
        severity: list.some((a) => a.severity === 'critical') ? 'critical' : 'warning',
        alertId: first.id
      })
    }
  }
}

/** An alert's labels with its profile's name, which local silences and grouping may name. */
function withProfile(a: Alert): Record<string, string> {
  return a.labels.profile === a.profile ? a.labels : { ...a.labels, profile: a.profile }
}

function amMatches(labels: Record<string, string>, s: AmSilence): boolean {
  return matchesAll(
    labels,
    s.matchers.map((m) => ({
      name: m.name,
      value: m.value,
      op: m.isRegex ? (m.isEqual === false ? '!~' : '=~') : m.isEqual === false ? '!=' : '='
    }))
  )
}

const order = { critical: 0, warning: 1, info: 2 } as const

function summaryOf(alerts: Alert[]): AlertsSummary {
  const sorted = [...alerts].sort((a, b) => order[a.severity] - order[b.severity] || a.since - b.since)
  const firing = sorted.filter((a) => a.state === 'firing')
  return {
    firing,
    critical: firing.filter((a) => a.severity === 'critical').length,
    other: sorted.filter((a) => a.state !== 'firing')
  }
}
