import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { AlertRule, LocalSilence, NotificationPolicy, type EffectiveRule } from '../../../shared/alert-rules'
import { ApiError, describeZodError } from '../../../shared/api'
import { writeFileAtomic } from '../fs'
import { BUILTIN_RULES } from './builtin-pack'
import { whyNotExportable } from './rule-file'

const AlertsFile = z.object({
  version: z.literal(1),
  /** The user's pack: rules for every profile, over the built-in ones of the same name. */
  pack: z.array(AlertRule).default([]),
  /** Each profile's own rules, over the pack's and the built-in ones of the same name. */
  profiles: z.record(z.string(), z.array(AlertRule)).default({}),
  policy: NotificationPolicy.prefault({}),
  silences: z.array(LocalSilence).default([])
})
type AlertsFile = z.infer<typeof AlertsFile>

const empty = (): AlertsFile => AlertsFile.parse({ version: 1 })

/**
 * `alerts.json` in the data directory: the user's rule pack, each profile's overrides, the
 * notification policy and the local silences. Read once at start and kept; a file that does not
 * read is reported (`problem`) and never overwritten, and the built-in pack runs meanwhile.
 */
export class AlertConfigStore {
  readonly path: string
  private file: AlertsFile = empty()
  private queue: Promise<unknown> = Promise.resolve()
  /** Why alerts.json could not be read, or null. */
  problem: string | null = null

  constructor(dataDir: string) {
    this.path = join(dataDir, 'alerts.json')
  }

  async load(): Promise<void> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      this.problem = `cannot read ${this.path}: ${(err as Error).message}`
      return
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch (err) {
      this.problem = `${this.path} is not valid JSON (${(err as Error).message}); fix or move it, Lookout will not overwrite it`
      return
    }
    const parsed = AlertsFile.safeParse(json)
    if (!parsed.success) {
      this.problem = `${this.path}: ${describeZodError(parsed.error)}; fix or move it, Lookout will not overwrite it`
      return
    }
    this.file = parsed.data
  }

  policy(): NotificationPolicy {
    return this.file.policy
  }

  silences(): readonly LocalSilence[] {
    return this.file.silences
  }

  /** A profile's rules: built-in, then the pack's, then its own, a later one replacing an earlier of the same name. */
  effectiveRules(profile: string): EffectiveRule[] {
    const byName = new Map<string, EffectiveRule>()
    const put = (rule: AlertRule, origin: EffectiveRule['origin']) =>
      byName.set(rule.name, { rule, origin, notExportable: whyNotExportable(rule) })
    for (const r of BUILTIN_RULES) put(r, 'builtin')
    for (const r of this.file.pack) put(r, 'pack')
    for (const r of this.file.profiles[profile] ?? []) put(r, 'profile')
    return [...byName.values()]
  }

  /** Saves a rule for one profile, or for the pack (every profile) when `profile` is null. */
  saveRule(profile: string | null, rule: AlertRule): Promise<void> {
    return this.update((f) => {
      const list = profile === null ? f.pack : (f.profiles[profile] ??= [])
      const i = list.findIndex((r) => r.name === rule.name)
      if (i >= 0) list[i] = rule
      else list.push(rule)
    })
  }

  /** Deletes a profile's override (the pack's or built-in rule of that name applies again) or a pack rule. */
  deleteRule(profile: string | null, name: string): Promise<boolean> {
    let deleted = false
    return this.update((f) => {
      const list = profile === null ? f.pack : (f.profiles[profile] ?? [])
      const i = list.findIndex((r) => r.name === name)
      if (i >= 0) {
        list.splice(i, 1)
        deleted = true
      }
    }).then(() => deleted)
  }

  /** Drops a deleted profile's rules. */
  forgetProfile(profile: string): Promise<void> {
    if (!this.file.profiles[profile]) return Promise.resolve()
    return this.update((f) => {
      delete f.profiles[profile]
    })
  }

  addSilence(s: LocalSilence, now: number): Promise<void> {
    return this.update((f) => {
      f.silences = f.silences.filter((x) => x.endsAt > now)
      f.silences.push(s)
    })
  }

  expireSilence(id: string, now: number): Promise<boolean> {
    let found = false
    return this.update((f) => {
      for (const s of f.silences)
        if (s.id === id && s.endsAt > now) {
          s.endsAt = now
          found = true
        }
    }).then(() => found)
  }

  setPolicy(policy: NotificationPolicy): Promise<void> {
    return this.update((f) => {
      f.policy = policy
    })
  }

  /** One write at a time, on a copy: the kept file changes only once the new one is on disk. */
  private update(change: (f: AlertsFile) => void): Promise<void> {
    const run = this.queue.then(async () => {
      if (this.problem) throw new ApiError('unavailable', this.problem)
      const next = structuredClone(this.file)
      change(next)
      await writeFileAtomic(this.path, JSON.stringify(next, null, 2) + '\n')
      this.file = next
    })
    this.queue = run.catch(() => {})
    return run
  }
}
