import { readFile, writeFile } from 'node:fs/promises'
import type { ConnectionTest, Environment, ImportPlan, ImportSource, ProfilesFileStatus, ProfileSummary } from '../../shared/schemas'
import { describeDsn, pgEndpoint } from '../core/postgres/connection'
import { describeRedisUrl, redisEndpoint } from '../core/redis/connection'
import { cliConfirmation, cliCore } from './one-shot'

type IO = { out(s: string): void; err(s: string): void }

/** Exit codes, as the other commands: 0 done, 1 failed, 2 refused or bad arguments. */
export const PROFILES_EXIT = { done: 0, failed: 1, refused: 2 } as const

const exitFor = (code: string) =>
  code === 'refused' || code === 'bad_request' || code === 'not_found' ? PROFILES_EXIT.refused : PROFILES_EXIT.failed

/** One line per profile: its environment, what it watches (never a password) and which secrets are set. */
function profileLine(p: ProfileSummary): string {
  const targets = [
    p.postgres ? `postgres ${pgEndpoint(describeDsn(p.postgres))}` : null,
    p.redis ? `redis ${redisEndpoint(describeRedisUrl(p.redis))}` : null,
    p.prometheus ? `prometheus ${new URL(p.prometheus).host}` : null,
    p.metrics.length ? `${p.metrics.length} /metrics` : null
  ].filter(Boolean)
  const secrets = Object.entries(p.secrets)
    .filter(([, set]) => set)
    .map(([k]) => k)
  return `${p.name}\t${p.environment}${p.readOnly ? ' read-only' : ''}\t${targets.join(', ') || '(no target)'}\t${secrets.length ? `secrets: ${secrets.join(', ')}` : 'no secret'}\n`
}

/** `lookout profiles list|show|export|delete|test|restore-backup`: the saved profiles through the core, never a secret. */
export async function profilesCommand(
  verb: 'list' | 'show' | 'export' | 'delete' | 'test' | 'restore-backup',
  o: { name?: string; json?: boolean; file?: string; yes?: boolean; confirm?: string; dataDir: string },
  io: IO
): Promise<number> {
  const core = await cliCore(o.dataDir, io, `lookout profiles ${verb}`)
  if (!core) return PROFILES_EXIT.refused
  try {
    if (verb === 'delete') {
      const r = await core.dispatch('profiles.delete', { name: o.name, confirmation: cliConfirmation(o) })
      if (!r.ok) {
        io.err(
          `lookout profiles delete: ${r.error.message}${r.error.code === 'refused' && !o.yes ? ' (use --yes; a prod profile also needs --confirm with its name)' : ''}\n`
        )
        return exitFor(r.error.code)
      }
      io.out(JSON.stringify(r.result) + '\n')
      return PROFILES_EXIT.done
    }
    if (verb === 'restore-backup') {
      // The file may not read, so there is no profile to ask for a name: --yes is the word "confirm".
      const status = await core.dispatch('profiles.fileStatus', {})
      if (status.ok) {
        const st = status.result as ProfilesFileStatus
        const p = st.problem
        io.err(
          p
            ? `${st.path}${p.line !== null ? `, line ${p.line}, column ${p.column}` : ''}: ${p.message}\n`
            : `${st.path} reads without a problem\n`
        )
      }
      const r = await core.dispatch('profiles.restoreBackup', { confirmation: o.yes ? 'confirm' : undefined })
      if (!r.ok) {
        io.err(`lookout profiles restore-backup: ${r.error.message}${r.error.code === 'refused' && !o.yes ? ' (use --yes)' : ''}\n`)
        return exitFor(r.error.code)
      }
      io.out(JSON.stringify(r.result) + '\n')
      return PROFILES_EXIT.done
    }
    if (verb === 'test') {
      const t = await core.dispatch('profiles.testConnection', { profile: o.name })
      if (!t.ok) {
        io.err(`lookout profiles test: ${t.error.message}\n`)
        return exitFor(t.error.code)
      }
      const tests = t.result as ConnectionTest[]
      if (o.json) io.out(JSON.stringify(tests) + '\n')
      else
        for (const c of tests) {
          io.out(`${c.target} ${c.endpoint}: ${c.ok ? 'ok' : 'FAILED'}\n`)
          for (const s of c.steps) io.out(`  ${s.ok ? 'ok  ' : 'FAIL'} ${s.step.padEnd(14)} ${String(s.ms).padStart(5)} ms  ${s.detail}\n`)
        }
      return tests.every((c) => c.ok) ? PROFILES_EXIT.done : PROFILES_EXIT.failed
    }
    const r = await core.dispatch('profiles.list', {})
    if (!r.ok) {
      io.err(`lookout profiles ${verb}: ${r.error.message}\n`)
      return exitFor(r.error.code)
    }
    const all = r.result as ProfileSummary[]
    if (verb === 'show') {
      const p = all.find((x) => x.name === o.name)
      if (!p) {
        io.err(`lookout profiles show: no profile named "${o.name}"\n`)
        return PROFILES_EXIT.refused
      }
      io.out(JSON.stringify(p, null, 2) + '\n')
    } else if (verb === 'export') {
      // What a team shares: the core's export, the profiles without their secrets.
      const exported = await core.dispatch('profiles.export', {})
      if (!exported.ok) {
        io.err(`lookout profiles export: ${exported.error.message}\n`)
        return exitFor(exported.error.code)
      }
      const { text } = exported.result as { text: string }
      if (o.file) await writeFile(o.file, text, { mode: 0o600 })
      else io.out(text)
    } else if (o.json) io.out(JSON.stringify(all) + '\n')
    else for (const p of all) io.out(profileLine(p))
    return PROFILES_EXIT.done
  } finally {
    await core.close()
  }
}

/** The plan as a person reads it: one line per profile, then what could not be used. */
function printPlan(plan: ImportPlan, io: IO): void {
  io.err(`read: ${plan.sources.join(', ')}\n`)
  for (const i of plan.items) {
    const env = `${i.environment}${i.environmentGuessed ? ' (guessed)' : ''}`
    const password = i.passwordFrom ? `password from ${i.passwordFrom}` : 'no password found'
    const why = i.reason ? `: ${i.reason}` : ''
    io.out(`${i.action}\t${i.name}\t${env}\t${i.postgres ?? '-'}\t${password}${why}\n`)
    for (const n of i.notes) io.out(`\t${n}\n`)
  }
  for (const p of plan.problems) io.err(`skipped: ${p}\n`)
}

/**
 * `lookout profiles import`: what the import would do first (always printed), then, with --yes,
 * the core's own import: the same plan, guard and audit as the app's.
 */
/** `--from`: a keyword, URLs, or the path of an exported file (read here, sent as text). */
async function importSource(from: string[]): Promise<{ from: ImportSource; text?: string; urls?: string[] } | string> {
  const [first] = from
  if (from.length === 1 && (first === 'pg-service' || first === 'pgpass' || first === 'env')) return { from: first }
  if (from.every((f) => /^[a-z][a-z0-9+.-]*:\/\//i.test(f))) return { from: 'url', urls: from }
  if (from.length > 1) return 'give one file, or URLs (scheme://...), to --from'
  try {
    return { from: 'file', text: await readFile(first!, 'utf8') }
  } catch (err) {
    return `cannot read ${first}: ${(err as Error).message}`
  }
}

export async function profilesImport(
  o: {
    from: string[]
    environment?: Environment
    only?: string[]
    dryRun?: boolean
    yes?: boolean
    confirm?: string
    json?: boolean
    dataDir: string
  },
  io: IO
): Promise<number> {
  const source = await importSource(o.from)
  if (typeof source === 'string') {
    io.err(`lookout profiles import: ${source}\n`)
    return PROFILES_EXIT.refused
  }
  const core = await cliCore(o.dataDir, io, 'lookout profiles import')
  if (!core) return PROFILES_EXIT.refused
  try {
    const planned = await core.dispatch('profiles.importPlan', { ...source, environment: o.environment })
    if (!planned.ok) {
      io.err(`lookout profiles import: ${planned.error.message}\n`)
      return exitFor(planned.error.code)
    }
    const plan = planned.result as ImportPlan
    if (o.json && (o.dryRun || !o.yes)) io.out(JSON.stringify(plan) + '\n')
    else printPlan(plan, io)
    if (o.dryRun) return PROFILES_EXIT.done
    if (!o.yes) {
      io.err('nothing imported: add --yes to import (a new password for a prod profile also needs --confirm with its name)\n')
      return PROFILES_EXIT.refused
    }
    const r = await core.dispatch('profiles.import', {
      ...source,
      environment: o.environment,
      names: o.only,
      confirmation: cliConfirmation(o)
    })
    if (!r.ok) {
      io.err(`lookout profiles import: ${r.error.message}\n`)
      return exitFor(r.error.code)
    }
    const { created, updated } = r.result as { created: string[]; updated: string[] }
    io.out(JSON.stringify({ created, updated }) + '\n')
    return PROFILES_EXIT.done
  } finally {
    await core.close()
  }
}
