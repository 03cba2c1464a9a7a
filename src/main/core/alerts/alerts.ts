import type { Alert, AlertsSummary, TargetState } from '../../../shared/schemas'
import type { Notifier } from '../ports'
import type { ExternalAlert } from '../collector'
import { seriesKey } from '../prometheus/series'
import { evaluateTargetDown, type EnvironmentOf } from './target-down'

/**
 * The firing alerts of every monitored profile. Raises a notification when a critical alert
 * starts firing (once, not on every poll) and when it resolves.
 */
export class AlertBook {
  private readonly firing = new Map<string, Alert>()

  constructor(
    private readonly notifier: Notifier,
    private readonly onChange: (s: AlertsSummary) => void
  ) {}

  observe(state: TargetState, env: EnvironmentOf, now: number): void {
    const id = `${state.profile}/${state.targetId}/down`
    const before = this.firing.get(id)
    const alert = evaluateTargetDown(state, env, before?.since ?? null, now)
    if (alert && !before) {
      this.firing.set(id, alert)
      if (alert.severity === 'critical')
        this.notifier.notify({ title: `${state.profile}: ${state.kind} down`, body: alert.summary, severity: 'critical' })
      this.onChange(this.summary())
    } else if (!alert && before) {
      this.firing.delete(id)
      if (before.severity === 'critical')
        this.notifier.notify({
          title: `${state.profile}: ${state.kind} recovered`,
          body: `${state.endpoint} answers again`,
          severity: 'info'
        })
      this.onChange(this.summary())
    }
  }

  /**
   * The alerts a target reports as firing, replacing its previous report: new critical ones
   * notify once; ones that stopped firing resolve.
   */
  observeExternal(profile: string, targetId: string, reported: ExternalAlert[], now: number): void {
    const prefix = `${profile}/${targetId}/ext/`
    const seen = new Set<string>()
    let changed = false
    for (const a of reported) {
      const id = prefix + seriesKey(a.name, a.labels)
      seen.add(id)
      if (this.firing.has(id)) continue
      const alert: Alert = {
        id,
        profile,
        targetId,
        source: a.source ?? 'prometheus',
        name: a.name,
        severity: a.severity,
        summary: a.summary,
        labels: a.labels,
        since: a.since ?? now
      }
      this.firing.set(id, alert)
      changed = true
      if (a.severity === 'critical') this.notifier.notify({ title: `${profile}: ${a.name} firing`, body: a.summary, severity: 'critical' })
    }
    for (const id of [...this.firing.keys()]) {
      if (id.startsWith(prefix) && !seen.has(id)) {
        this.firing.delete(id)
        changed = true
      }
    }
    if (changed) this.onChange(this.summary())
  }

  clearProfile(profile: string): void {
    let changed = false
    for (const [id, a] of this.firing) if (a.profile === profile) changed = this.firing.delete(id) || changed
    if (changed) this.onChange(this.summary())
  }

  summary(): AlertsSummary {
    const firing = [...this.firing.values()]
    return { firing, critical: firing.filter((a) => a.severity === 'critical').length }
  }
}
