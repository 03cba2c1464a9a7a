import type { MetricsEndpoint, Profile } from '../../../shared/schemas'

/**
 * Where a secret lives in the secret store, per profile: the password of each endpoint field, and
 * any secret a URL carries in its query string (`?token=`, `?password=`, ...).
 */
export type SecretSlot =
  'postgres' | 'redis' | 'redisReplica' | 'prometheus' | 'alertmanager' | 'ssh' | `metrics:${string}` | `${string}?${string}`

/** The profile fields that hold one URL each. */
export const URL_FIELDS = ['postgres', 'redis', 'redisReplica', 'prometheus', 'alertmanager', 'ssh'] as const
export type UrlField = (typeof URL_FIELDS)[number]

/**
 * Query parameters that carry secrets in the URLs people paste: libpq's `password` and
 * `sslpassword`, tokens of HTTP endpoints. Their values are moved to the secret store like a
 * password in the user info, and masked wherever a URL is shown.
 */
export const SECRET_QUERY_PARAMS = new Set([
  'password',
  'sslpassword',
  'passwd',
  'pass',
  'token',
  'access_token',
  'api_key',
  'apikey',
  'secret'
])

export function isSecretQueryParam(name: string): boolean {
  return SECRET_QUERY_PARAMS.has(name.toLowerCase())
}

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

/** Takes secret query parameters out of a URL: the URL without them, and each value by parameter name. */
export function splitQuerySecrets(url: string): { url: string; secrets: Map<string, string> } {
  const u = new URL(url)
  const secrets = new Map<string, string>()
  for (const [k, v] of [...u.searchParams]) {
    if (!isSecretQueryParam(k)) continue
    secrets.set(k, v)
    u.searchParams.delete(k)
  }
  return secrets.size ? { url: u.toString(), secrets } : { url, secrets }
}

/**
 * Who a secret is for: user, hosts and ports of a URL (libpq's `host`, `port` and `user`
 * parameters, a Sentinel URL's other sentinels included). A secret stored for one scope is never
 * sent to another: when an edit changes it, the secret is dropped.
 */
export function credentialScope(url: string | undefined): string {
  if (!url) return ''
  try {
    const u = new URL(url)
    const q = (k: string) => u.searchParams.getAll(k).join(',')
    return [
      u.protocol,
      decodeURIComponent(u.username),
      u.hostname.toLowerCase(),
      u.port,
      q('host'),
      q('hostaddr'),
      q('port'),
      q('user'),
      q('sentinel')
    ].join('|')
  } catch {
    return url
  }
}

/** A profile with every password and token taken out, and the secrets by slot. */
export function separateSecrets(input: Profile): { profile: Profile; secrets: Map<SecretSlot, string> } {
  const secrets = new Map<SecretSlot, string>()
  const profile: Profile = { ...input }
  for (const field of URL_FIELDS) {
    const url = profile[field]
    if (!url) continue
    const split = splitPassword(url)
    const query = splitQuerySecrets(split.url)
    profile[field] = query.url
    let password = split.password
    // libpq and redis clients read `?password=` as the password itself: one secret, one slot.
    const inQuery = query.secrets.get('password')
    if ((field === 'postgres' || field === 'redis') && inQuery !== undefined) {
      if (password !== null && password !== inQuery) throw new Error(`${field}: the URL gives two different passwords`)
      password = inQuery
      query.secrets.delete('password')
    }
    if (password !== null) secrets.set(field, password)
    for (const [k, v] of query.secrets) secrets.set(`${field}?${k}`, v)
  }
  profile.metrics = input.metrics.map((entry) => {
    const m: MetricsEndpoint = entry
    const split = splitPassword(m.url)
    const query = splitQuerySecrets(split.url)
    const { bearerToken, ...rest } = m
    if (split.password !== null && bearerToken) throw new Error(`${query.url}: give a password or a bearer token, not both`)
    const out: MetricsEndpoint = { ...rest, url: query.url }
    if (split.password !== null) {
      secrets.set(metricsSlot(query.url), split.password)
      out.auth = 'basic'
    } else if (bearerToken) {
      secrets.set(metricsSlot(query.url), bearerToken)
      out.auth = 'bearer'
    }
    for (const [k, v] of query.secrets) secrets.set(`${metricsSlot(query.url)}?${k}`, v)
    return out
  })
  return { profile, secrets }
}

/** The slots of one field: its password, and each secret query parameter it may have carried. */
export function fieldSlots(field: UrlField | `metrics:${string}`): SecretSlot[] {
  return [field, ...[...SECRET_QUERY_PARAMS].map((k): SecretSlot => `${field}?${k}`)]
}

/** Every slot a stored profile may hold secrets in (the store cannot list keys: these are asked for by name). */
export function slotsOf(profile: Pick<Profile, 'metrics'>): SecretSlot[] {
  return [
    ...URL_FIELDS.flatMap((f) => fieldSlots(f)),
    ...profile.metrics.flatMap((m) => fieldSlots(metricsSlot(m.url) as `metrics:${string}`))
  ]
}

/** A URL with its query secrets put back: only ever handed to a client that connects, never shown. */
export function withQuerySecrets(url: string, secrets: Map<string, string>): string {
  if (secrets.size === 0) return url
  const u = new URL(url)
  for (const [k, v] of secrets) u.searchParams.set(k, v)
  return u.toString()
}

/** A URL with a password put back in its user info. */
export function withPassword(url: string, password: string | null): string {
  if (password === null) return url
  const u = new URL(url)
  u.password = encodeURIComponent(password)
  return u.toString()
}
