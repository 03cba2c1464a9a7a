import pg from 'pg'
import { parseIntoClientConfig } from 'pg-connection-string'
import { takeTlsName, tlsIdentity } from '../tls-name'
import { errorMessage } from '../collector'

/** The application_name that marks Lookout's own sessions, so its checks can leave them out. */
export const LOOKOUT_APPLICATION_NAME = 'lookout'

/** Monitoring sessions never wait long: a lock or a slow catalog must not hang a poll. */
export const MONITOR_STATEMENT_TIMEOUT_MS = 5000
export const MONITOR_LOCK_TIMEOUT_MS = 1000
/** The medium and slow tiers run on their own session with more time per statement. */
export const BACKGROUND_STATEMENT_TIMEOUT_MS = 15_000

export interface PgTarget {
  host: string
  port: number
  user: string
  database: string
}

/** Host, port, user and database of a DSN, as libpq would default them; never the password. */
export function describeDsn(dsn: string): PgTarget {
  const u = new URL(dsn)
  const params = u.searchParams
  const host = params.get('host') ?? (decodeURIComponent(u.hostname) || process.env.PGHOST || 'localhost')
  const port = Number(params.get('port') ?? (u.port || process.env.PGPORT || 5432))
  const user = decodeURIComponent(u.username) || params.get('user') || process.env.PGUSER || 'postgres'
  const database = decodeURIComponent(u.pathname.replace(/^\//, '')) || params.get('dbname') || user
  return { host, port, user, database }
}

export function pgEndpoint(t: PgTarget): string {
  return `${t.host}:${t.port}/${t.database}`
}

/** The DSN with the password put in, in memory only. */
export function withPassword(dsn: string, password: string | null): string {
  if (!password) return dsn
  const u = new URL(dsn)
  u.password = password
  return u.toString()
}

const PG_CODES: Record<string, string> = {
  '28P01': 'wrong password',
  '28000': 'no pg_hba.conf entry or role not allowed to log in',
  '3D000': 'database does not exist',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
  '57014': 'query cancelled (statement_timeout)',
  '55P03': 'lock not available (lock_timeout)'
}

/** Node's TLS verdicts on a server certificate, in words that say what to do. */
const TLS_CODES: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is not for this host name",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the server's certificate is not signed by a CA Lookout trusts: name yours with sslrootcert=FILE",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "the server's certificate is not signed by a CA Lookout trusts: name yours with sslrootcert=FILE",
  SELF_SIGNED_CERT_IN_CHAIN: "the server's certificate chain ends in a CA Lookout does not trust: name it with sslrootcert=FILE",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the server's certificate is self-signed: name it with sslrootcert=FILE",
  CERT_HAS_EXPIRED: "the server's certificate has expired"
}

/**
 * A message an SRE can act on: which server, as which user, what went wrong. The password is
 * never part of it, even when a driver error echoes the connection string.
 */
export function describePgError(err: unknown, target: PgTarget, password?: string | null): string {
  const e = err as { code?: string; message?: string }
  let msg = errorMessage(err)
  if (e?.code === 'ECONNREFUSED') msg = `connection refused (is PostgreSQL running and listening on ${target.host}:${target.port}?)`
  else if (e?.code === 'ENOTFOUND') msg = `host ${target.host} not found`
  else if (e?.code === 'ETIMEDOUT') msg = 'connection timed out'
  else if (e?.code && PG_CODES[e.code]) msg = `${msg} (${e.code}: ${PG_CODES[e.code]})`
  else if (e?.code && TLS_CODES[e.code]) msg = `TLS refused: ${TLS_CODES[e.code]} (${msg})`
  // node-postgres's words for "the server wants a password and none was given".
  else if (/client password must be a string/.test(msg))
    msg =
      'the server asks for a password and Lookout has none for this profile: give it in the profile (kept in the secret store) or in PGPASSWORD'
  let out = `Postgres ${target.host}:${target.port} as user "${target.user}", database "${target.database}": ${msg}`
  if (password) out = out.split(password).join('***')
  return out
}

export interface MonitorClientOptions {
  dsn: string
  password: string | null
  connectTimeoutMs: number
  /** Defaults to MONITOR_STATEMENT_TIMEOUT_MS; the background tiers allow catalog checks longer. */
  statementTimeoutMs?: number
}

/** A pg client configured as a monitoring session. */
export function createMonitorClient(opts: MonitorClientOptions): pg.Client {
  const { url, tlsName } = takeTlsName(opts.dsn)
  const connection = clientConfigOf(withPassword(url, opts.password), tlsName)
  const client = new pg.Client({
    ...connection,
    application_name: LOOKOUT_APPLICATION_NAME,
    statement_timeout: opts.statementTimeoutMs ?? MONITOR_STATEMENT_TIMEOUT_MS,
    lock_timeout: MONITOR_LOCK_TIMEOUT_MS,
    connectionTimeoutMillis: opts.connectTimeoutMs,
    keepAlive: true
  })
  // A server that goes away emits 'error' on an idle client; the next poll reconnects.
  client.on('error', () => {})
  return client
}

/**
 * The DSN as pg takes it. Through an SSH tunnel the client connects to 127.0.0.1, so for a TLS
 * mode that checks the host name, the certificate is checked against the server's real name: pg
 * reads libpq's parameters from the DSN (sslmode, sslrootcert...), and the name is added to the
 * TLS options that come of them.
 */
function clientConfigOf(dsn: string, tlsName: string | null): pg.ClientConfig {
  if (!tlsName) return { connectionString: dsn }
  const config = parseIntoClientConfig(dsn) as pg.ClientConfig
  const ssl = config.ssl
  if (ssl && typeof ssl === 'object') {
    // verify-ca checks the chain and not the name: keep its own (empty) identity check, add SNI only.
    const identity = tlsIdentity(tlsName)
    config.ssl = ssl.checkServerIdentity
      ? { ...ssl, ...(identity.servername ? { servername: identity.servername } : {}) }
      : { ...ssl, ...identity }
  }
  return config
}

/** Drops a client at once, without waiting for a server that may be hung. */
export function destroyClient(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream
  try {
    stream?.destroy()
  } catch {
    // already gone
  }
  client.end().catch(() => {})
}
