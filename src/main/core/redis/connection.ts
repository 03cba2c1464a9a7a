import { Redis, type RedisOptions } from 'ioredis'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { errorMessage } from '../collector'
import { TLS_NAME_PARAM, tlsIdentity } from '../tls-name'

export const LOOKOUT_CLIENT_NAME = 'lookout'

export interface RedisTarget {
  host: string
  port: number
  user: string | null
  db: number
  tls: boolean
  /** The server's real name for its certificate, when the URL is an SSH tunnel's local end. */
  tlsName?: string | null
  /** Set for redis+sentinel:// URLs: the primary's name and the Sentinels to ask for it. */
  sentinel: { name: string; nodes: { host: string; port: number }[] } | null
}

/** Sentinels listen on 26379 unless told otherwise. */
export const SENTINEL_DEFAULT_PORT = 26379

/**
 * A Redis URL's parts. redis+sentinel://host:26379/mymaster/0?sentinel=host2:26379 names the
 * Sentinels (the URL's host, plus any `sentinel` parameters) and the primary they watch.
 */
export function describeRedisUrl(url: string): RedisTarget {
  const u = new URL(url)
  const isSentinel = u.protocol.endsWith('+sentinel:')
  const parts = u.pathname.replace(/^\//, '').split('/')
  const db = Number((isSentinel ? parts[1] : parts[0]) || 0)
  const host = u.hostname || '127.0.0.1'
  const port = Number(u.port || (isSentinel ? SENTINEL_DEFAULT_PORT : 6379))
  let sentinel: RedisTarget['sentinel'] = null
  if (isSentinel) {
    const name = decodeURIComponent(parts[0] ?? '')
    if (!name) throw new Error('a redis+sentinel:// URL names the primary: redis+sentinel://host:26379/mymaster/0')
    const nodes = [{ host, port }]
    for (const extra of u.searchParams.getAll('sentinel')) {
      const m = /^(.+):(\d+)$/.exec(extra)
      nodes.push(m ? { host: m[1]!, port: Number(m[2]) } : { host: extra, port: SENTINEL_DEFAULT_PORT })
    }
    sentinel = { name, nodes }
  }
  const tlsName = u.searchParams.get(TLS_NAME_PARAM)
  return {
    host,
    port,
    user: decodeURIComponent(u.username) || null,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol.startsWith('rediss'),
    ...(tlsName ? { tlsName } : {}),
    sentinel
  }
}

export function redisEndpoint(t: RedisTarget): string {
  if (t.sentinel) return `${t.tls ? 'rediss' : 'redis'}+sentinel://${t.host}:${t.port}/${t.sentinel.name}/${t.db}`
  return `${t.tls ? 'rediss' : 'redis'}://${t.host}:${t.port}/${t.db}`
}

/**
 * TLS for rediss://: certificates always verified, host name included; the profile's CA when it
 * has one. SNI carries a name only, never an IP address (RFC 6066).
 */
/** The files a rediss:// connection is made with: the CA that signed the server, and Lookout's own certificate and key when the server asks for one. */
export interface RedisTlsFiles {
  ca: string | null
  cert: string | null
  key: string | null
}

export function redisTlsFiles(p: { redisCaFile?: string; redisCertFile?: string; redisKeyFile?: string }): RedisTlsFiles {
  return { ca: p.redisCaFile ?? null, cert: p.redisCertFile ?? null, key: p.redisKeyFile ?? null }
}

export function tlsOptions(t: RedisTarget, files?: RedisTlsFiles | null): ConnectionOptions {
  return {
    rejectUnauthorized: true,
    ...(t.tlsName ? tlsIdentity(t.tlsName) : isIP(t.host) ? {} : { servername: t.host }),
    ...(files?.ca ? { ca: readFileSync(files.ca) } : {}),
    ...(files?.cert ? { cert: readFileSync(files.cert) } : {}),
    ...(files?.key ? { key: readFileSync(files.key) } : {})
  }
}

export function describeRedisError(err: unknown, t: RedisTarget, password?: string | null): string {
  const e = err as { code?: string }
  let msg = errorMessage(err)
  if (e?.code === 'ECONNREFUSED') msg = `connection refused (is Redis running and listening on ${t.host}:${t.port}?)`
  else if (e?.code === 'ENOTFOUND') msg = `host ${t.host} not found`
  else if (
    e?.code &&
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'SELF_SIGNED_CERT_IN_CHAIN',
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
    ].includes(e.code)
  )
    msg += ' (the certificate is not signed by a CA Lookout trusts: give the profile its Redis CA file)'
  // TLS alert 116: the server wants a client certificate (tls-auth-clients) and got none it accepts.
  else if (/alert certificate required|alert number 116\b/.test(msg))
    msg = 'TLS refused: the server asks for a client certificate: give the profile its redisCertFile and redisKeyFile'
  // The alert can be lost when the server resets right after sending it: over TLS a reset at
  // connect is how a server that wants a client certificate refuses one too.
  else if (t.tls && e?.code === 'ECONNRESET')
    msg +=
      ' (the server closed the TLS connection: if it asks for client certificates, give the profile its redisCertFile and redisKeyFile)'
  else if (/alert (unknown ca|bad certificate)|alert number (48|42)\b/.test(msg))
    msg = 'TLS refused: the server does not accept the profile’s client certificate (not signed by a CA it trusts)'
  let out = `Redis ${t.host}:${t.port}${t.user ? ` as user "${t.user}"` : ''}: ${msg}`
  if (password) out = out.split(password).join('***')
  return out
}

/**
 * A monitoring connection: named, no offline queue and no automatic retries, so a dead server
 * fails the poll at once instead of queueing commands; the scheduler owns retry and backoff.
 */
export function createMonitorRedis(url: string, password: string | null, timeoutMs: number, tlsFiles?: RedisTlsFiles | null): Redis {
  const t = describeRedisUrl(url)
  const opts: RedisOptions = {
    host: t.host,
    port: t.port,
    db: t.db,
    lazyConnect: true,
    connectionName: LOOKOUT_CLIENT_NAME,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs
  }
  if (t.user) opts.username = t.user
  if (password) opts.password = password
  if (t.tls) opts.tls = tlsOptions(t, tlsFiles)
  if (t.sentinel) {
    // The Sentinels say where the primary is now; after a failover the next connection follows.
    delete opts.host
    delete opts.port
    opts.sentinels = t.sentinel.nodes
    opts.name = t.sentinel.name
    opts.role = 'master'
    opts.sentinelRetryStrategy = () => null
    if (t.tls) opts.enableTLSForSentinelMode = true
  }
  const client = new Redis(opts)
  // ioredis emits 'error' on connection loss (without a listener Node would crash the process),
  // and the real cause (a TLS or auth failure) only there: keep it for the message.
  client.on('error', (err: Error) => lastErrors.set(client, err))
  return client
}

const lastErrors = new WeakMap<Redis, Error>()

/**
 * The error to show for a failed command or connect: ioredis rejects with a generic
 * "Connection is closed." when the real cause was emitted as an 'error' event.
 */
export function redisFailure(client: Redis | null, err: unknown): unknown {
  const generic = err instanceof Error && /Connection is closed|Stream isn't writeable/.test(err.message)
  const cause = client ? lastErrors.get(client) : undefined
  return generic && cause ? cause : err
}

/**
 * Where a target's primary is right now: itself, or for a Sentinel URL what the first Sentinel
 * that answers says (SENTINEL get-master-addr-by-name). For side connections that do not speak
 * Sentinel, such as the latency probe.
 */
export async function resolvePrimary(t: RedisTarget, timeoutMs: number): Promise<RedisTarget> {
  if (!t.sentinel) return t
  const errors: string[] = []
  for (const s of t.sentinel.nodes) {
    const c = new Redis({
      host: s.host,
      port: s.port,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: timeoutMs
    })
    c.on('error', () => {})
    try {
      await c.connect()
      const addr = (await c.call('SENTINEL', 'get-master-addr-by-name', t.sentinel.name)) as [string, string] | null
      if (addr) return { ...t, host: addr[0], port: Number(addr[1]), sentinel: null }
      errors.push(`${s.host}:${s.port} does not know a primary named "${t.sentinel.name}"`)
    } catch (err) {
      errors.push(`${s.host}:${s.port}: ${errorMessage(err)}`)
    } finally {
      c.disconnect()
    }
  }
  throw new Error(`no Sentinel could name the primary "${t.sentinel.name}": ${errors.join('; ')}`)
}
