/*
 * The files and variables libpq users already have, read as libpq reads them: the connection
 * service file (pg_service.conf), the password file (.pgpass) and the PG* environment variables.
 * Pure: the callers read the files.
 */

export class LibpqFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string
  ) {
    super(`${file}, line ${line}: ${message}`)
    this.name = 'LibpqFileError'
  }
}

/** A service of pg_service.conf: its keywords as written (libpq's connection parameters). */
export interface PgService {
  name: string
  line: number
  params: Record<string, string>
}

/** The connection parameters Lookout maps to a profile; libpq knows more, which are reported as not used. */
export const USED_SERVICE_KEYWORDS = [
  'host',
  'hostaddr',
  'port',
  'dbname',
  'user',
  'password',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey'
]

/**
 * pg_service.conf: `[name]` sections of `keyword=value` lines, `#` comments, blank lines ignored,
 * whitespace around keywords and values trimmed. A line that is neither is an error with its
 * number, as libpq reports it; so is a keyword before the first section.
 */
export function parseServiceFile(text: string, file: string): PgService[] {
  const services: PgService[] = []
  let current: PgService | null = null
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '').trim()
    if (line === '' || line.startsWith('#')) continue
    if (line.startsWith('[')) {
      if (!line.endsWith(']') || line.length < 3)
        throw new LibpqFileError(file, i + 1, `a section header is [name], not ${JSON.stringify(line)}`)
      current = { name: line.slice(1, -1).trim(), line: i + 1, params: {} }
      services.push(current)
      continue
    }
    const eq = line.indexOf('=')
    if (eq <= 0) throw new LibpqFileError(file, i + 1, `expected keyword=value, found ${JSON.stringify(line.slice(0, 80))}`)
    if (!current) throw new LibpqFileError(file, i + 1, 'a keyword before the first [service] section')
    current.params[line.slice(0, eq).trim()] = line.slice(eq + 1).trim()
  }
  return services
}

/** One line of .pgpass: four patterns (a literal, or `*` for any) and the password. */
export interface PgpassEntry {
  line: number
  host: string
  port: string
  database: string
  user: string
  password: string
}

/** Splits a .pgpass line on unescaped colons; `\:` and `\\` stand for `:` and `\`. */
function pgpassFields(line: string): string[] {
  const fields: string[] = []
  let field = ''
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!
    if (c === '\\' && i + 1 < line.length) field += line[++i]
    else if (c === ':' && fields.length < 4) {
      fields.push(field)
      field = ''
    } else field += c
  }
  fields.push(field)
  return fields
}

/**
 * .pgpass: `hostname:port:database:username:password` per line, `#` comments. A line with fewer
 * than five fields is skipped, as libpq skips it, and reported with its number.
 */
export function parsePgpass(text: string): { entries: PgpassEntry[]; skipped: number[] } {
  const entries: PgpassEntry[] = []
  const skipped: number[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '')
    if (line.trim() === '' || line.startsWith('#')) continue
    const f = pgpassFields(line)
    if (f.length < 5) {
      skipped.push(i + 1)
      continue
    }
    entries.push({ line: i + 1, host: f[0]!, port: f[1]!, database: f[2]!, user: f[3]!, password: f[4]! })
  }
  return { entries, skipped }
}

/** A field's pattern: `*` alone matches anything; anything else only itself. */
const fieldMatches = (pattern: string, value: string) => pattern === '*' || pattern === value

/**
 * The password libpq would use for this connection: the first line whose four patterns match.
 * A Unix-socket connection matches `localhost`, as in libpq; the port defaults to 5432 and the
 * database to the user's name.
 */
export function matchPgpass(
  entries: PgpassEntry[],
  conn: { host: string; port?: string; database?: string; user: string }
): PgpassEntry | null {
  const host = conn.host === '' || conn.host.startsWith('/') ? 'localhost' : conn.host
  const port = conn.port || '5432'
  const database = conn.database || conn.user
  return (
    entries.find(
      (e) =>
        fieldMatches(e.host, host) && fieldMatches(e.port, port) && fieldMatches(e.database, database) && fieldMatches(e.user, conn.user)
    ) ?? null
  )
}

/** libpq ignores a password file that its group or others may read; so does Lookout, and says why. */
export function pgpassTooOpen(mode: number): boolean {
  return (mode & 0o077) !== 0
}

/** The PG* variables that name a connection, as libpq reads them. */
export const PG_VARIABLES: Record<string, string> = {
  PGHOST: 'host',
  PGHOSTADDR: 'hostaddr',
  PGPORT: 'port',
  PGDATABASE: 'dbname',
  PGUSER: 'user',
  PGPASSWORD: 'password',
  PGSSLMODE: 'sslmode',
  PGSSLROOTCERT: 'sslrootcert',
  PGSSLCERT: 'sslcert',
  PGSSLKEY: 'sslkey'
}

/** The connection the PG* variables describe, as service-file keywords; empty when none is set. */
export function connectionFromEnv(env: Record<string, string | undefined>): Record<string, string> {
  const params: Record<string, string> = {}
  for (const [variable, keyword] of Object.entries(PG_VARIABLES)) {
    const v = env[variable]
    if (v !== undefined && v !== '') params[keyword] = v
  }
  return params
}

/**
 * A libpq connection as a Postgres URL Lookout stores: user, host, port and database in the URL,
 * TLS settings as its query (node-postgres reads `sslmode`, `sslrootcert`, `sslcert` and
 * `sslkey` there). The password is put in the user info, where saving a profile takes it out to
 * the secret store. A Unix socket is refused: Lookout connects over TCP.
 */
export function connectionUrl(params: Record<string, string>, fallbackUser: string, password: string | null): string {
  const host = params.hostaddr || params.host || 'localhost'
  if (host.startsWith('/')) throw new Error(`host ${host} is a Unix socket directory: Lookout connects over TCP; give a host name`)
  if (host.includes(',')) throw new Error(`host lists several servers (${host}): Lookout watches one; make a service per server`)
  const u = new URL('postgresql://localhost/')
  u.hostname = host.includes(':') ? `[${host}]` : host
  if (params.port) u.port = params.port
  const user = params.user || fallbackUser
  u.username = encodeURIComponent(user)
  if (password) u.password = encodeURIComponent(password)
  u.pathname = `/${encodeURIComponent(params.dbname || user)}`
  for (const k of ['sslmode', 'sslrootcert', 'sslcert', 'sslkey']) if (params[k]) u.searchParams.set(k, params[k]!)
  return u.toString()
}

/** An environment guessed from a name, or null when the name does not say. */
export function environmentFromName(name: string): 'dev' | 'staging' | 'prod' | null {
  const n = name.toLowerCase()
  if (/(^|[^a-z])(prod|production|prd|live)([^a-z]|$)/.test(n)) return 'prod'
  if (/(^|[^a-z])(staging|stage|stg|preprod|uat|qa)([^a-z]|$)/.test(n)) return 'staging'
  if (/(^|[^a-z])(dev|development|local|test|sandbox)([^a-z]|$)/.test(n)) return 'dev'
  return null
}

/** A profile name from a service name: the characters a profile name allows, at most 64. */
export function profileNameFrom(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return cleaned.slice(0, 64) || 'imported'
}
