import { readFile, stat } from 'node:fs/promises'
import { homedir, userInfo } from 'node:os'
import { join } from 'node:path'
import { ApiError } from '../../../shared/api'
import type { Environment, ImportPlan, ImportSource, Profile, ProfileInput } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import { describeDsn, pgEndpoint } from '../postgres/connection'
import {
  connectionFromEnv,
  connectionUrl,
  environmentFromName,
  LibpqFileError,
  matchPgpass,
  parsePgpass,
  parseServiceFile,
  pgpassTooOpen,
  profileNameFrom,
  USED_SERVICE_KEYWORDS,
  type PgpassEntry
} from './libpq-files'
import { parseProfilesFile } from './profiles-file'
import { changedFields, GUARDED_FIELDS, prepareProfile, type ProfileStore } from './store'

/** A profile an import would make, with its password (in its URL) and where each part came from. */
interface Candidate {
  name: string
  from: string
  environment: Environment
  environmentGuessed: boolean
  input: ProfileInput | null
  passwordFrom: string | null
  problem: string | null
  notes: string[]
}

type Env = Record<string, string | undefined>

const home = (env: Env) => env.HOME || homedir()
/** libpq's places: PGSERVICEFILE, else ~/.pg_service.conf; PGPASSFILE, else ~/.pgpass. */
export const serviceFilePath = (env: Env) => env.PGSERVICEFILE || join(home(env), '.pg_service.conf')
export const pgpassPath = (env: Env) => env.PGPASSFILE || join(home(env), '.pgpass')

async function readIfThere(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new ApiError('unavailable', `cannot read ${path}: ${errorMessage(err)}`)
  }
}

/** The password file's entries, or none with the reason libpq would have for ignoring it. */
async function readPgpass(env: Env, problems: string[]): Promise<{ path: string; entries: PgpassEntry[] } | null> {
  const path = pgpassPath(env)
  const text = await readIfThere(path)
  if (text === null) return null
  if (pgpassTooOpen((await stat(path)).mode)) {
    problems.push(`${path} is readable by its group or others: libpq ignores it, and so does Lookout (chmod 0600 ${path})`)
    return null
  }
  const { entries, skipped } = parsePgpass(text)
  for (const line of skipped) problems.push(`${path}, line ${line}: not host:port:database:user:password, skipped as libpq skips it`)
  return { path, entries }
}

/** One libpq connection (a service, the PG* variables, a .pgpass line) as a candidate profile. */
function candidate(
  name: string,
  from: string,
  params: Record<string, string>,
  pgpass: { path: string; entries: PgpassEntry[] } | null,
  environment: Environment | undefined,
  env: Env
): Candidate {
  const guessed = environmentFromName(name)
  const c: Candidate = {
    name: profileNameFrom(name),
    from,
    environment: environment ?? guessed ?? 'prod',
    environmentGuessed: environment === undefined,
    input: null,
    passwordFrom: null,
    problem: null,
    notes: []
  }
  if (!environment && !guessed) c.notes.push('the name does not say which environment: prod assumed, the strictest')
  const ignored = Object.keys(params).filter((k) => !USED_SERVICE_KEYWORDS.includes(k))
  if (ignored.length) c.notes.push(`not used by Lookout: ${ignored.join(', ')}`)
  const user = params.user || env.PGUSER || env.USER || userInfo().username
  let password = params.password ?? null
  if (password) c.passwordFrom = from
  else if (pgpass) {
    const hit = matchPgpass(pgpass.entries, { host: params.host || 'localhost', port: params.port, database: params.dbname, user })
    if (hit) {
      password = hit.password
      c.passwordFrom = `${pgpass.path}, line ${hit.line}`
    }
  }
  try {
    c.input = { name: c.name, environment: c.environment, postgres: connectionUrl(params, user, password) }
  } catch (err) {
    c.problem = errorMessage(err)
  }
  return c
}

/** What an import reads: libpq's places, an exported file's text, or URLs. */
export interface ImportRequest {
  from: ImportSource
  environment?: Environment
  text?: string
  urls?: string[]
}

/** What a source describes, as candidate profiles, with the files read and what could not be used. */
async function candidatesOf(req: ImportRequest, env: Env) {
  const { from, environment } = req
  const problems: string[] = []
  const sources: string[] = []
  const out: Candidate[] = []
  if (from === 'file')
    return { candidates: exportedFileCandidates(req.text, environment, problems), sources: ['exported profiles'], problems }
  if (from === 'url') return { candidates: urlCandidates(req.urls ?? [], environment, problems), sources: ['URLs'], problems }
  const pgpass = await readPgpass(env, problems)
  if (pgpass) sources.push(pgpass.path)
  if (from === 'pg-service') {
    const path = serviceFilePath(env)
    const text = await readIfThere(path)
    if (text === null) throw new ApiError('not_found', `no service file at ${path} (set PGSERVICEFILE to read another)`)
    sources.unshift(path)
    let services
    try {
      services = parseServiceFile(text, path)
    } catch (err) {
      if (err instanceof LibpqFileError) throw new ApiError('bad_request', err.message)
      throw err
    }
    for (const s of services) out.push(candidate(s.name, `${path} [${s.name}]`, s.params, pgpass, environment, env))
  } else if (from === 'env') {
    const params = connectionFromEnv(env)
    if (Object.keys(params).length === 0) throw new ApiError('not_found', 'no PG* variable is set (PGHOST, PGPORT, PGDATABASE, PGUSER...)')
    sources.unshift('PG* environment variables')
    const name = env.PGSERVICE || `env-${params.host || 'localhost'}`
    out.push(candidate(name, 'PG* environment variables', params, pgpass, environment, env))
  } else {
    if (!pgpass)
      throw new ApiError('not_found', `no usable password file at ${pgpassPath(env)}${problems.length ? `: ${problems.join('; ')}` : ''}`)
    for (const e of pgpass.entries) {
      const from = `${pgpass.path}, line ${e.line}`
      if ([e.host, e.port, e.database, e.user].includes('*')) {
        problems.push(`${from}: a pattern (*), not one server: it gives passwords to the profiles it matches`)
        continue
      }
      const params = { host: e.host, port: e.port, dbname: e.database, user: e.user }
      out.push(candidate(`${e.host}-${e.database}`, from, params, pgpass, environment, env))
    }
  }
  return { candidates: out, sources, problems }
}

/**
 * What importing from a source would do, profile by profile, before anything is done: create,
 * update (a new password for the same server), unchanged, or skip with the reason. Re-importing
 * never duplicates: a profile is matched by name. A change a profile's environment guards (its
 * server, its environment) is never made by an import: it is skipped, to be made as an edit.
 */
export async function planImport(
  store: ProfileStore,
  req: ImportRequest,
  env: Env
): Promise<ImportPlan & { inputs: Map<string, ProfileInput> }> {
  const { candidates, sources, problems } = await candidatesOf(req, env)
  const existing = new Map((await store.list()).map((p) => [p.name, p]))
  const inputs = new Map<string, ProfileInput>()
  const seen = new Set<string>()
  const items: ImportPlan['items'] = []
  for (const c of candidates) {
    const base = {
      name: c.name,
      from: c.from,
      environment: c.environment,
      environmentGuessed: c.environmentGuessed,
      passwordFrom: c.passwordFrom,
      notes: c.notes
    }
    const endpoint = c.input?.postgres ? pgEndpoint(describeDsn(c.input.postgres)) : null
    const endpoints = c.input ? otherEndpoints(c.input) : []
    const item = (action: ImportPlan['items'][number]['action'], reason: string | null, changes: string[] = []) =>
      items.push({ ...base, postgres: endpoint, endpoints, action, reason, changes })
    if (seen.has(c.name)) {
      item('skip', `another entry of this import is also named "${c.name}"`)
      continue
    }
    seen.add(c.name)
    if (c.problem || !c.input) {
      item('skip', c.problem)
      continue
    }
    const current = existing.get(c.name)
    if (!current) {
      inputs.set(c.name, c.input)
      item('create', null)
      continue
    }
    // What the source says wins over what the profile holds; what it does not say is kept.
    // Only an exported file speaks for the environment; libpq's files and URLs only guess it.
    const { name: _name, environment: givenEnvironment, ...fields } = c.input
    const merged: ProfileInput = { ...current, ...fields, ...(req.from === 'file' ? { environment: givenEnvironment } : {}) }
    let prepared
    try {
      prepared = prepareProfile(merged).profile
    } catch (err) {
      item('skip', errorMessage(err))
      continue
    }
    const changed = changedFields(current, prepared)
    const guarded = changed.filter((f) => GUARDED_FIELDS.includes(f))
    if (guarded.length) {
      item(
        'skip',
        `would change ${guarded.join(', ')} of the existing profile "${c.name}": a guarded change, made as an edit with its confirmation`,
        guarded
      )
      continue
    }
    const newPassword = c.passwordFrom !== null && !(await samePasswords(store, current, merged))
    if (!newPassword && changed.length === 0) {
      item('unchanged', null)
      continue
    }
    inputs.set(c.name, merged)
    item('update', null, [...changed, ...(newPassword ? ['password'] : [])])
  }
  return { sources, problems, items, inputs }
}

/** Whether every password the source gives is the one already stored. */
async function samePasswords(store: ProfileStore, current: Profile, merged: ProfileInput): Promise<boolean> {
  const incoming = prepareProfile(merged).secrets
  const held = await store.secretsOf(current)
  for (const field of ['postgres', 'redis'] as const) {
    const given = incoming.get(field)
    if (given !== undefined && given !== held[field]) return false
  }
  return true
}

/** The endpoints other than Postgres a profile names, as host:port, never with a password. */
function otherEndpoints(p: ProfileInput): string[] {
  const out: string[] = []
  for (const url of [p.redis, p.prometheus, p.alertmanager]) {
    if (!url) continue
    try {
      const u = new URL(url)
      out.push(`${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`)
    } catch {
      // validated later; shown as nothing here
    }
  }
  for (const m of p.metrics ?? []) out.push(typeof m === 'string' ? m : m.url)
  return out
}

/**
 * Profiles from a file `lookout profiles export` (or the app) wrote: no secret in it, so each
 * password is asked for when the profile first connects. Its environments are kept as written.
 */
function exportedFileCandidates(text: string | undefined, environment: Environment | undefined, problems: string[]): Candidate[] {
  if (!text) throw new ApiError('bad_request', 'give the exported file’s content')
  let profiles: Profile[]
  try {
    profiles = parseProfilesFile(text).profiles
  } catch (err) {
    throw new ApiError('bad_request', `not a file of exported profiles: ${errorMessage(err)}`)
  }
  if (profiles.length === 0) problems.push('the file holds no profile')
  return profiles.map((p) => ({
    name: p.name,
    from: 'exported file',
    environment: environment ?? p.environment,
    environmentGuessed: false,
    input: { ...p, environment: environment ?? p.environment },
    passwordFrom: null,
    problem: null,
    notes: ['no password in an exported file: each is asked for when the profile first connects']
  }))
}

/** One profile per URL: a Postgres DSN, a Redis URL (Sentinel included) or a Prometheus server. */
function urlCandidates(urls: string[], environment: Environment | undefined, problems: string[]): Candidate[] {
  if (urls.length === 0) throw new ApiError('bad_request', 'give at least one URL')
  const out: Candidate[] = []
  for (const raw of urls) {
    const text = raw.trim()
    if (!text) continue
    let u: URL
    try {
      u = new URL(text)
    } catch {
      problems.push(`${redact(text)}: not a URL`)
      continue
    }
    const kind =
      u.protocol === 'postgres:' || u.protocol === 'postgresql:'
        ? 'postgres'
        : /^rediss?(\+sentinel)?:$/.test(u.protocol)
          ? 'redis'
          : u.protocol === 'http:' || u.protocol === 'https:'
            ? 'prometheus'
            : null
    if (!kind) {
      problems.push(`${redact(text)}: ${u.protocol} is not postgres://, redis://, rediss://, redis+sentinel:// or http(s)://`)
      continue
    }
    const db = kind === 'postgres' ? u.pathname.replace(/^\//, '') : ''
    const name = profileNameFrom([u.hostname, db].filter(Boolean).join('-'))
    const guessed = environmentFromName(`${u.hostname} ${db}`)
    const c: Candidate = {
      name,
      from: redact(text),
      environment: environment ?? guessed ?? 'prod',
      environmentGuessed: environment === undefined,
      input: { name, environment: environment ?? guessed ?? 'prod', [kind]: text },
      passwordFrom: u.password ? 'the URL' : null,
      problem: null,
      notes: !environment && !guessed ? ['the host does not say which environment: prod assumed, the strictest'] : []
    }
    try {
      prepareProfile(c.input!)
    } catch (err) {
      c.problem = errorMessage(err)
      c.input = null
    }
    out.push(c)
  }
  return out
}

/** A URL as a plan may show it: without its password. */
function redact(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@')
  }
}
