import type { Profile, ProfileInput } from '../../../shared/schemas'

export type SecretSlot = 'postgres' | 'redis'

export function secretKey(profile: string, slot: SecretSlot): string {
  return `profile/${profile}/${slot}`
}

/** Takes the password out of a URL: the URL that may be stored, and the password for the secret store. */
export function splitPassword(url: string): { url: string; password: string | null } {
  const u = new URL(url)
  if (!u.password) return { url, password: null }
  const password = decodeURIComponent(u.password)
  u.password = ''
  return { url: u.toString(), password }
}

/** A profile with every password taken out, and the passwords by slot. */
export function separateSecrets(input: Profile | ProfileInput): {
  profile: Profile | ProfileInput
  secrets: Partial<Record<SecretSlot, string>>
} {
  const secrets: Partial<Record<SecretSlot, string>> = {}
  const profile = { ...input }
  for (const slot of ['postgres', 'redis'] as const) {
    const url = profile[slot]
    if (!url) continue
    const split = splitPassword(url)
    profile[slot] = split.url
    if (split.password !== null) secrets[slot] = split.password
  }
  return { profile, secrets }
}
