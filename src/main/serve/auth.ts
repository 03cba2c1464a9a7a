import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { hostname, networkInterfaces } from 'node:os'

/**
 * The session cookie's name carries the port: cookies are not scoped by port, so another web
 * server on 127.0.0.1 would otherwise receive Lookout's token with every request the browser
 * sends it.
 */
export function tokenCookie(port: number): string {
  return `lookout_token_${port}`
}

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

export function tokensEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

function cookieToken(req: IncomingMessage, port: number): string | null {
  const header = req.headers.cookie
  if (!header) return null
  const name = tokenCookie(port)
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=')
    if (k === name) return v.join('=')
  }
  return null
}

/** The token a request presents: `?token=`, `Authorization: Bearer`, or the session cookie of this port. */
export function presentedToken(req: IncomingMessage, url: URL, port: number): string | null {
  const q = url.searchParams.get('token')
  if (q) return q
  const auth = req.headers.authorization
  if (auth?.startsWith('Bearer ')) return auth.slice(7)
  return cookieToken(req, port)
}

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host)
}

const isWildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]'

/**
 * The names a Host header may give for this server (defeats DNS rebinding): loopback names; the
 * address it was bound to; for a wildcard bind, the machine's own host name and interface
 * addresses; and any name the user allowed (`--allow-host`, e.g. the jump host's DNS name).
 */
export function allowedHostNames(boundHost: string, extra: string[] = []): Set<string> {
  const names = new Set<string>(['localhost', '127.0.0.1', '[::1]'])
  const add = (h: string) => names.add((h.includes(':') && !h.startsWith('[') ? `[${h}]` : h).toLowerCase())
  add(boundHost)
  for (const h of extra) add(h)
  if (isWildcard(boundHost)) {
    const own = hostname().toLowerCase()
    add(own)
    add(own.split('.')[0]!)
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address.replace(/%.*$/, ''))
  }
  return names
}

/** The Host header must name this server on its port: one of `allowed` (see allowedHostNames). */
export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>, port: number): boolean {
  if (!hostHeader) return false
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader)
  if (!m) return false
  const host = m[1]!.toLowerCase()
  const p = Number(m[2] ?? 80)
  if (p !== port) return false
  return allowed.has(host) || isLoopbackHost(host)
}

/** A WebSocket must come from a page this server served: its Origin is our own http(s)://Host. A missing Origin is refused. */
export function originAllowed(origin: string | undefined, hostHeader: string | undefined): boolean {
  if (!origin || !hostHeader) return false
  return origin === `http://${hostHeader}` || origin === `https://${hostHeader}`
}
