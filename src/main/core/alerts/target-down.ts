import type { Alert, AlertSeverity, Environment, TargetState } from '../../../shared/schemas'

/** A target must fail this many polls in a row before it alerts: one lost poll is noise. */
export const TARGET_DOWN_AFTER_FAILURES = 2

/** Down on prod or staging pages someone; down on dev is worth a look. */
export function targetDownSeverity(env: Environment): AlertSeverity {
  return env === 'dev' ? 'warning' : 'critical'
}

/** The "target down" rule: firing while the target has failed enough polls in a row. */
export function evaluateTargetDown(state: TargetState, env: Environment, firingSince: number | null, now: number): Alert | null {
  if (state.health !== 'down' || state.consecutiveFailures < TARGET_DOWN_AFTER_FAILURES) return null
  return {
    id: `${state.profile}/${state.targetId}/down`,
    profile: state.profile,
    targetId: state.targetId,
    source: 'lookout',
    name: 'TargetDown',
    labels: { kind: state.kind, endpoint: state.endpoint },
    severity: targetDownSeverity(env),
    summary: `${state.kind} ${state.endpoint} is down: ${state.lastError ?? 'no answer'}`,
    since: firingSince ?? now
  }
}
