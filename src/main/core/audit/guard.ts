import {
  actionName,
  ApiError,
  type ApiErrorReason,
  describeZodError,
  requests,
  type MutationSpec,
  type RequestContext,
  type RequestName
} from '../../../shared/api'
import { isProduction, type Profile } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import type { AuditLog } from './audit-log'

/** What a non-prod profile's confirmation must say: an explicit word, never a default. */
export const CONFIRM_WORD = 'confirm'

/** The confirmation a mutating action needs on this profile: the profile's name on production. */
export function requiredConfirmation(profile: Profile): string {
  return isProduction(profile) ? profile.name : CONFIRM_WORD
}

/** Why a confirmation does not do for this profile, or null when it does. */
export function confirmationRefusal(profile: Profile, action: string, confirmation: unknown): string | null {
  if (confirmation === requiredConfirmation(profile)) return null
  return isProduction(profile)
    ? `${action} on the ${profile.environment} profile "${profile.name}" needs its name typed as confirmation`
    : `${action} needs confirmation: send "${CONFIRM_WORD}"`
}

const readOnlyRefusal = (profile: Profile, action: string) => `profile "${profile.name}" is read-only: ${action} refused`

/** A refusal the guard raised and already audited: the dispatcher must not audit it twice. */
class GuardRefusal extends ApiError {}

/**
 * The one place where mutating requests are guarded and audited. The dispatcher hands every
 * request whose declaration carries a `mutation` here, from any transport. In order:
 * the params are validated (a refusal here is audited too), the profile is read fresh, a
 * read-only profile refuses, the confirmation is checked ('always') or left to the handler
 * ('when-needed'), and one audit line records the outcome: ok, refused or failed, with the
 * details the handler added. Jobs audit their end again when they finish.
 */
export class MutationGuard {
  constructor(
    private readonly audit: AuditLog,
    private readonly profileOf: (name: string) => Promise<Profile | null>
  ) {}

  async run(name: RequestName, spec: MutationSpec, raw: unknown, handler: (params: unknown, ctx: RequestContext) => Promise<unknown>) {
    const rawObj = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>
    const named = spec.profileOf ? spec.profileOf(rawObj) : rawObj.profile
    const profileName = typeof named === 'string' ? named.slice(0, 100) : '(none)'
    let action = actionName(spec, rawObj)
    let target = '?'
    let profile: Profile | null = null
    const details: Record<string, unknown> = {}
    const record = (outcome: 'ok' | 'refused' | 'failed', error?: string) =>
      this.audit.record({
        profile: profile?.name ?? profileName,
        environment: profile?.environment ?? 'unknown',
        action,
        target,
        details,
        outcome,
        ...(error === undefined ? {} : { error })
      })
    const refuse = async (
      message: string,
      code: 'refused' | 'bad_request' | 'not_found' = 'refused',
      reason?: ApiErrorReason
    ): Promise<never> => {
      await record('refused', message)
      throw new GuardRefusal(code, message, reason)
    }

    profile = typeof named === 'string' ? await this.profileOf(named) : null
    const parsed = requests[name].params.safeParse(raw ?? {})
    if (!parsed.success) return refuse(`${name}: ${describeZodError(parsed.error)}`, 'bad_request')
    const params = parsed.data as Record<string, unknown>
    action = actionName(spec, params)
    try {
      target = spec.target(params)
    } catch {
      target = '?'
    }
    if (!profile && spec.profileMustExist !== false) return refuse(`no profile named "${profileName}"`, 'not_found')
    if (profile?.readOnly && spec.onReadOnly === 'refuse') return refuse(readOnlyRefusal(profile, action), 'refused', 'read_only')
    if (profile?.allowedActions && spec.onReadOnly === 'refuse' && !profile.allowedActions.includes(name))
      return refuse(
        `profile "${profile.name}" allows only ${profile.allowedActions.join(', ') || 'no action on its servers'}: ${action} (${name}) refused`,
        'refused',
        'read_only'
      )
    if (profile && spec.confirm === 'always') {
      const why = confirmationRefusal(profile, action, params.confirmation)
      if (why) return refuse(why, 'refused', 'confirmation_required')
    }

    let refusal: string | null = null
    let failure: string | null = null
    const ctx: RequestContext = {
      fail: (error) => (failure = error),
      requireConfirmation: (what) => {
        // With no profile (history of every profile, a profile already deleted), the explicit word.
        if (!profile) {
          if (params.confirmation !== CONFIRM_WORD) {
            refusal = `${what} needs confirmation: send "${CONFIRM_WORD}"`
            throw new ApiError('refused', refusal, 'confirmation_required')
          }
          return
        }
        refusal = confirmationRefusal(profile, what, params.confirmation)
        if (refusal) throw new ApiError('refused', refusal, 'confirmation_required')
      },
      requireConfirmationFor: (other, what) => {
        refusal = confirmationRefusal(other as Profile, what, params.confirmation)
        if (refusal) throw new ApiError('refused', refusal, 'confirmation_required')
      },
      audit: (more) => Object.assign(details, more),
      setTarget: (t) => (target = t)
    }
    try {
      const result = await handler(params, ctx)
      const jobId = (result as { jobId?: unknown } | null)?.jobId
      if (typeof jobId === 'string') details.jobId = jobId
      if (failure !== null) await record('failed', failure)
      else await record('ok')
      return result
    } catch (err) {
      if (err instanceof GuardRefusal) throw err
      const refused = err instanceof ApiError && (err.code === 'refused' || err.code === 'busy')
      await record(refused ? 'refused' : 'failed', errorMessage(err)).catch(() => {})
      throw err
    }
  }
}
