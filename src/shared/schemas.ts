import { z } from 'zod'

/** Environments order how careful Lookout is: `prod` gets the strictest guardrails. */
/** The environments every install knows; a profile may also name one of its own. */
export const BUILTIN_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const
/** dev, staging, prod, or a name of the team's own (eu-prod, perf, dr...). */
export const Environment = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'an environment is dev, staging, prod, or a lower-case name of your own (letters, digits, -)')
export type Environment = z.infer<typeof Environment>

/**
 * Whether a profile is production, as far as safety goes (the name typed to confirm, EXPLAIN
 * ANALYZE off, alerts that page): prod always, dev and staging never, an environment of the
 * team's own as its `production` flag says, and production when it does not say: the safe side.
 */
export function isProduction(p: { environment: string; production?: boolean }): boolean {
  if (p.environment === 'prod') return true
  if (p.environment === 'dev' || p.environment === 'staging') return false
  return p.production ?? true
}

export const ProfileName = z
  .string()
  .min(1, 'a profile needs a name')
  .max(64, 'a profile name has at most 64 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-" (no spaces)')

const urlWithScheme = (schemes: string[], what: string) =>
  z.string().refine(
    (s) => {
      try {
        return schemes.includes(new URL(s).protocol)
      } catch {
        return false
      }
    },
    { message: `${what} must be a URL starting with ${schemes.map((p) => p + '//').join(' or ')}` }
  )

export const PostgresUrl = urlWithScheme(['postgres:', 'postgresql:'], 'a Postgres DSN')
/** redis:// and rediss://; redis+sentinel://host:26379/mastername/db follows a Sentinel-managed primary. */
export const RedisUrl = urlWithScheme(['redis:', 'rediss:', 'redis+sentinel:', 'rediss+sentinel:'], 'a Redis URL')
export const HttpUrl = urlWithScheme(['http:', 'https:'], 'an HTTP endpoint')
/** ssh://[user[:key passphrase]@]host[:port]: a bastion, by host name or by its alias in ~/.ssh/config. */
export const SshUrl = urlWithScheme(['ssh:'], 'an ssh:// URL')
/** An SSH host key fingerprint as OpenSSH prints it (`ssh-keygen -l -E sha256`). */
export const SshFingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'a fingerprint as ssh-keygen -l prints it: SHA256: and 43 base64 characters')

/**
 * A /metrics endpoint to scrape. Given as a plain URL or with auth and TLS settings. A password in
 * the URL or a bearer token is taken out by the core and kept in the secret store; `auth` then
 * says which one the endpoint uses.
 */
export const MetricsEndpoint = z.object({
  url: HttpUrl,
  /** Accepted on input only: moved to the secret store, never stored or sent back. */
  bearerToken: z.string().min(1).max(8192).optional(),
  auth: z.enum(['none', 'basic', 'bearer']).default('none'),
  /** PEM file of the CA that signed the endpoint's certificate, when not a system CA. */
  caFile: z.string().min(1).max(4096).optional(),
  /** Skips certificate verification: only for a lab; the UI marks it. */
  insecureSkipVerify: z.boolean().default(false)
})
export type MetricsEndpoint = z.infer<typeof MetricsEndpoint>

/**
 * A connection profile as the renderer sees it and as it is stored on disk: URLs never carry
 * passwords here. Passwords live in the secret store, keyed by profile and target.
 */
export const Profile = z.object({
  name: ProfileName,
  environment: Environment,
  /** For an environment of the team's own: the colour of its bar (#rrggbb), and whether it is production (default yes). */
  environmentColor: z
    .string()
    .regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb')
    .optional(),
  production: z.boolean().optional(),
  readOnly: z.boolean().default(false),
  postgres: PostgresUrl.optional(),
  /**
   * Other databases on the same server, each watched as a target of its own (its transactions,
   * cache hit, size and findings) with the DSN's user, password and TLS. The DSN's database stays
   * the one the Slow queries, Activity, Indexes and Explain views use.
   */
  postgresDatabases: z
    .array(z.string().regex(/^[A-Za-z0-9_$.-]{1,63}$/, 'a database name: letters, digits, _ $ . -'))
    .max(20)
    .optional(),
  redis: RedisUrl.optional(),
  /** PEM file of the CA that signed a rediss:// server's certificate, when not a system CA. */
  redisCaFile: z.string().min(1).max(4096).optional(),
  /** Lookout's own certificate and key (PEM) for a rediss:// server that asks for one (tls-auth-clients). */
  redisCertFile: z.string().min(1).max(4096).optional(),
  redisKeyFile: z.string().min(1).max(4096).optional(),
  /** A replica of the same data: key-space analysis reads there, off the primary (same password and CA). */
  redisReplica: RedisUrl.optional(),
  /** FLUSHDB ASYNC is refused unless the profile says it may be done at all. */
  allowFlush: z.boolean().default(false),
  /**
   * EXPLAIN ANALYZE executes the statement. On a prod profile it is refused unless this is set
   * (and then needs the profile's name typed); a read-only profile never runs it.
   */
  allowExplainAnalyze: z.boolean().default(false),
  /**
   * Functions (schema-qualified, e.g. "public.price_with_tax") that EXPLAIN ANALYZE may run although
   * Lookout cannot prove they act only inside the rolled-back transaction. Empty by default.
   */
  explainAnalyzeFunctions: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*\.[A-Za-z_][A-Za-z0-9_$]*$/, 'name functions as schema.function'))
    .max(200)
    .default([]),
  prometheus: HttpUrl.optional(),
  alertmanager: HttpUrl.optional(),
  metrics: z
    .array(z.union([HttpUrl.transform((url): MetricsEndpoint => ({ url, auth: 'none', insecureSkipVerify: false })), MetricsEndpoint]))
    .max(50)
    .default([]),
  /**
   * An SSH bastion the Postgres and Redis targets are reached through (ssh -L, done by Lookout):
   * its host key is checked against known_hosts or `sshHostKey`; ~/.ssh/config is read for it.
   * The URL's password is the key's passphrase (or the login password when no key is found).
   */
  ssh: SshUrl.optional(),
  /** A private key file for the bastion; else ~/.ssh/config's IdentityFile, else OpenSSH's defaults. */
  sshIdentityFile: z.string().min(1).max(4096).optional(),
  /** A jump host before the bastion (`[user@]host[:port]`), when ~/.ssh/config does not give one. */
  sshProxyJump: z.string().min(1).max(300).optional(),
  /** The bastion's pinned host key: then known_hosts is not consulted. */
  sshHostKey: SshFingerprint.optional(),
  /** A known_hosts file other than ~/.ssh/known_hosts. */
  sshKnownHostsFile: z.string().min(1).max(4096).optional(),
  /** Which targets go through the bastion: both when not said. */
  sshTargets: z
    .array(z.enum(['postgres', 'redis']))
    .min(1)
    .max(2)
    .optional(),
  pollIntervalMs: z.number().int().min(250).max(3_600_000).default(2000),
  /** Per kind of target: its own poll interval and poll timeout, over the profile's. */
  targetSettings: z
    .partialRecord(
      z.enum(['postgres', 'redis', 'prometheus', 'metrics']),
      z.object({
        pollIntervalMs: z.number().int().min(250).max(3_600_000).optional(),
        timeoutMs: z.number().int().min(250).max(60_000).optional()
      })
    )
    .optional(),
  /**
   * When set, the only actions on the profile's servers the core lets through (by request name,
   * e.g. "cache.invalidate", "postgres.signalBackend"); every other one is refused. Unset: all,
   * each still guarded and confirmed.
   */
  allowedActions: z
    .array(z.string().regex(/^[a-z]+\.[A-Za-z]+$/, 'an action is a request name such as cache.invalidate'))
    .max(50)
    .optional(),
  /** Free text for the team: what this environment is, who owns it, the runbook. */
  notes: z.string().max(4000).optional(),
  /** Overrides of the checks' named thresholds, e.g. { "long_running_query_s": 30 }. */
  thresholds: z.record(z.string().regex(/^[a-z0-9_]+$/, 'threshold names are lower_snake_case'), z.number().finite()).default({})
})
export type Profile = z.infer<typeof Profile>

/** What the renderer knows of a profile: the profile, plus which secrets are held (never their values). */
export const ProfileSummary = Profile.extend({
  secrets: z.object({
    postgres: z.boolean(),
    redis: z.boolean(),
    redisReplica: z.boolean(),
    prometheus: z.boolean(),
    alertmanager: z.boolean(),
    ssh: z.boolean()
  })
})
export type ProfileSummary = z.infer<typeof ProfileSummary>

/**
 * A profile as entered by a user: URLs may include a password, which the core moves to the
 * secret store before anything is written to disk.
 */
/** Whether profiles.json reads; if not, what is wrong and where, and the backup that could replace it. */
export const ProfilesFileStatus = z.object({
  path: z.string(),
  ok: z.boolean(),
  problem: z
    .object({ message: z.string(), line: z.number().int().nullable(), column: z.number().int().nullable(), field: z.string().nullable() })
    .nullable(),
  backup: z.object({ path: z.string(), profiles: z.number().int(), savedAt: z.number(), problem: z.string().nullable() }).nullable()
})
export type ProfilesFileStatus = z.infer<typeof ProfilesFileStatus>

/**
 * Where profiles are imported from: libpq's service file, its password file, the PG* variables,
 * a file of exported profiles (its text), or connection URLs (postgres://, redis://, rediss://,
 * redis+sentinel://, a Prometheus http(s):// URL).
 */
export const ImportSource = z.enum(['pg-service', 'pgpass', 'env', 'file', 'url'])
export type ImportSource = z.infer<typeof ImportSource>

/** What an import would do, profile by profile, before anything is done. Never a password: only where one was found. */
export const ImportPlan = z.object({
  /** The files and variables read. */
  sources: z.array(z.string()),
  /** What could not be used, and why (a pgpass line that is a pattern, a file libpq would ignore). */
  problems: z.array(z.string()),
  items: z.array(
    z.object({
      name: ProfileName,
      from: z.string(),
      action: z.enum(['create', 'update', 'unchanged', 'skip']),
      reason: z.string().nullable(),
      environment: Environment,
      /** True when the environment was guessed from the name (or assumed prod), not given. */
      environmentGuessed: z.boolean(),
      /** host:port/database, never with a password. */
      postgres: z.string().nullable(),
      /** The other endpoints it names (Redis, Prometheus...), never with a password. */
      endpoints: z.array(z.string()).default([]),
      /** Where the password came from ("~/.pgpass, line 3"), or null when none was found. */
      passwordFrom: z.string().nullable(),
      changes: z.array(z.string()),
      notes: z.array(z.string())
    })
  )
})
export type ImportPlan = z.infer<typeof ImportPlan>

/** One step of a connection test, timed; the first that fails is the last one run. */
export const ConnectionStep = z.object({
  step: z.enum(['dns', 'tcp', 'ssh', 'tls', 'authentication', 'version', 'privileges', 'connect']),
  ok: z.boolean(),
  ms: z.number(),
  detail: z.string()
})
export type ConnectionStep = z.infer<typeof ConnectionStep>

export const ConnectionTest = z.object({ target: z.string(), endpoint: z.string(), ok: z.boolean(), steps: z.array(ConnectionStep) })
export type ConnectionTest = z.infer<typeof ConnectionTest>

export const ProfileInput = Profile
export type ProfileInput = z.input<typeof ProfileInput>

export const TargetKind = z.enum(['postgres', 'redis', 'prometheus', 'metrics'])
export type TargetKind = z.infer<typeof TargetKind>

export const TargetHealth = z.enum(['pending', 'up', 'degraded', 'down'])
export type TargetHealth = z.infer<typeof TargetHealth>

export const CircuitState = z.enum(['closed', 'open', 'half-open'])
export type CircuitState = z.infer<typeof CircuitState>

/** A figure a collector read on its last poll, shown beside the target (e.g. "connections 12 / 100"). */
export const Figure = z.object({
  label: z.string(),
  value: z.number().nullable(),
  unit: z.string().default(''),
  /** For figures that are words, not numbers (a version, a role). */
  text: z.string().optional(),
  detail: z.string().optional()
})
export type Figure = z.infer<typeof Figure>

export const TargetState = z.object({
  profile: ProfileName,
  targetId: z.string(),
  kind: TargetKind,
  /** Where it is, without credentials: `127.0.0.1:5432/app`, `http://host:9090`. */
  endpoint: z.string(),
  health: TargetHealth,
  lastError: z.string().nullable(),
  lastPollAt: z.number().nullable(),
  lastLatencyMs: z.number().nullable(),
  consecutiveFailures: z.number().int().nonnegative(),
  circuit: CircuitState,
  nextPollAt: z.number().nullable(),
  figures: z.array(Figure)
})
export type TargetState = z.infer<typeof TargetState>

export const SeriesInfo = z.object({
  seriesId: z.string(),
  targetId: z.string(),
  label: z.string(),
  unit: z.string(),
  /** false: charted only in its own view (the Cache view), not on the target's Health card. */
  headline: z.boolean().optional()
})
export type SeriesInfo = z.infer<typeof SeriesInfo>

/**
 * One poll's points: every series of one target at one instant (Unix milliseconds), one point
 * each. `seq` is the series' sequence number after the point, so a client that did not see
 * `seq - 1` knows it missed a point and must ask for a snapshot. A missing point (a failed
 * poll, a series absent from a page) is NaN in the core and the renderer; JSON has no NaN, so it
 * crosses the wire as null (`shared/ring.ts` toWire/fromWire, the one place it is converted).
 */
export const SeriesDelta = z.object({
  profile: ProfileName,
  targetId: z.string(),
  t: z.number(),
  points: z.array(z.object({ seriesId: z.string(), seq: z.number().int().positive(), v: z.number().nullable() }))
})
export type SeriesDelta = z.infer<typeof SeriesDelta>

export const AlertSeverity = z.enum(['info', 'warning', 'critical'])
export type AlertSeverity = z.infer<typeof AlertSeverity>

export const Alert = z.object({
  id: z.string(),
  profile: ProfileName,
  targetId: z.string(),
  /** Lookout's own rules, or a Prometheus server's alerting rules. */
  source: z.enum(['lookout', 'prometheus']),
  name: z.string(),
  severity: AlertSeverity,
  summary: z.string(),
  labels: z.record(z.string(), z.string()).default({}),
  /** When it became active (pending from then). */
  since: z.number(),
  /**
   * pending: the condition holds, not yet for its `for`; firing; nodata: the data went missing
   * while it was pending or firing (its timers kept); resolved: kept 15 min for the view.
   */
  state: z.enum(['pending', 'firing', 'nodata', 'resolved']).default('firing'),
  /** The value the condition last saw. */
  value: z.number().nullable().default(null),
  /** The rule's description and runbook, its templates filled in. */
  description: z.string().default(''),
  runbookUrl: z.string().nullable().default(null),
  /** The Lookout rule that raised it (null for a Prometheus server's alert). */
  rule: z.string().nullable().default(null),
  firedAt: z.number().nullable().default(null),
  resolvedAt: z.number().nullable().default(null),
  /** Why it does not notify now: acknowledged, snoozed, silenced here or in Alertmanager, inhibited. */
  muted: z
    .array(
      z.object({
        kind: z.enum(['ack', 'snooze', 'silence', 'alertmanager', 'inhibited']),
        detail: z.string(),
        until: z.number().nullable()
      })
    )
    .default([])
})
export type Alert = z.infer<typeof Alert>

export const AlertsSummary = z.object({
  /** Alerts firing now. */
  firing: z.array(Alert),
  /** Firing critical alerts (what the tray counts). */
  critical: z.number().int().nonnegative(),
  /** Pending, no-data and recently resolved alerts. */
  other: z.array(Alert).default([])
})
export type AlertsSummary = z.infer<typeof AlertsSummary>

/** One profile in the workspace: whether it is watched or pinned, its worst target state and its firing alerts. */
export const WorkspaceProfile = z.object({
  profile: ProfileName,
  environment: Environment,
  /** Pinned profiles are watched from start-up and keep polling while another one is open. */
  pinned: z.boolean(),
  watched: z.boolean(),
  /** The worst state of its targets (down > degraded > pending > up); null when not watched. */
  health: TargetHealth.nullable(),
  targets: z.object({ up: z.number().int(), degraded: z.number().int(), down: z.number().int(), pending: z.number().int() }),
  firing: z.number().int().nonnegative(),
  critical: z.number().int().nonnegative(),
  /** Why a pinned profile is not being watched (it could not start). */
  error: z.string().nullable()
})
export type WorkspaceProfile = z.infer<typeof WorkspaceProfile>

export const WorkspaceStatus = z.object({ profiles: z.array(WorkspaceProfile) })
export type WorkspaceStatus = z.infer<typeof WorkspaceStatus>

export const MonitorSnapshot = z.object({
  profile: ProfileName,
  targets: z.array(TargetState),
  series: z.array(SeriesInfo.extend({ seq: z.number().int(), t: z.array(z.number()), v: z.array(z.number().nullable()) }))
})
export type MonitorSnapshot = z.infer<typeof MonitorSnapshot>

export const AuditEntryView = z.object({
  time: z.string(),
  profile: z.string(),
  environment: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  error: z.string().optional()
})

/** One finding as `checks.run` reports it (and `lookout check` prints it), whatever checked it. */
export const CheckFinding = z.object({
  target: z.string(),
  check: z.string(),
  object: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  value: z.union([z.number(), z.string()]).nullable(),
  unit: z.string(),
  threshold: z.union([z.number(), z.string()]).nullable(),
  message: z.string(),
  fixSql: z.string().nullable()
})
export type CheckFinding = z.infer<typeof CheckFinding>
