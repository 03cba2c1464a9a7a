import { createHash, createHmac } from 'node:crypto'

/** A host key's fingerprint as OpenSSH prints it: SHA256 of the key blob, base64 without padding. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`
}

/** How known_hosts names a host: the bare name on port 22, `[name]:port` on any other. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`
}

export type HostKeyVerdict =
  | { status: 'match'; line: number }
  /** A line names the host with another key: a changed key, or a machine in the middle. */
  | { status: 'changed'; line: number }
  | { status: 'revoked'; line: number }
  | { status: 'unknown' }

/** Does one comma-separated host pattern list of a known_hosts line name `name`? Hashed entries included. */
function namesHost(patterns: string, name: string): boolean {
  if (patterns.startsWith('|1|')) {
    const [, , salt, hash] = patterns.split('|')
    if (!salt || !hash) return false
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash
  }
  let matched = false
  for (const raw of patterns.split(',')) {
    const negated = raw.startsWith('!')
    const pattern = negated ? raw.slice(1) : raw
    if (!globMatch(pattern.toLowerCase(), name.toLowerCase())) continue
    if (negated) return false
    matched = true
  }
  return matched
}

/** OpenSSH's host patterns: `*` any run, `?` one character. */
function globMatch(pattern: string, text: string): boolean {
  // Everything but * and ? is literal, the brackets of `[host]:port` included.
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`
  )
  return re.test(text)
}

/**
 * Checks a server's host key against a known_hosts text as OpenSSH does: plain, wildcard and
 * hashed host names, `[host]:port` for other ports, `@revoked` keys refused. A line that names
 * the host with another key of the same type means the key changed. `@cert-authority` lines are
 * not trusted here (Lookout does not check host certificates): such a host is unknown.
 */
export function checkKnownHosts(text: string, host: string, port: number, keyType: string, keyBlob: Buffer): HostKeyVerdict {
  const name = knownHostsName(host, port)
  const key = keyBlob.toString('base64')
  let changed: number | null = null
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (!line || line.startsWith('#')) continue
    const fields = line.split(/\s+/)
    let marker: string | null = null
    if (fields[0]!.startsWith('@')) marker = fields.shift()!
    const [patterns, type, blob] = fields
    if (!patterns || !type || !blob || !namesHost(patterns, name)) continue
    if (marker === '@revoked') {
      if (blob === key) return { status: 'revoked', line: i + 1 }
      continue
    }
    if (marker) continue
    if (blob === key) return { status: 'match', line: i + 1 }
    if (type === keyType && changed === null) changed = i + 1
  }
  return changed !== null ? { status: 'changed', line: changed } : { status: 'unknown' }
}
