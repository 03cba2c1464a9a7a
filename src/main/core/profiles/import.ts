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

/** What a source describes, as candidate profiles, with the files read and what could not be used. */
async function candidatesOf(from: ImportSource, environment: Environment | undefined, env: Env) {
  const problems: string[] = []
  const sources: string[] = []
  const pgpass = await readPgpass(env, problems)
  if (pgpass) sources.push(pgpass.path)
  const out: Candidate[] = []
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
  from: ImportSource,
  environment: Environment | undefined,
  env: Env
): Promise<ImportPlan & { inputs: Map<string, ProfileInput> }> {
  const { candidates, sources, problems } = await candidatesOf(from, environment, env)
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
    const item = (action: ImportPlan['items'][number]['action'], reason: string | null, changes: string[] = []) =>
      items.push({ ...base, postgres: endpoint, action, reason, changes })
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
    const merged = { ...current, postgres: c.input.postgres }
    const changed = changedFields(current, prepareProfile(merged).profile)
    const guarded = changed.filter((f) => GUARDED_FIELDS.includes(f))
    if (guarded.length) {
      item(
        'skip',
        `would change ${guarded.join(', ')} of the existing profile "${c.name}": a guarded change, made as an edit with its confirmation`,
        guarded
      )
      continue
    }
    if (!c.passwordFrom || (await samePassword(store, current, merged))) {
      item('unchanged', null)
      continue
    }
    inputs.set(c.name, merged)
    item('update', null, ['password'])
  }
  return { sources, problems, items, inputs }
}

async function samePassword(store: ProfileStore, current: Profile, merged: ProfileInput): Promise<boolean> {
  const incoming = prepareProfile(merged).secrets.get('postgres') ?? null
  return (await store.secretsOf(current)).postgres === incoming
}
