import { z } from 'zod'

/** Environments order how careful Lookout is: `prod` gets the strictest guardrails. */
export const Environment = z.enum(['dev', 'staging', 'prod'])
export type Environment = z.infer<typeof Environment>

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
  readOnly: z.boolean().default(false),
  postgres: PostgresUrl.optional(),
  redis: RedisUrl.optional(),
  /** PEM file of the CA that signed a rediss:// server's certificate, when not a system CA. */
  redisCaFile: z.string().min(1).max(4096).optional(),
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
  pollIntervalMs: z.number().int().min(250).max(3_600_000).default(2000),
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
    alertmanager: z.boolean()
  })
})
export type ProfileSummary = z.infer<typeof ProfileSummary>

/**
 * A profile as entered by a user: URLs may include a password, which the core moves to the
 * secret store before anything is written to disk.
 */
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
 * New points of one series since `fromSeq`. Timestamps are Unix milliseconds. `seq` is the
 * sequence number of the last point, so a client can tell when it missed a delta and must
 * ask for a snapshot.
 */
export const SeriesDelta = z.object({
  profile: ProfileName,
  seriesId: z.string(),
  fromSeq: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  t: z.array(z.number()),
  v: z.array(z.number().nullable())
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
  since: z.number()
})
export type Alert = z.infer<typeof Alert>

export const AlertsSummary = z.object({
  firing: z.array(Alert),
  critical: z.number().int().nonnegative()
})
export type AlertsSummary = z.infer<typeof AlertsSummary>

export const MonitorSnapshot = z.object({
  profile: ProfileName,
  targets: z.array(TargetState),
  series: z.array(SeriesInfo.extend({ seq: z.number().int(), t: z.array(z.number()), v: z.array(z.number().nullable()) }))
})
export type MonitorSnapshot = z.infer<typeof MonitorSnapshot>

/** One series of a /metrics endpoint's last scrape, as the metrics explorer lists it. */
export const ExploredSeries = z.object({
  key: z.string(),
  family: z.string(),
  type: z.string(),
  value: z.number().nullable(),
  /** Per-second rate since the previous scrape, for counters. */
  rate: z.number().nullable(),
  /** For histogram groups: the quantile `value` is. */
  quantile: z.number().nullable()
})
export type ExploredSeries = z.infer<typeof ExploredSeries>

export const SavedQuery = z.object({
  name: z.string().min(1).max(100),
  expr: z.string().min(1).max(20_000)
})
export type SavedQuery = z.infer<typeof SavedQuery>

/** A PromQL range query's answer, aligned for charting: one shared time axis, null where a series has no point. */
export const RangeAnswer = z.object({
  stepS: z.number(),
  t: z.array(z.number()),
  series: z.array(z.object({ metric: z.record(z.string(), z.string()), v: z.array(z.number().nullable()) })),
  warnings: z.array(z.string()),
  infos: z.array(z.string())
})
export type RangeAnswer = z.infer<typeof RangeAnswer>

export const InstantAnswer = z.object({
  resultType: z.string(),
  series: z.array(z.object({ metric: z.record(z.string(), z.string()), t: z.number(), value: z.number().nullable() })),
  /** For scalar and string results. */
  scalar: z.string().nullable(),
  warnings: z.array(z.string()),
  infos: z.array(z.string())
})
export type InstantAnswer = z.infer<typeof InstantAnswer>

export const SilenceMatcher = z.object({
  name: z.string().min(1).max(200),
  value: z.string().max(1000),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true)
})

export const SilenceView = z.object({
  id: z.string(),
  state: z.enum(['active', 'pending', 'expired']),
  matchers: z.array(SilenceMatcher),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string()
})
export type SilenceView = z.infer<typeof SilenceView>

export const AmAlertView = z.object({
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  summary: z.string(),
  state: z.string(),
  silencedBy: z.array(z.string()),
  startsAt: z.string()
})
export type AmAlertView = z.infer<typeof AmAlertView>

export const AuditEntryView = z.object({
  time: z.string(),
  profile: z.string(),
  environment: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'refused', 'failed']),
  error: z.string().optional()
})

export const CacheDryRun = z.object({
  sampled: z.number().int(),
  matched: z.number().int(),
  dbsize: z.number().int(),
  estimatedTotal: z.number().int(),
  complete: z.boolean(),
  examples: z.array(z.string())
})
export type CacheDryRun = z.infer<typeof CacheDryRun>

export const JobProgress = z.object({
  jobId: z.string(),
  profile: ProfileName,
  /** Pattern invalidation, or setting or clearing the TTL of the keys a pattern matches. */
  kind: z.enum(['cache.invalidate', 'cache.ttl']),
  pattern: z.string(),
  scanCalls: z.number().int(),
  matched: z.number().int(),
  /** Keys acted on: deleted by an invalidation, TTL changed by a TTL job. Exact. */
  deleted: z.number().int(),
  elapsedMs: z.number(),
  ratePerS: z.number(),
  etaS: z.number().nullable(),
  throttled: z.number().int(),
  worstPingMs: z.number(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  error: z.string().nullable(),
  uncertain: z.number().int()
})
export type JobProgress = z.infer<typeof JobProgress>

export const RedisDetails = z.object({
  findings: z.array(
    z.object({
      check: z.string(),
      severity: AlertSeverity,
      value: z.union([z.number(), z.string()]),
      threshold: z.union([z.number(), z.string()]),
      message: z.string()
    })
  ),
  /** Newest first; in a cluster from every node, each entry naming its node ("host:port"). */
  slowlog: z.array(
    z.object({
      id: z.number(),
      at: z.number(),
      durationUs: z.number(),
      command: z.string(),
      client: z.string(),
      node: z.string().optional()
    })
  ),
  commands: z.array(z.object({ command: z.string(), calls: z.number(), usec: z.number(), usecPerCall: z.number() })),
  percentiles: z.array(
    z.object({ command: z.string(), p50: z.number().nullable(), p99: z.number().nullable(), p999: z.number().nullable() })
  ),
  /** LATENCY LATEST: event, when, latest and worst spike in ms. */
  spikes: z.array(z.object({ event: z.string(), at: z.number(), latestMs: z.number(), maxMs: z.number(), node: z.string().optional() })),
  /** Role, RSS, fragmentation, clients, persistence, the last fork, keys per database (a cluster's: summed). */
  overview: z.array(Figure).default([]),
  /** A cluster's primaries, each with its own figures; empty on a standalone server. */
  nodes: z
    .array(
      z.object({
        name: z.string(),
        opsPerSec: z.number().nullable(),
        usedMemory: z.number().nullable(),
        keys: z.number().nullable(),
        slots: z.string()
      })
    )
    .default([])
})
export type RedisDetails = z.infer<typeof RedisDetails>

export const KeyInspection = z.object({
  key: z.string(),
  exists: z.boolean(),
  type: z.string(),
  ttlMs: z.number().nullable(),
  encoding: z.string().nullable(),
  memoryBytes: z.number().nullable(),
  length: z.number().nullable(),
  preview: z.array(z.string()),
  truncated: z.boolean()
})

const BigKeySchema = z.object({ key: z.string(), type: z.string(), bytes: z.number(), length: z.number() })
export const KeyspaceAnalysis = z.object({
  /** The server the sample was read from: the profile's replica when it has one. */
  readFrom: z.string().default(''),
  sampled: z.number().int(),
  dbsize: z.number().int(),
  complete: z.boolean(),
  prefixes: z.array(z.object({ prefix: z.string(), keys: z.number().int(), bytes: z.number(), withoutTtl: z.number().int() })),
  ttl: z.record(z.string(), z.number().int()),
  biggestByMemory: z.array(BigKeySchema),
  biggestByLength: z.array(BigKeySchema),
  recommendations: z.array(z.string())
})
export type KeyspaceAnalysis = z.infer<typeof KeyspaceAnalysis>
