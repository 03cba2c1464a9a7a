import { pgThresholds } from '../postgres/thresholds'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ApiError, describeZodError } from '../../../shared/api'
import { Profile, ProfileInput, type ProfileSummary } from '../../../shared/schemas'
import type { SecretStore } from '../ports'
import { writeFileAtomic } from '../fs'
import { metricsSlot, secretKey, separateSecrets, type SecretSlot } from './secrets'

const ProfilesFile = z.object({ version: z.literal(1), profiles: z.array(Profile) })

export const PROFILES_FILE = 'profiles.json'

/** "line 3, column 7" from a JSON.parse error message, when the engine gives a position. */
function jsonErrorPosition(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(String((err as Error)?.message))
  if (!m) return ''
  const pos = Number(m[1])
  const before = text.slice(0, pos)
  const line = before.split('\n').length
  const column = pos - before.lastIndexOf('\n')
  return ` at line ${line}, column ${column}`
}

/**
 * Profiles on disk, without secrets. A malformed file is never overwritten: the store refuses
 * to save until the file is fixed, and every read says exactly what is wrong and where.
 */
export class ProfileStore {
  private readonly path: string
  private cache: Profile[] | null = null

  constructor(
    private readonly dataDir: string,
    private readonly secrets: SecretStore
  ) {
    this.path = join(dataDir, PROFILES_FILE)
  }

  async list(): Promise<Profile[]> {
    if (this.cache) return this.cache
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return (this.cache = [])
      throw new ApiError('unavailable', `cannot read ${this.path}: ${(err as Error).message}`)
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      throw new ApiError(
        'unavailable',
        `${this.path} is not valid JSON${jsonErrorPosition(text, err)}; fix or move it, Lookout will not overwrite it`
      )
    }
    const parsed = ProfilesFile.safeParse(json)
    if (!parsed.success)
      throw new ApiError('unavailable', `${this.path}: ${describeZodError(parsed.error)}; fix or move it, Lookout will not overwrite it`)
    const names = new Set<string>()
    for (const p of parsed.data.profiles) {
      if (names.has(p.name)) throw new ApiError('unavailable', `${this.path}: profile "${p.name}" appears twice`)
      names.add(p.name)
    }
    return (this.cache = parsed.data.profiles)
  }

  async get(name: string): Promise<Profile> {
    const p = (await this.list()).find((x) => x.name === name)
    if (!p) throw new ApiError('not_found', `no profile named "${name}"`)
    return p
  }

  async summary(p: Profile): Promise<ProfileSummary> {
    return {
      ...p,
      secrets: {
        postgres: (await this.secrets.get(secretKey(p.name, 'postgres'))) !== null,
        redis: (await this.secrets.get(secretKey(p.name, 'redis'))) !== null
      }
    }
  }

  async save(input: ProfileInput, replace: boolean): Promise<Profile> {
    const checked = ProfileInput.safeParse(input)
    if (!checked.success) throw new ApiError('bad_request', `profile: ${describeZodError(checked.error)}`)
    let separated: ReturnType<typeof separateSecrets>
    try {
      separated = separateSecrets(checked.data)
    } catch (err) {
      throw new ApiError('bad_request', `profile: ${(err as Error).message}`)
    }
    const { profile, secrets } = separated
    const clean = Profile.parse(profile)
    try {
      pgThresholds(clean.thresholds)
    } catch (err) {
      throw new ApiError('bad_request', `profile: ${(err as Error).message}`)
    }
    const all = [...(await this.list())]
    const at = all.findIndex((p) => p.name === clean.name)
    if (at >= 0 && !replace) throw new ApiError('conflict', `a profile named "${clean.name}" exists; save with replace to change it`)
    // Secrets first: if the store refuses, nothing is written.
    for (const [slot, value] of secrets) await this.secrets.set(secretKey(clean.name, slot), value)
    if (at >= 0) all[at] = clean
    else all.push(clean)
    await this.write(all)
    return clean
  }

  async delete(name: string): Promise<boolean> {
    const all = await this.list()
    const gone = all.find((p) => p.name === name)
    if (!gone) return false
    await this.write(all.filter((p) => p.name !== name))
    for (const slot of ['postgres', 'redis', ...gone.metrics.map((m) => metricsSlot(m.url))] as SecretSlot[])
      await this.secrets.delete(secretKey(name, slot))
    return true
  }

  async password(name: string, slot: SecretSlot): Promise<string | null> {
    return this.secrets.get(secretKey(name, slot))
  }

  /** Atomic: a crash mid-write leaves the old file, never a truncated one. Owner-only permissions. */
  private async write(profiles: Profile[]): Promise<void> {
    await writeFileAtomic(this.path, JSON.stringify({ version: 1, profiles }, null, 2) + '\n')
    this.cache = profiles
  }
}
