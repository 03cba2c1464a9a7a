import { isProduction, type Alert, type AlertSeverity, type Profile, type TargetState } from '../../../shared/schemas'

/** What the target-down rule needs of a profile: whether a failure there pages someone. */
export type EnvironmentOf = Pick<Profile, 'environment' | 'production'>

/** A target must fail this many polls in a row before it alerts: one lost poll is noise. */
export const TARGET_DOWN_AFTER_FAILURES = 2

/** Down on production or staging pages someone; down on dev, or an environment said not to be production, is worth a look. */
export function targetDownSeverity(env: EnvironmentOf): AlertSeverity {
  return env.environment === 'staging' || isProduction(env) ? 'critical' : 'warning'
}

/** The "target down" rule: firing while the target has failed enough polls in a row. */
export function evaluateTargetDown(state: TargetState, env: EnvironmentOf, firingSince: number | null, now: number): Alert | null {
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
