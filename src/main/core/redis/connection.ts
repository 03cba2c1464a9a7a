import { Redis, type RedisOptions } from 'ioredis'
import { readFileSync } from 'node:fs'
import { isIP } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { errorMessage } from '../collector'

export const LOOKOUT_CLIENT_NAME = 'lookout'

export interface RedisTarget {
  host: string
  port: number
  user: string | null
  db: number
  tls: boolean
}

export function describeRedisUrl(url: string): RedisTarget {
  const u = new URL(url)
  const db = Number(u.pathname.replace(/^\//, '') || 0)
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    user: decodeURIComponent(u.username) || null,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:'
  }
}

export function redisEndpoint(t: RedisTarget): string {
  return `${t.tls ? 'rediss' : 'redis'}://${t.host}:${t.port}/${t.db}`
}

/**
 * TLS for rediss://: certificates always verified, host name included; the profile's CA when it
 * has one. SNI carries a name only, never an IP address (RFC 6066).
 */
export function tlsOptions(t: RedisTarget, caFile?: string | null): ConnectionOptions {
  return { rejectUnauthorized: true, ...(isIP(t.host) ? {} : { servername: t.host }), ...(caFile ? { ca: readFileSync(caFile) } : {}) }
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
  let out = `Redis ${t.host}:${t.port}${t.user ? ` as user "${t.user}"` : ''}: ${msg}`
  if (password) out = out.split(password).join('***')
  return out
}

/**
 * A monitoring connection: named, no offline queue and no automatic retries, so a dead server
 * fails the poll at once instead of queueing commands; the scheduler owns retry and backoff.
 */
export function createMonitorRedis(url: string, password: string | null, timeoutMs: number, caFile?: string | null): Redis {
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
  if (t.tls) opts.tls = tlsOptions(t, caFile)
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
