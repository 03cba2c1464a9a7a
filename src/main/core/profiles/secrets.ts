import type { MetricsEndpoint, Profile } from '../../../shared/schemas'

export type SecretSlot = 'postgres' | 'redis' | `metrics:${string}`

export function secretKey(profile: string, slot: SecretSlot): string {
  return `profile/${profile}/${slot}`
}

/** The secret slot of a /metrics endpoint: by its URL (without credentials), so reordering keeps it. */
export function metricsSlot(url: string): SecretSlot {
  const u = new URL(url)
  u.password = ''
  return `metrics:${u.toString()}`
}

/** Takes the password out of a URL: the URL that may be stored, and the password for the secret store. */
export function splitPassword(url: string): { url: string; password: string | null } {
  const u = new URL(url)
  if (!u.password) return { url, password: null }
  const password = decodeURIComponent(u.password)
  u.password = ''
  return { url: u.toString(), password }
}

/** A profile with every password and token taken out, and the secrets by slot. */
export function separateSecrets(input: Profile): { profile: Profile; secrets: Map<SecretSlot, string> } {
  const secrets = new Map<SecretSlot, string>()
  const profile: Profile = { ...input }
  for (const slot of ['postgres', 'redis'] as const) {
    const url = profile[slot]
    if (!url) continue
    const split = splitPassword(url)
    profile[slot] = split.url
    if (split.password !== null) secrets.set(slot, split.password)
  }
  profile.metrics = input.metrics.map((entry) => {
    const m: MetricsEndpoint = entry
    const split = splitPassword(m.url)
    const { bearerToken, ...rest } = m
    if (split.password !== null && bearerToken) throw new Error(`${split.url}: give a password or a bearer token, not both`)
    const out: MetricsEndpoint = { ...rest, url: split.url }
    if (split.password !== null) {
      secrets.set(metricsSlot(split.url), split.password)
      out.auth = 'basic'
    } else if (bearerToken) {
      secrets.set(metricsSlot(split.url), bearerToken)
      out.auth = 'bearer'
    }
    return out
  })
  return { profile, secrets }
}
