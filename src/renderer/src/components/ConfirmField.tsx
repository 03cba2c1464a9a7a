import { useState } from 'react'
import { isProduction, type ProfileSummary } from '../../../shared/schemas'

/** The confirmation the core will demand: the profile's name on production, "confirm" elsewhere. */
export function confirmationFor(profile: ProfileSummary): string {
  return isProduction(profile) ? profile.name : 'confirm'
}

/**
 * A typed confirmation before a mutating action. The core checks the same word; this only saves
 * a round trip. On a read-only profile the action is not offered at all.
 */
export function ConfirmField({
  profile,
  action,
  busy,
  onConfirm
}: {
  profile: ProfileSummary
  action: string
  busy: boolean
  onConfirm(confirmation: string): void
}) {
  const [typed, setTyped] = useState('')
  const need = confirmationFor(profile)
  if (profile.readOnly) return <span className="muted">read-only profile: {action} is not allowed</span>
  return (
    <span className="confirm">
      <input
        aria-label={`Type ${need} to ${action}`}
        placeholder={isProduction(profile) ? `type ${need} (${profile.environment})` : `type ${need}`}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
      />
      {/* type="button": inside a form (the profile editor) a plain button would also submit it. */}
      <button
        type="button"
        className={isProduction(profile) ? 'danger' : ''}
        disabled={busy || typed !== need}
        onClick={() => onConfirm(typed)}
      >
        {action}
      </button>
    </span>
  )
}
