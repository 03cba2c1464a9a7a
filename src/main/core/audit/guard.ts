import { ApiError } from '../../../shared/api'
import type { Profile } from '../../../shared/schemas'
import type { AuditLog } from './audit-log'

/** What a non-prod profile's confirmation must say: an explicit word, never a default. */
export const CONFIRM_WORD = 'confirm'

/** The confirmation a mutating action needs on this profile: the profile's name on prod. */
export function requiredConfirmation(profile: Profile): string {
  return profile.environment === 'prod' ? profile.name : CONFIRM_WORD
}

export interface MutationRequest {
  profile: Profile
  action: string
  target: string
  details: Record<string, unknown>
  confirmation: string | undefined
}

function auditBase(req: MutationRequest) {
  return { profile: req.profile.name, environment: req.profile.environment, action: req.action, target: req.target, details: req.details }
}

/**
 * The guardrails alone, enforced here in the core whatever the UI did: refused on a read-only
 * profile, refused without the exact confirmation (the profile's name, typed, on prod). A refusal
 * is audited and thrown. Actions that run on as a job call this, then audit their outcome.
 */
export async function checkGuard(audit: AuditLog, req: MutationRequest): Promise<void> {
  let refusal: string | null = null
  if (req.profile.readOnly) refusal = `profile "${req.profile.name}" is read-only: ${req.action} refused`
  else if (req.confirmation !== requiredConfirmation(req.profile))
    refusal =
      req.profile.environment === 'prod'
        ? `${req.action} on the prod profile "${req.profile.name}" needs its name typed as confirmation`
        : `${req.action} needs confirmation: send "${CONFIRM_WORD}"`
  if (refusal) {
    await audit.record({ ...auditBase(req), outcome: 'refused', error: refusal })
    throw new ApiError('refused', refusal)
  }
}

/** Runs a mutating action under the guardrails and audits whether it runs, is refused or fails. */
export async function guarded<T>(audit: AuditLog, req: MutationRequest, run: () => Promise<T>): Promise<T> {
  await checkGuard(audit, req)
  try {
    const result = await run()
    await audit.record({ ...auditBase(req), outcome: 'ok' })
    return result
  } catch (err) {
    await audit.record({ ...auditBase(req), outcome: 'failed', error: err instanceof Error ? err.message : String(err) })
    throw err
  }
}
