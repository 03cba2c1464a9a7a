import { randomUUID } from 'node:crypto'
import type { ApiErrorShape, EventName, JobDone, Params, RequestName } from '../../shared/api'
import type { z } from 'zod'
import type { ProfileInput } from '../../shared/schemas'
import { createCore, type Core } from '../core'
import { silentLogger } from '../core/ports'
import { headlessSecretStore } from './secrets'

/**
 * The core as a CLI command runs it: headless and quiet, its secrets in the data directory's
 * encrypted file when LOOKOUT_SECRET_PASSPHRASE is set (so `--profile` finds what `serve` saved),
 * else in memory. Null, after saying why, when the secret file will not open (a wrong passphrase).
 */
export async function cliCore(dataDir: string, io: { err(s: string): void }, command: string): Promise<Core | null> {
  try {
    const secrets = await headlessSecretStore(dataDir)
    return createCore({ dataDir, secrets, notifier: { notify() {} }, logger: silentLogger, transport: 'websocket' })
  } catch (err) {
    io.err(`${command}: ${err instanceof Error ? err.message : String(err)}\n`)
    return null
  }
}

/** A profile name for a bare URL: `url-<host>-<port>`, within the profile-name rules. */
export function urlProfileName(url: string): string {
  const u = new URL(url)
  const name = `url-${u.hostname}-${u.port || 'default'}`.replace(/[^A-Za-z0-9._-]/g, '-')
  return name.slice(0, 64)
}

/**
 * The profile a command acts on, in a one-shot core: a saved one by name, or a bare URL as a
 * transient dev profile (never written; its requests are guarded and audited like any other).
 */
export async function commandProfile(core: Core, o: { profile?: string; redis?: string; postgres?: string }): Promise<string> {
  if (o.profile) return o.profile
  const url = o.redis ?? o.postgres!
  const input: ProfileInput = {
    name: urlProfileName(url),
    environment: 'dev',
    ...(o.redis ? { redis: o.redis } : {}),
    ...(o.postgres ? { postgres: o.postgres } : {})
  }
  return core.addTransientProfile(input)
}

/**
 * What a command's flags confirm, as the app's typed confirmation: nothing without `--yes`;
 * with it, the word, or the profile's name given with `--confirm` (which prod needs).
 */
export function cliConfirmation(o: { yes?: boolean; confirm?: string }): string | undefined {
  if (!o.yes) return undefined
  return o.confirm ?? 'confirm'
}

/**
 * Starts a job through the core and waits for its end, as the app does: listens for its
 * `job.done` first (the id is chosen here), sees its other events through `onEvent`, and Ctrl-C
 * cancels it (`job.cancel`, after `onCancel`). Returns the request's refusal, or the end.
 */
export async function runCoreJob<N extends RequestName>(
  core: Core,
  method: N,
  params: Params<N>,
  hooks: { onCancel?(): void; onEvent?(name: EventName, payload: { jobId?: string }): void } = {}
): Promise<{ ok: false; error: z.infer<typeof ApiErrorShape> } | { ok: true; end: JobDone }> {
  const jobId = randomUUID()
  let ended: (d: JobDone) => void = () => {}
  const done = new Promise<JobDone>((resolve) => (ended = resolve))
  const off = core.onEvent((name, payload) => {
    const p = payload as { jobId?: string }
    if (p?.jobId !== jobId) return
    if (name === 'job.done') ended(payload as JobDone)
    else hooks.onEvent?.(name, p)
  })
  const onSigint = () => {
    hooks.onCancel?.()
    void core.dispatch('job.cancel', { jobId })
  }
  process.once('SIGINT', onSigint)
  try {
    const res = await core.dispatch(method, { ...params, jobId })
    if (!res.ok) return res
    return { ok: true, end: await done }
  } finally {
    process.removeListener('SIGINT', onSigint)
    off()
  }
}
