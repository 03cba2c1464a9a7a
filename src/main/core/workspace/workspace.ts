import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ApiError } from '../../../shared/api'
import type { Environment, TargetHealth, WorkspaceProfile, WorkspaceStatus } from '../../../shared/schemas'
import { ProfileName } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import { writeFileAtomic } from '../fs'
import type { MonitorRegistry } from '../monitors'
import type { Logger } from '../ports'
import type { ProfileStore } from '../profiles/store'

export const WORKSPACE_FILE = 'workspace.json'

const WorkspaceFile = z.object({ version: z.literal(1), pinned: z.array(ProfileName) })

/** Worst first: a profile's dot takes the colour of its worst target. */
const HEALTH_RANK: Record<TargetHealth, number> = { down: 3, degraded: 2, pending: 1, up: 0 }

export function worstHealth(states: readonly { health: TargetHealth }[]): TargetHealth | null {
  let worst: TargetHealth | null = null
  for (const s of states) if (worst === null || HEALTH_RANK[s.health] > HEALTH_RANK[worst]) worst = s.health
  return worst
}

/**
 * The workspace: which profiles are pinned (kept in `workspace.json`, watched from start-up and
 * never stopped by opening another), and a summary of every watched one for the sidebar. The
 * summary is recomputed when a target's state or the alerts change, and `workspace.changed` is
 * sent only when it differs from the last one sent, so forty targets polling every second do not
 * mean forty events a second.
 */
export class Workspace {
  private pins = new Set<string>()
  private loaded: Promise<void> | null = null
  /** Why a pinned profile could not start, until it does. */
  private readonly startErrors = new Map<string, string>()
  private lastSent = ''
  /** The environment of each pinned profile, for the sidebar while it is not watched. */
  private readonly environments = new Map<string, Environment>()

  constructor(
    private readonly deps: {
      dataDir: string
      profiles: ProfileStore
      monitors: MonitorRegistry
      logger: Logger
      changed: (s: WorkspaceStatus) => void
    }
  ) {}

  private get file(): string {
    return join(this.deps.dataDir, WORKSPACE_FILE)
  }

  private load(): Promise<void> {
    this.loaded ??= readFile(this.file, 'utf8').then(
      (text) => {
        const parsed = WorkspaceFile.safeParse(JSON.parse(text))
        if (parsed.success) this.pins = new Set(parsed.data.pinned)
        else this.deps.logger.warn('workspace.json is not valid; no profile is pinned', { error: parsed.error.message })
      },
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') this.deps.logger.warn('workspace.json cannot be read; no profile is pinned', { error: err.message })
      }
    )
    return this.loaded
  }

  private writes: Promise<void> = Promise.resolve()

  /** Writes one after the other, each the pins as they are when it runs: the file ends as the set does. */
  private save(): Promise<void> {
    const next = this.writes.then(() =>
      writeFileAtomic(this.file, JSON.stringify({ version: 1, pinned: [...this.pins].sort() }, null, 2) + '\n')
    )
    this.writes = next.catch(() => {})
    return next
  }

  async pinned(): Promise<string[]> {
    await this.load()
    return [...this.pins]
  }

  /** Starts every pinned profile that still exists; one that cannot start is reported, never fatal. */
  async watchPinned(): Promise<void> {
    await this.load()
    try {
      for (const p of await this.deps.profiles.list()) this.environments.set(p.name, p.environment)
    } catch (err) {
      // profiles.json cannot be read: the UI says why where the list would be.
      this.deps.logger.warn('pinned profiles not started', { error: errorMessage(err) })
      return
    }
    await Promise.all([...this.pins].filter((n) => this.environments.has(n)).map((n) => this.startPinned(n)))
    this.refresh()
  }

  private async startPinned(name: string): Promise<void> {
    try {
      await this.deps.monitors.start(name)
      this.startErrors.delete(name)
    } catch (err) {
      this.startErrors.set(name, errorMessage(err))
      this.deps.logger.warn('a pinned profile could not start', { profile: name, error: errorMessage(err) })
    }
  }

  async pin(name: string, pinned: boolean): Promise<WorkspaceStatus> {
    await this.load()
    this.environments.set(name, (await this.deps.profiles.get(name)).environment)
    if (pinned) {
      this.pins.add(name)
      await this.save()
      await this.startPinned(name)
      const error = this.startErrors.get(name)
      if (error) throw new ApiError('unavailable', `profile "${name}" is pinned but cannot be watched: ${error}`)
    } else {
      this.pins.delete(name)
      this.startErrors.delete(name)
      await this.save()
    }
    return this.refresh()
  }

  /** A deleted profile is no longer pinned. */
  async forget(name: string): Promise<void> {
    await this.load()
    this.startErrors.delete(name)
    this.environments.delete(name)
    if (this.pins.delete(name)) await this.save()
    this.refresh()
  }

  async status(): Promise<WorkspaceStatus> {
    await this.load()
    if ([...this.pins].some((n) => !this.environments.has(n)))
      for (const p of await this.deps.profiles.list()) this.environments.set(p.name, p.environment)
    return this.current()
  }

  /** Sends `workspace.changed` when the summary differs from the last one sent; returns it. */
  refresh(): WorkspaceStatus {
    const status = this.current()
    const text = JSON.stringify(status)
    if (text !== this.lastSent) {
      this.lastSent = text
      this.deps.changed(status)
    }
    return status
  }

  private current(): WorkspaceStatus {
    const { monitors } = this.deps
    const alerts = monitors.summary().firing
    const out: WorkspaceProfile[] = []
    const seen = new Set<string>()
    for (const m of monitors.watched()) {
      const name = m.profile.name
      seen.add(name)
      const states = m.targetStates()
      const targets = { up: 0, degraded: 0, down: 0, pending: 0 }
      for (const s of states) targets[s.health]++
      const mine = alerts.filter((a) => a.profile === name)
      out.push({
        profile: name,
        environment: m.profile.environment,
        pinned: this.pins.has(name),
        watched: true,
        health: worstHealth(states),
        targets,
        firing: mine.length,
        critical: mine.filter((a) => a.severity === 'critical').length,
        error: null
      })
    }
    for (const name of this.pins) {
      const environment = this.environments.get(name)
      // A pin whose profile is gone (deleted by hand) is not listed.
      if (seen.has(name) || !environment) continue
      out.push({
        profile: name,
        environment,
        pinned: true,
        watched: false,
        health: null,
        targets: { up: 0, degraded: 0, down: 0, pending: 0 },
        firing: 0,
        critical: 0,
        error: this.startErrors.get(name) ?? null
      })
    }
    return { profiles: out }
  }
}
