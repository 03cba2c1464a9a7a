import { Redis, type RedisOptions } from 'ioredis'
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

export function describeRedisError(err: unknown, t: RedisTarget, password?: string | null): string {
  const e = err as { code?: string }
  let msg = errorMessage(err)
  if (e?.code === 'ECONNREFUSED') msg = `connection refused (is Redis running and listening on ${t.host}:${t.port}?)`
  else if (e?.code === 'ENOTFOUND') msg = `host ${t.host} not found`
  let out = `Redis ${t.host}:${t.port}${t.user ? ` as user "${t.user}"` : ''}: ${msg}`
  if (password) out = out.split(password).join('***')
  return out
}

/**
 * A monitoring connection: named, no offline queue and no automatic retries, so a dead server
 * fails the poll at once instead of queueing commands; the scheduler owns retry and backoff.
 */
export function createMonitorRedis(url: string, password: string | null, timeoutMs: number): Redis {
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
  if (t.tls) opts.tls = { servername: t.host, rejectUnauthorized: true }
  const client = new Redis(opts)
  // ioredis emits 'error' on connection loss; without a listener Node would crash the process.
  client.on('error', () => {})
  return client
}
