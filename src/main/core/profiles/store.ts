import { pgThresholds } from '../postgres/thresholds'
import { access, readFile, rename, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { ApiError, describeZodError, targetActions } from '../../../shared/api'
import { isProduction, Profile, ProfileInput, type ProfilesFileStatus, type ProfileSummary } from '../../../shared/schemas'
import { parseProfilesFile, ProfilesFileError, serializeProfiles } from './profiles-file'
import type { SecretStore } from '../ports'
import { writeFileAtomic } from '../fs'
import {
  credentialScope,
  fieldSlots,
  metricsSlot,
  secretKey,
  separateSecrets,
  slotsOf,
  URL_FIELDS,
  withPassword,
  withQuerySecrets,
  type SecretSlot,
  type UrlField
} from './secrets'

/** The fields whose change needs the confirmation of the profile's current environment. */
export const GUARDED_FIELDS: readonly string[] = [
  'environment',
  'production',
  'postgresDatabases',
  'readOnly',
  'allowFlush',
  'allowExplainAnalyze',
  'explainAnalyzeFunctions',
  ...URL_FIELDS,
  'metrics',
  'redisCaFile',
  'allowedActions',
  'redisCertFile',
  'redisKeyFile',
  // The way to the servers is an endpoint too: another bastion, key or host key is another path.
  'sshIdentityFile',
  'sshProxyJump',
  'sshHostKey',
  'sshKnownHostsFile',
  'sshTargets'
]

/** What the core connects with: passwords, and URLs with their query secrets back. Never leaves the core. */
export interface ProfileSecrets {
  postgres: string | null
  redis: string | null
  redisReplica: string | null
  /** Each URL field as a client must be given it (HTTP endpoints with their user-info password). */
  urls: Partial<Record<UrlField, string>>
  /** By stored /metrics URL: the URL to fetch (query secrets back) and its password or token. */
  metrics: Map<string, { url: string; secret: string | null }>
}

export interface SaveOutcome {
  profile: Profile
  previous: Profile | null
  /** Fields whose value changed (secrets aside): what the audit line names. */
  changed: string[]
  /** Secrets dropped because their endpoint's host, port or user changed. */
  droppedSecrets: string[]
}

export const PROFILES_FILE = 'profiles.json'

/**
 * Profiles on disk, without secrets. A malformed file is never overwritten: the store refuses
 * to save until the file is fixed, and every read says exactly what is wrong and where.
 */
export class ProfileStore {
  private readonly path: string
  private cache: Profile[] | null = null
  /** The file's mtime and size when the cache was read. */
  private cacheVersion: string | null = null
  /** What is wrong with the file on disk, from the last read. */
  private problem: ProfilesFileError | null = null
  /** The version the file on disk was migrated from, until it is saved in the current shape. */
  private migratedFrom: number | null = null
  /** Profiles that live in memory only (the CLI's `--redis URL` and `--postgres URL`): never written. */
  private readonly ephemeral = new Map<string, Profile>()

  constructor(
    private readonly dataDir: string,
    private readonly secrets: SecretStore
  ) {
    this.path = join(dataDir, PROFILES_FILE)
  }

  /** One change of the file at a time: each reads the list as the previous one left it (no lost update). */
  private changes: Promise<unknown> = Promise.resolve()

  private exclusive<T>(change: () => Promise<T>): Promise<T> {
    const next = this.changes.then(change)
    this.changes = next.catch(() => {})
    return next
  }

  private get backupPath(): string {
    return `${this.path}.bak`
  }

  async list(): Promise<Profile[]> {
    let text: string
    try {
      // A file edited by hand while Lookout runs is read again: the cache holds for one version.
      const st = await stat(this.path)
      const version = `${st.mtimeMs}:${st.size}`
      if (this.cache && this.cacheVersion === version) return this.cache
      text = await readFile(this.path, 'utf8')
      this.cacheVersion = version
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.cacheVersion = null
        return (this.cache = [])
      }
      throw new ApiError('unavailable', `cannot read ${this.path}: ${(err as Error).message}`)
    }
    try {
      const { profiles, migratedFrom } = parseProfilesFile(text)
      this.migratedFrom = migratedFrom
      this.problem = null
      return (this.cache = profiles)
    } catch (err) {
      if (!(err instanceof ProfilesFileError)) throw err
      this.problem = err
      throw new ApiError('unavailable', `${this.path}: ${err.message}; fix it or restore the backup, Lookout will not overwrite it`)
    }
  }

  /** Whether profiles.json reads, what is wrong with it if not, and the backup that could replace it. */
  async fileStatus(): Promise<ProfilesFileStatus> {
    this.cache = null
    await this.list().catch(() => {})
    const backup = await readFile(this.backupPath, 'utf8').then(
      async (text) => {
        try {
          const { profiles } = parseProfilesFile(text)
          return { path: this.backupPath, profiles: profiles.length, savedAt: (await stat(this.backupPath)).mtimeMs, problem: null }
        } catch (err) {
          return { path: this.backupPath, profiles: 0, savedAt: (await stat(this.backupPath)).mtimeMs, problem: (err as Error).message }
        }
      },
      () => null
    )
    const p = this.problem
    return {
      path: this.path,
      ok: p === null,
      problem: p ? { message: p.problem, line: p.line, column: p.column, field: p.field } : null,
      backup
    }
  }

  /**
   * Puts the backup (the file as it was before the last save) in place of profiles.json. The
   * file it replaces is kept aside under a dated name, never deleted.
   */
  restoreBackup(): Promise<{ restored: number; keptAside: string | null }> {
    return this.exclusive(() => this.restoreBackupNow())
  }

  private async restoreBackupNow(): Promise<{ restored: number; keptAside: string | null }> {
    const text = await readFile(this.backupPath, 'utf8').catch(() => {
      throw new ApiError('not_found', `there is no backup (${this.backupPath})`)
    })
    let restored: number
    try {
      restored = parseProfilesFile(text).profiles.length
    } catch (err) {
      throw new ApiError('unavailable', `the backup ${this.backupPath} is not usable either: ${(err as Error).message}`)
    }
    let keptAside: string | null = `${this.path}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      await rename(this.path, keptAside)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      keptAside = null
    }
    await writeFileAtomic(this.path, text)
    this.cache = null
    this.problem = null
    return { restored, keptAside }
  }

  async get(name: string): Promise<Profile> {
    const p = this.ephemeral.get(name) ?? (await this.list()).find((x) => x.name === name)
    if (!p) throw new ApiError('not_found', `no profile named "${name}"`)
    return p
  }

  async summary(p: Profile): Promise<ProfileSummary> {
    const has = async (slot: SecretSlot) => (await this.secrets.get(secretKey(p.name, slot))) !== null
    const secrets: Record<string, boolean> = {}
    for (const f of URL_FIELDS) {
      let set = false
      for (const slot of fieldSlots(f)) if (await has(slot)) set = true
      secrets[f] = set
    }
    return { ...p, secrets: secrets as ProfileSummary['secrets'] }
  }

  /**
   * Saves a profile; its secrets go to the secret store, never to the file. A secret whose
   * endpoint now names another host, port or user is dropped unless the edit gives a new one:
   * Lookout never sends a stored password to a server it was not given for.
   */
  save(input: ProfileInput, replace: boolean): Promise<SaveOutcome> {
    return this.exclusive(() => this.saveNow(input, replace))
  }

  private async saveNow(input: ProfileInput, replace: boolean): Promise<SaveOutcome> {
    const { profile: clean, secrets } = prepareProfile(input)
    const all = [...(await this.list())]
    const at = all.findIndex((p) => p.name === clean.name)
    if (at >= 0 && !replace) throw new ApiError('conflict', `a profile named "${clean.name}" exists; save with replace to change it`)
    const previous = at >= 0 ? all[at]! : null
    const changed = previous ? changedFields(previous, clean) : Object.keys(clean).filter((k) => k !== 'name')
    // Secrets first: if the store refuses, nothing is written.
    for (const [slot, value] of secrets) await this.secrets.set(secretKey(clean.name, slot), value)
    const droppedSecrets: string[] = []
    if (previous) {
      for (const f of URL_FIELDS) {
        if (credentialScope(previous[f]) === credentialScope(clean[f])) continue
        for (const slot of fieldSlots(f)) {
          if (secrets.has(slot)) continue
          if ((await this.secrets.get(secretKey(clean.name, slot))) === null) continue
          await this.secrets.delete(secretKey(clean.name, slot))
          droppedSecrets.push(slot)
        }
      }
      // A /metrics endpoint's secret is kept by its URL: those no longer listed are dropped.
      const kept = new Set(clean.metrics.map((m) => metricsSlot(m.url)))
      for (const m of previous.metrics) {
        const slot = metricsSlot(m.url)
        if (kept.has(slot)) continue
        for (const s of fieldSlots(slot as `metrics:${string}`)) {
          if ((await this.secrets.get(secretKey(clean.name, s))) === null) continue
          await this.secrets.delete(secretKey(clean.name, s))
          droppedSecrets.push(slot)
        }
      }
    }
    if (at >= 0) all[at] = clean
    else all.push(clean)
    await this.write(all)
    return { profile: clean, previous, changed, droppedSecrets }
  }

  /**
   * Copies a profile's secrets to another for each endpoint both name alike (same scheme, host,
   * port and user; a /metrics URL by its URL), where the other has none of its own. Returns the
   * slots copied. Values stay in the core.
   */
  async copySecrets(from: Profile, to: Profile): Promise<string[]> {
    const copied: string[] = []
    const copy = async (slot: SecretSlot) => {
      if ((await this.secrets.get(secretKey(to.name, slot))) !== null) return
      const v = await this.secrets.get(secretKey(from.name, slot))
      if (v === null) return
      await this.secrets.set(secretKey(to.name, slot), v)
      copied.push(slot)
    }
    for (const f of URL_FIELDS) {
      if (!from[f] || credentialScope(from[f]) !== credentialScope(to[f])) continue
      for (const slot of fieldSlots(f)) await copy(slot)
    }
    const theirs = new Set(to.metrics.map((m) => metricsSlot(m.url)))
    for (const m of from.metrics) {
      const slot = metricsSlot(m.url)
      if (theirs.has(slot)) for (const s of fieldSlots(slot as `metrics:${string}`)) await copy(s)
    }
    return copied
  }

  /** A profile for this process only (the CLI's URL mode): never written, gone when the core closes. */
  async addEphemeral(input: ProfileInput): Promise<Profile> {
    const { profile: clean, secrets } = prepareProfile(input)
    for (const [slot, value] of secrets) await this.secrets.set(secretKey(clean.name, slot), value)
    this.ephemeral.set(clean.name, clean)
    return clean
  }

  /** What the core connects with for a profile: its passwords, and its URLs with their query secrets. */
  /**
   * What turns a profile's URLs into the ones a client connects to: the SSH tunnels, when the
   * profile has a bastion. Set once by createCore.
   */
  private router:
    ((p: Profile, urls: Partial<Record<UrlField, string>>, sshSecret: string | null) => Promise<Partial<Record<UrlField, string>>>) | null =
    null

  routeThrough(router: NonNullable<ProfileStore['router']>): void {
    this.router = router
  }

  async secretsOf(p: Profile): Promise<ProfileSecrets> {
    const get = (slot: SecretSlot) => this.secrets.get(secretKey(p.name, slot))
    const querySecrets = async (field: string) => {
      const out = new Map<string, string>()
      for (const slot of fieldSlots(field as UrlField)) {
        if (slot === field) continue
        const v = await get(slot)
        if (v !== null) out.set(slot.slice(field.length + 1), v)
      }
      return out
    }
    const urls: Partial<Record<UrlField, string>> = {}
    const passwords: Partial<Record<UrlField, string | null>> = {}
    for (const f of URL_FIELDS) {
      const url = p[f]
      passwords[f] = await get(f)
      if (!url) continue
      const withQuery = withQuerySecrets(url, await querySecrets(f))
      // HTTP clients take their basic-auth password from the URL; Postgres and Redis get it apart.
      urls[f] = f === 'prometheus' || f === 'alertmanager' ? withPassword(withQuery, passwords[f] ?? null) : withQuery
    }
    const metrics = new Map<string, { url: string; secret: string | null }>()
    for (const m of p.metrics) {
      const slot = metricsSlot(m.url)
      metrics.set(m.url, { url: withQuerySecrets(m.url, await querySecrets(slot)), secret: await get(slot) })
    }
    return {
      postgres: passwords.postgres ?? null,
      redis: passwords.redis ?? null,
      redisReplica: passwords.redisReplica ?? null,
      urls: this.router ? await this.router(p, urls, passwords.ssh ?? null) : urls,
      metrics
    }
  }

  delete(name: string): Promise<boolean> {
    return this.exclusive(() => this.deleteNow(name))
  }

  private async deleteNow(name: string): Promise<boolean> {
    const all = await this.list()
    const gone = all.find((p) => p.name === name)
    if (!gone) return false
    await this.write(all.filter((p) => p.name !== name))
    for (const slot of slotsOf(gone)) await this.secrets.delete(secretKey(name, slot))
    return true
  }

  /**
   * Atomic: a crash mid-write leaves the old file, never a truncated one. Owner-only permissions.
   * The file as it was is kept as profiles.json.bak first; the first save after a migration also
   * keeps the file in its old version's shape (profiles.json.vN), for a downgrade.
   */
  private async write(profiles: Profile[]): Promise<void> {
    const current = await readFile(this.path, 'utf8').catch(() => null)
    if (current !== null) {
      await writeFileAtomic(this.backupPath, current)
      if (this.migratedFrom !== null) {
        const old = `${this.path}.v${this.migratedFrom}`
        await access(old).catch(() => writeFileAtomic(old, current))
        this.migratedFrom = null
      }
    }
    await writeFileAtomic(this.path, serializeProfiles(profiles))
    const st = await stat(this.path)
    this.cacheVersion = `${st.mtimeMs}:${st.size}`
    this.cache = profiles
  }
}

/**
 * A profile as entered, as it will be stored: validated, its secrets taken out (the URLs without
 * them, the secrets by slot), its thresholds checked. Any problem is a bad_request naming the field.
 */
export function prepareProfile(input: ProfileInput): { profile: Profile; secrets: Map<SecretSlot, string> } {
  // A production profile is read-only unless it says otherwise: what an import or a bare API call
  // creates on prod cannot change a server until someone turns that off (a guarded change).
  if (input && typeof input === 'object' && input.readOnly === undefined && typeof input.environment === 'string')
    input = { ...input, readOnly: isProduction(input as { environment: string; production?: boolean }) }
  const checked = ProfileInput.safeParse(input)
  if (!checked.success) throw new ApiError('bad_request', `profile: ${describeZodError(checked.error)}`)
  try {
    const { profile, secrets } = separateSecrets(checked.data)
    const clean = Profile.parse(profile)
    pgThresholds(clean.thresholds)
    checkAllowedActions(clean.allowedActions)
    return { profile: clean, secrets }
  } catch (err) {
    throw new ApiError('bad_request', `profile: ${(err as Error).message}`)
  }
}

function checkAllowedActions(allowed: string[] | undefined): void {
  const known: string[] = targetActions()
  const unknown = (allowed ?? []).filter((a) => !known.includes(a))
  if (unknown.length) throw new Error(`allowedActions: ${unknown.join(', ')} is not an action on a server; choose from ${known.join(', ')}`)
}

/** The fields of a profile an edit changes, by name (values are not named: they may hold hosts of interest). */
export function changedFields(before: Profile, after: Profile): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].filter((k) => JSON.stringify(before[k as keyof Profile]) !== JSON.stringify(after[k as keyof Profile])).sort()
}
