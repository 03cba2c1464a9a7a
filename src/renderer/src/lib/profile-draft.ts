import { targetActions } from '../../../shared/api'
import { BUILTIN_ENVIRONMENTS, ProfileInput, type MetricsEndpoint, type ProfileSummary } from '../../../shared/schemas'

export { targetActions }

/** The URL fields whose password the editor takes apart: typed here, moved to the secret store by the core. */
export const SECRET_FIELDS = ['postgres', 'redis', 'redisReplica', 'prometheus', 'alertmanager', 'ssh'] as const
export type SecretField = (typeof SECRET_FIELDS)[number]

/** A profile as the editor holds it: every field as typed, lists as text. */
export interface ProfileDraft {
  name: string
  environment: string
  /** A custom environment's bar colour (#rrggbb, '' for none) and whether it is production. */
  environmentColor: string
  production: boolean
  readOnly: boolean
  postgres: string
  /** Other databases on the same server, one per line or comma-separated. */
  postgresDatabases: string
  redis: string
  redisReplica: string
  redisCaFile: string
  redisCertFile: string
  redisKeyFile: string
  prometheus: string
  alertmanager: string
  /** One /metrics URL per line (or comma-separated). */
  metrics: string
  pollIntervalMs: string
  allowFlush: boolean
  allowExplainAnalyze: boolean
  /** schema.function, one per line or comma-separated. */
  explainAnalyzeFunctions: string
  /** name=value, one per line. */
  thresholds: string
  ssh: string
  sshIdentityFile: string
  sshProxyJump: string
  sshHostKey: string
  sshKnownHostsFile: string
  sshPostgres: boolean
  sshRedis: boolean
  notes: string
  /** Empty: every action on the servers (each still confirmed); else request names, one per line. */
  allowedActions: string
  /** Per kind of target: interval and timeout in ms as typed ('' = the profile's). */
  targetSettings: Record<TargetKindName, { pollIntervalMs: string; timeoutMs: string }>
  /** New passwords typed: empty keeps the stored one. */
  passwords: Partial<Record<SecretField, string>>
}

export const TARGET_KINDS = ['postgres', 'redis', 'prometheus', 'metrics'] as const
export type TargetKindName = (typeof TARGET_KINDS)[number]

const noTargetSettings = () =>
  Object.fromEntries(TARGET_KINDS.map((k) => [k, { pollIntervalMs: '', timeoutMs: '' }])) as ProfileDraft['targetSettings']

export function emptyDraft(): ProfileDraft {
  return {
    name: '',
    environment: 'dev',
    environmentColor: '',
    production: true,
    readOnly: false,
    postgres: '',
    postgresDatabases: '',
    redis: '',
    redisReplica: '',
    redisCaFile: '',
    redisCertFile: '',
    redisKeyFile: '',
    prometheus: '',
    alertmanager: '',
    metrics: '',
    pollIntervalMs: '2000',
    allowFlush: false,
    allowExplainAnalyze: false,
    explainAnalyzeFunctions: '',
    thresholds: '',
    ssh: '',
    sshIdentityFile: '',
    sshProxyJump: '',
    sshHostKey: '',
    sshKnownHostsFile: '',
    sshPostgres: true,
    sshRedis: true,
    notes: '',
    allowedActions: '',
    targetSettings: noTargetSettings(),
    passwords: {}
  }
}

/** A stored profile in the editor's shape (it holds no password: the summary only says which are set). */
export function draftOf(p: ProfileSummary): ProfileDraft {
  return {
    ...emptyDraft(),
    name: p.name,
    environment: p.environment,
    environmentColor: p.environmentColor ?? '',
    production: p.production ?? true,
    readOnly: p.readOnly,
    postgres: p.postgres ?? '',
    postgresDatabases: (p.postgresDatabases ?? []).join('\n'),
    redis: p.redis ?? '',
    redisReplica: p.redisReplica ?? '',
    redisCaFile: p.redisCaFile ?? '',
    redisCertFile: p.redisCertFile ?? '',
    redisKeyFile: p.redisKeyFile ?? '',
    prometheus: p.prometheus ?? '',
    alertmanager: p.alertmanager ?? '',
    metrics: p.metrics.map((m) => m.url).join('\n'),
    pollIntervalMs: String(p.pollIntervalMs),
    allowFlush: p.allowFlush,
    allowExplainAnalyze: p.allowExplainAnalyze,
    explainAnalyzeFunctions: p.explainAnalyzeFunctions.join('\n'),
    thresholds: Object.entries(p.thresholds)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    ssh: p.ssh ?? '',
    sshIdentityFile: p.sshIdentityFile ?? '',
    sshProxyJump: p.sshProxyJump ?? '',
    sshHostKey: p.sshHostKey ?? '',
    sshKnownHostsFile: p.sshKnownHostsFile ?? '',
    sshPostgres: !p.sshTargets || p.sshTargets.includes('postgres'),
    sshRedis: !p.sshTargets || p.sshTargets.includes('redis'),
    notes: p.notes ?? '',
    allowedActions: (p.allowedActions ?? []).join('\n'),
    targetSettings: Object.fromEntries(
      TARGET_KINDS.map((k) => [
        k,
        { pollIntervalMs: String(p.targetSettings?.[k]?.pollIntervalMs ?? ''), timeoutMs: String(p.targetSettings?.[k]?.timeoutMs ?? '') }
      ])
    ) as ProfileDraft['targetSettings']
  }
}

const list = (text: string) =>
  text
    .split(/[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean)

/** A URL with a password put into it, for the core to take out again; the URL as typed if it does not parse. */
function withPassword(url: string, password: string | undefined): string {
  if (!url || !password) return url
  try {
    const u = new URL(url)
    u.password = encodeURIComponent(password)
    return u.toString()
  } catch {
    return url
  }
}

/** Problems the draft has that the schema cannot see (text that is not a list of name=value). */
function thresholdsOf(text: string, problems: Record<string, string>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (!line) continue
    const m = /^([a-z0-9_]+)\s*=\s*(-?\d+(\.\d+)?)$/.exec(line)
    if (!m) {
      problems.thresholds = `"${line}": write name=number, one per line (e.g. long_running_query_s=30)`
      continue
    }
    out[m[1]!] = Number(m[2])
  }
  return out
}

function targetSettingsOf(t: ProfileDraft['targetSettings']): ProfileInput['targetSettings'] {
  const out: NonNullable<ProfileInput['targetSettings']> = {}
  for (const k of TARGET_KINDS) {
    const poll = t[k].pollIntervalMs.trim()
    const timeout = t[k].timeoutMs.trim()
    if (!poll && !timeout) continue
    out[k] = { ...(poll ? { pollIntervalMs: Number(poll) } : {}), ...(timeout ? { timeoutMs: Number(timeout) } : {}) }
  }
  return Object.keys(out).length ? out : undefined
}

/**
 * The draft as the input the core takes, and what is wrong with it, by field, checked against
 * the same schema the core checks (so the editor says it as the user types, and the core still
 * checks). /metrics entries kept from the stored profile keep their settings (auth, CA).
 */
export function draftToInput(
  d: ProfileDraft,
  stored: ProfileSummary | null
): { input: ProfileInput; problems: Record<string, string>; ok: boolean } {
  const problems: Record<string, string> = {}
  const opt = (s: string) => s.trim() || undefined
  const pw = d.passwords
  const keptMetrics = new Map((stored?.metrics ?? []).map((m) => [m.url, m]))
  const metrics: (string | MetricsEndpoint)[] = list(d.metrics).map((url) => keptMetrics.get(url) ?? url)
  const sshTargets = [d.sshPostgres ? 'postgres' : null, d.sshRedis ? 'redis' : null].filter(Boolean) as ('postgres' | 'redis')[]
  const poll = Number(d.pollIntervalMs)
  const input: ProfileInput = {
    name: d.name.trim(),
    environment: d.environment.trim(),
    ...(BUILTIN_ENVIRONMENTS.includes(d.environment as never)
      ? {}
      : { environmentColor: opt(d.environmentColor), production: d.production }),
    readOnly: d.readOnly,
    postgres: opt(withPassword(d.postgres.trim(), pw.postgres)),
    postgresDatabases: d.postgresDatabases.trim() ? list(d.postgresDatabases) : undefined,
    redis: opt(withPassword(d.redis.trim(), pw.redis)),
    redisReplica: opt(withPassword(d.redisReplica.trim(), pw.redisReplica)),
    redisCaFile: opt(d.redisCaFile),
    redisCertFile: opt(d.redisCertFile),
    redisKeyFile: opt(d.redisKeyFile),
    prometheus: opt(withPassword(d.prometheus.trim(), pw.prometheus)),
    alertmanager: opt(withPassword(d.alertmanager.trim(), pw.alertmanager)),
    metrics,
    pollIntervalMs: Number.isFinite(poll) && d.pollIntervalMs.trim() ? poll : NaN,
    allowFlush: d.allowFlush,
    allowExplainAnalyze: d.allowExplainAnalyze,
    explainAnalyzeFunctions: list(d.explainAnalyzeFunctions),
    thresholds: thresholdsOf(d.thresholds, problems),
    ssh: opt(withPassword(d.ssh.trim(), pw.ssh)),
    sshIdentityFile: opt(d.sshIdentityFile),
    sshProxyJump: opt(d.sshProxyJump),
    sshHostKey: opt(d.sshHostKey),
    sshKnownHostsFile: opt(d.sshKnownHostsFile),
    sshTargets: d.ssh.trim() ? (sshTargets.length ? sshTargets : []) : undefined,
    notes: opt(d.notes),
    allowedActions: d.allowedActions.trim() ? list(d.allowedActions) : undefined,
    targetSettings: targetSettingsOf(d.targetSettings)
  }
  const parsed = ProfileInput.safeParse(input)
  if (!parsed.success)
    for (const issue of parsed.error.issues) {
      const field = String(issue.path[0] ?? 'name')
      problems[field] ??= issue.message
    }
  const allowed = targetActions()
  const unknown = list(d.allowedActions).filter((a) => !(allowed as string[]).includes(a))
  if (unknown.length) problems.allowedActions = `${unknown.join(', ')}: not an action on a server`
  if (d.ssh.trim() && sshTargets.length === 0) problems.sshTargets = 'tick Postgres, Redis or both: what goes through the bastion'
  return { input, problems, ok: Object.keys(problems).length === 0 }
}
