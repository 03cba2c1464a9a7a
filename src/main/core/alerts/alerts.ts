import type { Alert, AlertsSummary, Environment, TargetState } from '../../../shared/schemas'
import type { Notifier } from '../ports'
import { evaluateTargetDown } from './target-down'

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

  observe(state: TargetState, env: Environment, now: number): void {
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
