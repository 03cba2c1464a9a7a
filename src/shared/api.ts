import { z } from 'zod'
import { ExplainResult, PlanComparison, PlanHistoryEntry } from './explain'
import { ActivityAnswer, PostgresDetails, RelationCache, StatementSort, StatementsAnswer, StatementWindow } from './postgres'
import {
  Alert,
  AlertsSummary,
  AuditEntryView,
  CheckFinding,
  ConnectionTest,
  Environment,
  ImportPlan,
  ImportSource,
  MonitorSnapshot,
  ProfileInput,
  ProfileName,
  ProfilesFileStatus,
  ProfileSummary,
  SeriesDelta,
  SeriesInfo,
  TargetState,
  WorkspaceStatus
} from './schemas'
import { AmAlertView, SilenceMatcher, SilenceView } from './alertmanager'
import {
  AlertHistoryEntry,
  AlertNotification,
  AlertRule,
  EffectiveRule,
  LabelMatcher,
  LocalSilence,
  NotificationPolicy,
  RuleFileCheck,
  RuleName,
  RulePreview,
  RuleTestResult
} from './alert-rules'
import { CacheDryRun, JobProgress, KeyInspection, KeyspaceAnalysis, RedisDetails, WarmResult } from './redis'
import { ExploredPage, InstantAnswer, RangeAnswer, SavedQuery } from './prometheus'
import { HistoryInfo, HistoryRetention, SeriesRange, TimelineEvent, TimelineQuery, TimeRange } from './history'
import { ReportProgress, ReportRequest, ReportResult } from './reports'

/** Errors cross boundaries as data: a code a program can branch on, a message a person can read. */
/** `busy`: a cap on concurrent work was reached; nothing was queued, try again when the running work ends. */
export const ApiErrorCode = z.enum(['bad_request', 'unknown_method', 'not_found', 'conflict', 'refused', 'busy', 'unavailable', 'internal'])
export type ApiErrorCode = z.infer<typeof ApiErrorCode>
/**
 * Why exactly a request was refused, for a client to act on (offer the confirmation field, say the
 * profile is read-only) without reading the message. The message stays for people.
 */
export const ApiErrorReason = z.enum([
  'read_only',
  'confirmation_required',
  'writes_need_confirmation',
  'analyze_not_allowed',
  'side_effects',
  'flush_not_allowed',
  'busy'
])
export type ApiErrorReason = z.infer<typeof ApiErrorReason>

export const ApiErrorShape = z.object({ code: ApiErrorCode, message: z.string(), reason: ApiErrorReason.optional() })

export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly reason?: ApiErrorReason
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

/** The error as it crosses a boundary: code, message, and the reason when there is one. */
export function errorShape(err: ApiError): z.infer<typeof ApiErrorShape> {
  return err.reason ? { code: err.code, message: err.message, reason: err.reason } : { code: err.code, message: err.message }
}

/**
 * A SCAN MATCH pattern for a job that touches every key it matches. One that is only wildcards
 * (every key) is refused with `everyKey`, unless it has a character class.
 */
function keyPattern(everyKey: string) {
  return z
    .string()
    .min(1)
    .max(1000)
    .refine((p) => p.replace(/\\./g, 'x').replace(/[*?]/g, '') !== '' || p.includes('['), { message: everyKey })
}

/**
 * How the core guards and audits a mutating request. Declared here beside the request, applied
 * by the dispatcher for every transport (IPC, WebSocket, the CLI), so no handler can forget it.
 */
export interface MutationSpec {
  /** The action's name in the audit log (from the params when it depends on them). */
  action: string | ((params: Record<string, unknown>) => string)
  /** What it acts on, from the params (a key, a pattern, a pid, a silence id); the handler may name it more exactly. Never a secret. */
  target: (params: Record<string, unknown>) => string
  /**
   * 'always': the dispatcher checks the confirmation before the handler runs (`confirm`, or the
   * profile's name on prod). 'when-needed': the handler asks for it (ctx.requireConfirmation)
   * only for what needs it: EXPLAIN ANALYZE, a profile edit that changes a guarded field.
   */
  confirm: 'always' | 'when-needed'
  /** A read-only profile refuses every mutation of its targets; editing the profile itself is allowed (with confirmation). */
  onReadOnly: 'refuse' | 'allow'
  /** The profile it acts on, from the raw params: `profile` unless said otherwise. */
  profileOf?: (raw: Record<string, unknown>) => unknown
  /** false: the profile need not exist yet (saving a new one). */
  profileMustExist?: boolean
}

const mutation = (spec: MutationSpec): MutationSpec => spec

/** A silence's matchers as Alertmanager writes them: `name="value",other!~"re"`. */
export function silenceTarget(matchers: { name: string; value: string; isRegex?: boolean; isEqual?: boolean }[]): string {
  return matchers.map((m) => `${m.name}${m.isEqual === false ? '!' : ''}${m.isRegex ? '=~' : '='}"${m.value}"`).join(',')
}

/** The mutation spec of a request, or null for a read. */
export function mutationOf(name: RequestName): MutationSpec | null {
  return (requests[name] as { mutation?: MutationSpec }).mutation ?? null
}

/** The audit name of a mutating request's action, from its params (raw ones when they did not validate). */
export function actionName(spec: MutationSpec, params: unknown): string {
  if (typeof spec.action === 'string') return spec.action
  try {
    return spec.action((params ?? {}) as Record<string, unknown>)
  } catch {
    return 'unknown action'
  }
}

/** Where an import reads from: `text` is the exported file's content, `urls` the URLs to import. */
const ImportParams = z.object({
  from: ImportSource,
  environment: Environment.optional(),
  text: z.string().max(4_000_000).optional(),
  urls: z.array(z.string().max(4096)).max(200).optional()
})

/**
 * The one declaration of Lookout's API. Every request (name -> params -> result) and every
 * event stream (name -> payload) is declared here once; the main-process dispatcher, the
 * preload bridge, the WebSocket server and the renderer client are all derived from it.
 * Whatever crosses a process boundary is checked against these schemas on arrival.
 */
export const requests = {
  'app.info': {
    params: z.object({}),
    result: z.object({
      name: z.literal('Lookout'),
      version: z.string(),
      transport: z.enum(['ipc', 'websocket']),
      platform: z.string(),
      /** Whether passwords survive a restart, and why not when they do not. */
      secretStorage: z.object({ persistent: z.boolean(), warning: z.string().nullable() })
    })
  },
  'profiles.list': {
    params: z.object({}),
    result: z.array(ProfileSummary)
  },
  'profiles.save': {
    mutation: mutation({
      action: 'save profile',
      target: (p) => String((p.profile as { name?: unknown } | undefined)?.name),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: (raw) => (raw.profile as { name?: unknown } | undefined)?.name,
      profileMustExist: false
    }),
    params: z.object({
      profile: ProfileInput,
      replace: z.boolean().default(false),
      /**
       * A duplicate: the secrets of this profile are copied for every endpoint the new one names
       * alike (same host, port and user), in the core; the renderer never holds them. Copying a prod
       * profile's secrets needs that profile's confirmation.
       */
      copySecretsFrom: ProfileName.optional(),
      confirmation: z.string().max(100).optional()
    }),
    result: ProfileSummary
  },
  'profiles.delete': {
    mutation: mutation({
      action: 'delete profile',
      target: (p) => String(p.name),
      confirm: 'always',
      onReadOnly: 'allow',
      profileOf: (raw) => raw.name
    }),
    params: z.object({ name: ProfileName, confirmation: z.string().max(100).optional() }),
    result: z.object({ deleted: z.boolean() })
  },
  /** Profiles as a file to share with a team: profiles.json's shape, no secret in it (the store never holds one). */
  'profiles.export': {
    params: z.object({ names: z.array(ProfileName).max(1000).optional() }),
    result: z.object({ text: z.string(), count: z.number().int() })
  },
  /** Whether profiles.json reads; when it does not, the problem (line, column, field) and the backup on offer. */
  'profiles.fileStatus': {
    params: z.object({}),
    result: ProfilesFileStatus
  },
  /** Replaces profiles.json with its backup; the file replaced is kept aside under a dated name. */
  'profiles.restoreBackup': {
    mutation: mutation({
      action: 'restore profiles backup',
      target: () => 'profiles.json',
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: () => undefined,
      profileMustExist: false
    }),
    params: z.object({ confirmation: z.string().max(100).optional() }),
    result: z.object({ restored: z.number().int(), keptAside: z.string().nullable() })
  },
  /** What importing profiles from libpq's files or PG* variables would do, before anything is done. */
  'profiles.importPlan': {
    params: ImportParams,
    result: ImportPlan
  },
  /**
   * Creates the profiles a plan would create and gives new passwords to those it would update;
   * `names` limits it to some. Never makes a guarded change (those are skipped in the plan).
   */
  'profiles.import': {
    mutation: mutation({
      action: 'import profiles',
      target: (p) => String(p.from),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: () => undefined,
      profileMustExist: false
    }),
    params: ImportParams.extend({
      names: z.array(ProfileName).max(1000).optional(),
      confirmation: z.string().max(100).optional()
    }),
    result: z.object({ created: z.array(ProfileName), updated: z.array(ProfileName), plan: ImportPlan })
  },
  /** Each Postgres and Redis target of a profile reached step by step (DNS, TCP, TLS, authentication, version, privileges), each timed; a failure names its step. */
  'profiles.testConnection': {
    params: z.object({ profile: ProfileName, target: z.enum(['postgres', 'redis', 'prometheus', 'alertmanager']).optional() }),
    result: z.array(ConnectionTest)
  },
  'monitor.start': {
    params: z.object({ profile: ProfileName }),
    result: MonitorSnapshot
  },
  'monitor.stop': {
    params: z.object({ profile: ProfileName }),
    result: z.object({ stopped: z.boolean() })
  },
  /** A watched profile's targets and series; `points`: the newest points of each series, what the caller's charts show. */
  'monitor.snapshot': {
    params: z.object({ profile: ProfileName, points: z.number().int().min(1).max(100_000).optional() }),
    result: MonitorSnapshot
  },
  'metrics.series': {
    params: z.object({
      profile: ProfileName,
      targetId: z.string().max(100),
      search: z.string().max(200).default(''),
      limit: z.number().int().min(1).max(2000).default(200)
    }),
    result: ExploredPage
  },
  'metrics.watch': {
    params: z.object({
      profile: ProfileName,
      targetId: z.string().max(100),
      key: z.string().min(1).max(4096),
      quantile: z.number().gt(0).lt(1).nullable().default(null)
    }),
    result: SeriesInfo
  },
  'metrics.unwatch': {
    params: z.object({ profile: ProfileName, seriesId: z.string().max(5000) }),
    result: z.object({ removed: z.boolean() })
  },
  'prom.query': {
    params: z.object({ profile: ProfileName, expr: z.string().min(1).max(20_000), timeS: z.number().optional() }),
    result: InstantAnswer
  },
  'prom.queryRange': {
    params: z
      .object({
        profile: ProfileName,
        expr: z.string().min(1).max(20_000),
        startS: z.number(),
        endS: z.number(),
        /** The chart's width: one point per pixel at most. */
        widthPx: z.number().int().min(10).max(20_000)
      })
      .refine((p) => p.endS > p.startS, { message: 'the range must end after it starts' }),
    result: RangeAnswer
  },
  'prom.savedQueries': {
    params: z.object({ profile: ProfileName }),
    result: z.array(SavedQuery)
  },
  'prom.saveQuery': {
    params: z.object({ profile: ProfileName, query: SavedQuery }),
    result: z.array(SavedQuery)
  },
  'prom.deleteQuery': {
    params: z.object({ profile: ProfileName, name: z.string().min(1).max(100) }),
    result: z.array(SavedQuery)
  },
  'alertmanager.alerts': {
    params: z.object({ profile: ProfileName }),
    result: z.array(AmAlertView)
  },
  'alertmanager.silences': {
    params: z.object({ profile: ProfileName }),
    result: z.array(SilenceView)
  },
  /** Mutating: refused on read-only profiles, needs `confirmation` (the profile's name on prod), audited. */
  'alertmanager.createSilence': {
    mutation: mutation({
      action: 'create silence',
      target: (p) => `{${silenceTarget(p.matchers as Parameters<typeof silenceTarget>[0])}}`,
      confirm: 'always',
      onReadOnly: 'refuse'
    }),
    params: z.object({
      profile: ProfileName,
      matchers: z.array(SilenceMatcher).min(1).max(20),
      durationMinutes: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 60),
      comment: z.string().trim().min(3, 'say why you silence it').max(1000),
      confirmation: z.string().max(100).optional()
    }),
    result: z.object({ silenceId: z.string() })
  },
  'alertmanager.expireSilence': {
    mutation: mutation({ action: 'expire silence', target: (p) => String(p.silenceId), confirm: 'always', onReadOnly: 'refuse' }),
    params: z.object({ profile: ProfileName, silenceId: z.string().min(1).max(100), confirmation: z.string().max(100).optional() }),
    result: z.object({ expired: z.literal(true) })
  },
  'postgres.details': {
    params: z.object({ profile: ProfileName }),
    result: PostgresDetails
  },
  /** pg_stat_statements deltas over a window, filtered and sorted in the core. */
  'postgres.statements': {
    params: z.object({
      profile: ProfileName,
      window: StatementWindow.default('5m'),
      sort: StatementSort.default('total'),
      search: z.string().max(500).default(''),
      user: z.string().max(200).nullable().default(null),
      database: z.string().max(200).nullable().default(null),
      limit: z.number().int().min(1).max(1000).default(100),
      /** An absolute range instead of the window: answered from the history store. */
      range: TimeRange.optional()
    }),
    result: StatementsAnswer
  },
  'postgres.activity': {
    params: z.object({ profile: ProfileName }),
    result: ActivityAnswer
  },
  /**
   * Re-runs the medium and slow tiers now, as a job: its end (job.done) carries when they ran.
   * The tiers read the catalog under their statement timeouts; a cancel stops the waiting, and
   * the tiers in flight finish on their own.
   */
  'postgres.runChecks': {
    params: z.object({ profile: ProfileName, jobId: z.string().min(1).max(100).optional() }),
    result: z.object({ jobId: z.string() })
  },
  /** Cache hit per table and index since the statistics were reset: on demand, not polled. */
  'postgres.relationCache': {
    params: z.object({ profile: ProfileName, limit: z.number().int().min(1).max(500).default(30) }),
    result: z.array(RelationCache)
  },
  /** Mutating (guarded, audited): pg_cancel_backend or pg_terminate_backend on one session. */
  'postgres.signalBackend': {
    mutation: mutation({
      action: (p) => `${p.action === 'terminate' ? 'terminate' : 'cancel'} backend`,
      target: (p) => `pid ${String(p.pid)}`,
      confirm: 'always',
      onReadOnly: 'refuse'
    }),
    params: z.object({
      profile: ProfileName,
      pid: z.number().int().positive(),
      action: z.enum(['cancel', 'terminate']),
      confirmation: z.string().max(100).optional()
    }),
    result: z.object({ signalled: z.boolean() })
  },
  /**
   * EXPLAIN a statement on the profile's Postgres, in a transaction that is always rolled back.
   * With `analyze`, a statement the server finds writing needs `confirmation` and is refused on
   * read-only and prod profiles. Audited. The checks (policy, the plain plan, what the statement
   * calls) answer the request; the EXPLAIN itself is a job: its result comes in job.done, and
   * job.cancel cancels the statement on the server.
   */
  'explain.run': {
    mutation: mutation({
      action: (p) => (p.analyze ? 'explain analyze' : 'explain'),
      target: () => 'query',
      confirm: 'when-needed',
      onReadOnly: 'allow'
    }),
    params: z.object({
      profile: ProfileName,
      sql: z.string().trim().min(1, 'give a statement to explain').max(1_000_000),
      analyze: z.boolean().default(false),
      params: z.array(z.string().max(100_000)).max(100).nullable().default(null),
      confirmation: z.string().max(100).optional(),
      /** A caller-chosen id (so it can listen before it asks). */
      jobId: z.string().min(1).max(100).optional()
    }),
    result: z.object({ jobId: z.string() })
  },
  /** Plans run on a profile while Lookout runs, newest first; of one query when `historyId` names one of its plans. */
  'explain.history': {
    params: z.object({ profile: ProfileName, historyId: z.string().max(100).nullable().default(null) }),
    result: z.array(PlanHistoryEntry)
  },
  'explain.get': {
    params: z.object({ historyId: z.string().max(100) }),
    result: ExplainResult
  },
  /** Two plans of one query, node by node. */
  'explain.compare': {
    params: z.object({ before: z.string().max(100), after: z.string().max(100) }),
    result: PlanComparison
  },
  /** A plan pasted or loaded from a file (JSON or text), analysed without connecting. */
  'explain.paste': {
    params: z.object({ plan: z.string().min(1).max(50_000_000) }),
    result: ExplainResult
  },
  'cache.details': {
    params: z.object({ profile: ProfileName }),
    result: RedisDetails
  },
  'cache.inspect': {
    params: z.object({ profile: ProfileName, key: z.string().min(1).max(4096) }),
    result: KeyInspection
  },
  /** Mutating (guarded, audited): UNLINK one key. */
  'cache.deleteKey': {
    mutation: mutation({ action: 'delete key', target: (p) => String(p.key), confirm: 'always', onReadOnly: 'refuse' }),
    params: z.object({ profile: ProfileName, key: z.string().min(1).max(4096), confirmation: z.string().max(100).optional() }),
    result: z.object({ deleted: z.number().int() })
  },
  /** Mutating (guarded, audited): a TTL in seconds, or null to make the key persistent. */
  'cache.setTtl': {
    mutation: mutation({
      action: (p) => (p.ttlSeconds === null ? 'clear TTL' : 'set TTL'),
      target: (p) => String(p.key),
      confirm: 'always',
      onReadOnly: 'refuse'
    }),
    params: z.object({
      profile: ProfileName,
      key: z.string().min(1).max(4096),
      ttlSeconds: z
        .number()
        .int()
        .min(1)
        .max(10 * 365 * 86400)
        .nullable(),
      confirmation: z.string().max(100).optional()
    }),
    result: z.object({ applied: z.boolean() })
  },
  /** Mutating (guarded, audited): FLUSHDB ASYNC on the profile's database, only with allowFlush. */
  'cache.flush': {
    mutation: mutation({ action: 'flush database', target: () => 'database', confirm: 'always', onReadOnly: 'refuse' }),
    params: z.object({ profile: ProfileName, confirmation: z.string().max(100).optional() }),
    result: z.object({ flushed: z.literal(true), keysBefore: z.number().int() })
  },
  /** Reads only: a sample of at most `sampleKeys` keys (SCAN, never KEYS). */
  'cache.analyse': {
    params: z.object({
      profile: ProfileName,
      delimiter: z.string().min(1).max(4).default(':'),
      sampleKeys: z.number().int().min(100).max(200_000).default(20_000),
      /** A caller-chosen id (so it can listen before it asks): progress comes as keyspace.progress, the end as job.done. */
      jobId: z.string().min(1).max(100).optional()
    }),
    /** A job: the analysis comes in its job.done event; job.cancel stops it. */
    result: z.object({ jobId: z.string() })
  },
  /**
   * Mutating (guarded, audited): loads redis-cli inline commands (writes of data and TTLs only) or
   * JSON lines into the cache in pipelined batches; every line is checked before anything is sent.
   */
  'cache.warm': {
    mutation: mutation({
      action: 'warm cache',
      target: (p) => `${String(p.text).split('\n').length} lines`,
      confirm: 'always',
      onReadOnly: 'refuse'
    }),
    params: z.object({
      profile: ProfileName,
      text: z.string().min(1).max(50_000_000),
      format: z.enum(['commands', 'jsonl']).default('commands'),
      /** A caller-chosen id (so it can listen before it asks): progress comes as warm.progress, the end as job.done. */
      jobId: z.string().min(1).max(100).optional(),
      confirmation: z.string().max(100).optional()
    }),
    /** A job: its counts come in its job.done event (and its end is audited); job.cancel stops it between batches. */
    result: z.object({ jobId: z.string() })
  },
  'cache.dryRun': {
    params: z.object({ profile: ProfileName, pattern: z.string().min(1).max(1000) }),
    result: CacheDryRun
  },
  /** Mutating: refused on read-only profiles, needs `confirmation`, audited with its counts when it ends. */
  'cache.invalidate': {
    mutation: mutation({ action: 'invalidate keys', target: (p) => String(p.pattern), confirm: 'always', onReadOnly: 'refuse' }),
    params: z.object({
      profile: ProfileName,
      pattern: keyPattern('a pattern of only wildcards would delete every key; flush the database instead'),
      estimatedTotal: z.number().int().nonnegative().optional(),
      confirmation: z.string().max(100).optional(),
      /** A caller-chosen id (so it can listen before it asks): progress comes as job.progress, the end as job.done. */
      jobId: z.string().min(1).max(100).optional()
    }),
    result: z.object({ jobId: z.string() })
  },
  /**
   * Mutating, guarded and audited like invalidation: sets (ttlSeconds) or clears (null) the TTL of
   * every key the pattern matches, as a job with the same progress, throttling and cancel.
   */
  'cache.ttlPattern': {
    mutation: mutation({
      action: (p) => (p.ttlSeconds === null ? 'clear TTL by pattern' : 'set TTL by pattern'),
      target: (p) => String(p.pattern),
      confirm: 'always',
      onReadOnly: 'refuse'
    }),
    params: z.object({
      profile: ProfileName,
      pattern: keyPattern('a pattern of only wildcards would change the TTL of every key; name the keys'),
      ttlSeconds: z
        .number()
        .int()
        .min(1)
        .max(10 * 365 * 86400)
        .nullable(),
      estimatedTotal: z.number().int().nonnegative().optional(),
      confirmation: z.string().max(100).optional(),
      /** A caller-chosen id (so it can listen before it asks): progress comes as job.progress, the end as job.done. */
      jobId: z.string().min(1).max(100).optional()
    }),
    result: z.object({ jobId: z.string() })
  },
  /**
   * Every Postgres and Redis check of a profile, once, without watching it: the findings, notes on
   * the checks that could not run (with what would enable them), and the targets that could not
   * be checked. What `lookout check` runs.
   */
  'checks.run': {
    params: z.object({ profile: ProfileName }),
    result: z.object({ findings: z.array(CheckFinding), notes: z.array(z.string()), failures: z.array(z.string()) })
  },
  'job.cancel': {
    params: z.object({ jobId: z.string().max(100) }),
    result: z.object({ cancelling: z.boolean() })
  },
  /** The newest audit entries, newest first, optionally only those of one profile, action or outcome. */
  'audit.recent': {
    params: z.object({
      limit: z.number().int().min(1).max(10_000).default(100),
      profile: z.string().max(100).optional(),
      action: z.string().max(200).optional(),
      outcome: z.enum(['ok', 'refused', 'failed']).optional()
    }),
    result: z.array(AuditEntryView)
  },
  'alerts.summary': {
    params: z.object({}),
    result: AlertsSummary
  },
  /** A profile's effective rules (built-in, the pack's, its own), each with where it comes from and whether it exports. */
  'alerts.rules': {
    params: z.object({ profile: ProfileName }),
    result: z.object({ rules: z.array(EffectiveRule), policy: NotificationPolicy, problem: z.string().nullable() })
  },
  /**
   * Saves a rule for one profile (over the pack's and built-in rule of that name), or for the pack
   * (every profile) without `profile`. Watched profiles pick it up at once. Turning a rule off on a
   * production profile needs its confirmation.
   */
  'alerts.saveRule': {
    mutation: mutation({
      action: 'save alert rule',
      target: (p) => String((p.rule as { name?: unknown } | undefined)?.name),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      // A pack rule names no profile; a profile that does not exist is the handler's not_found.
      profileMustExist: false
    }),
    params: z.object({ profile: ProfileName.optional(), rule: AlertRule, confirmation: z.string().max(100).optional() }),
    result: z.object({ rules: z.array(EffectiveRule) })
  },
  /** Deletes a profile's rule (the pack's or built-in one of that name applies again), or a pack rule without `profile`. */
  'alerts.deleteRule': {
    mutation: mutation({
      action: 'delete alert rule',
      target: (p) => String(p.name),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileMustExist: false
    }),
    params: z.object({ profile: ProfileName.optional(), name: RuleName, confirmation: z.string().max(100).optional() }),
    result: z.object({ deleted: z.boolean() })
  },
  /**
   * Would this rule have fired over the data held now, and when: the rule replayed over the
   * watched profile's series (or, for PromQL, a range query on its Prometheus server).
   */
  'alerts.preview': {
    params: z.object({ profile: ProfileName, rule: AlertRule }),
    result: RulePreview
  },
  /** Acknowledge an alert (until it resolves), snooze it for a while, or unmute it. Local: nothing is sent anywhere. */
  'alerts.mute': {
    mutation: mutation({
      action: (p) => `${String(p.how)} alert`,
      target: (p) => String(p.id),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: (raw) => (typeof raw.id === 'string' ? raw.id.split('/')[0] : undefined)
    }),
    params: z.object({
      id: z.string().min(1).max(2000),
      how: z.enum(['ack', 'snooze', 'unmute']),
      /** For a snooze: how long. */
      forS: z
        .number()
        .int()
        .min(60)
        .max(7 * 86_400)
        .optional()
    }),
    result: Alert
  },
  /** The local silences, active and recently ended. */
  'alerts.silences': {
    params: z.object({}),
    result: z.array(LocalSilence)
  },
  /** Which current alerts these matchers would silence. */
  'alerts.previewSilence': {
    params: z.object({ matchers: z.array(LabelMatcher).min(1).max(20) }),
    result: z.array(Alert)
  },
  /** A local silence: matching alerts are shown as silenced and do not notify until it ends. */
  'alerts.createSilence': {
    mutation: mutation({
      action: 'silence alerts',
      target: (p) =>
        Array.isArray(p.matchers) ? (p.matchers as LabelMatcher[]).map((m) => `${m.name}${m.op ?? '='}"${m.value}"`).join(',') : '?',
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: () => undefined,
      profileMustExist: false
    }),
    params: z.object({
      matchers: z.array(LabelMatcher).min(1).max(20),
      durationS: z
        .number()
        .int()
        .min(60)
        .max(30 * 86_400),
      comment: z.string().min(1).max(1000)
    }),
    result: LocalSilence
  },
  'alerts.expireSilence': {
    mutation: mutation({
      action: 'expire silence',
      target: (p) => String(p.id),
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: () => undefined,
      profileMustExist: false
    }),
    params: z.object({ id: z.string().min(1).max(100) }),
    result: z.object({ expired: z.boolean() })
  },
  /** Alert transitions (pending, firing, resolved...) newest first, kept across restarts. */
  'alerts.history': {
    params: z.object({ profile: ProfileName.optional(), limit: z.number().int().min(1).max(10_000).default(200) }),
    result: z.array(AlertHistoryEntry)
  },
  /** The notification policy: grouping, group wait, repeat interval, warnings, forwarding. */
  'alerts.setPolicy': {
    params: z.object({ policy: NotificationPolicy }),
    result: NotificationPolicy
  },
  /** The profile's rules that PromQL can express, as a Prometheus rule file; the others with the reason. */
  'alerts.exportRules': {
    params: z.object({ profile: ProfileName }),
    result: z.object({
      text: z.string(),
      exported: z.array(z.string()),
      skipped: z.array(z.object({ name: z.string(), reason: z.string() }))
    })
  },
  /** Checks a Prometheus rule file as Lookout reads it: every problem with its line and column. */
  'alerts.checkRules': {
    params: z.object({ text: z.string().max(4_000_000) }),
    result: RuleFileCheck
  },
  /** Imports a rule file's alerting rules into a profile, evaluated on its Prometheus server. Nothing is imported if any rule has a problem. */
  'alerts.importRules': {
    mutation: mutation({ action: 'import alert rules', target: () => 'rule file', confirm: 'when-needed', onReadOnly: 'allow' }),
    params: z.object({ profile: ProfileName, text: z.string().max(4_000_000), confirmation: z.string().max(100).optional() }),
    result: RuleFileCheck
  },
  /** Evaluates a profile's rules once, now, ignoring `for`: what would fire, with each value (lookout rules test). */
  'alerts.testRules': {
    params: z.object({ profile: ProfileName, timeoutMs: z.number().int().min(1000).max(120_000).default(20_000) }),
    result: z.array(RuleTestResult)
  },
  /** Every watched or pinned profile: its worst target state and its firing alerts, for the sidebar. */
  'workspace.status': {
    params: z.object({}),
    result: WorkspaceStatus
  },
  /**
   * Pins a profile (it is watched from now on, and from start-up) or unpins it (it keeps being
   * watched until it is stopped). A preference of this desktop: it acts on no server.
   */
  'workspace.pin': {
    params: z.object({ profile: ProfileName, pinned: z.boolean() }),
    result: WorkspaceStatus
  },
  /** Where the history is, how big, its retention, what each profile has in it. */
  'history.info': {
    params: z.object({}),
    result: HistoryInfo
  },
  /** Series over any range held, downsampled to at most `points` per series (the tier chosen by the range). */
  'history.series': {
    params: z.object({
      profile: ProfileName,
      series: z
        .array(z.object({ targetId: z.string().min(1).max(200), seriesId: z.string().min(1).max(500) }))
        .min(1)
        .max(50),
      range: TimeRange,
      points: z.number().int().min(10).max(5000).default(1000)
    }),
    result: z.object({ series: z.array(SeriesRange) })
  },
  /** The incident timeline: alerts, findings, actions, statements and targets on one axis, filtered; the newest `limit`, oldest first (`truncated`: older ones left out). */
  'history.timeline': {
    params: TimelineQuery,
    result: z.object({ events: z.array(TimelineEvent), truncated: z.boolean() })
  },
  /** Deletes history (of one profile or all, older than an age or all of it), then gives the space back. */
  'history.prune': {
    mutation: mutation({
      action: 'prune history',
      target: (p) =>
        `${p.profile ? `profile ${String(p.profile)}` : 'every profile'}${typeof p.olderThanMs === 'number' ? `, older than ${Math.round(p.olderThanMs / 3_600_000)} h` : ', all of it'}`,
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileMustExist: false
    }),
    params: z.object({
      profile: ProfileName.nullable().default(null),
      olderThanMs: z.number().int().min(0).nullable().default(null),
      confirmation: z.string().max(100).optional()
    }),
    result: z.object({ deleted: z.number().int(), bytesBefore: z.number().int(), bytesAfter: z.number().int() })
  },
  /** How long each tier keeps its points; shortening one deletes history at the next maintenance and needs "confirm". */
  'history.setRetention': {
    mutation: mutation({
      action: 'set history retention',
      target: () => 'history',
      confirm: 'when-needed',
      onReadOnly: 'allow',
      profileOf: () => undefined,
      profileMustExist: false
    }),
    params: z.object({ retention: HistoryRetention, confirmation: z.string().max(100).optional() }),
    result: HistoryRetention
  },
  /**
   * A self-contained HTML performance report of a profile over a window (and, with `compareTo`,
   * against another), from the history store and the profile's Prometheus server. A job: progress
   * comes as report.progress, the file in its job.done; job.cancel stops it between steps.
   */
  'reports.create': {
    params: ReportRequest,
    result: z.object({ jobId: z.string() })
  }
} as const

export const KeyspaceProgress = z.object({ jobId: z.string(), sampled: z.number().int(), sampleKeys: z.number().int() })

export const WarmProgressEvent = z.object({
  jobId: z.string(),
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  etaS: z.number().nullable()
})

const jobEnd = <K extends string, R extends z.ZodTypeAny>(kind: K, result: R) =>
  z.object({ jobId: z.string(), profile: ProfileName, kind: z.literal(kind), result: result.nullable(), error: ApiErrorShape.nullable() })

/**
 * The one end of every job: its result, or the error that stopped it. Long requests return a job
 * id at once; this event carries what they would have returned.
 */
export const JobDone = z.union([
  jobEnd('cache.warm', WarmResult),
  jobEnd('cache.analyse', KeyspaceAnalysis),
  jobEnd('cache.invalidate', JobProgress),
  jobEnd('cache.ttl', JobProgress),
  jobEnd('explain.run', ExplainResult),
  jobEnd('postgres.runChecks', z.object({ ranAt: z.number() })),
  jobEnd('reports.create', ReportResult)
])
export type JobDone = z.infer<typeof JobDone>

export const events = {
  'job.done': JobDone,
  'keyspace.progress': KeyspaceProgress,
  'warm.progress': WarmProgressEvent,
  'job.progress': JobProgress,
  'report.progress': ReportProgress,
  'target.state': TargetState,
  'series.delta': SeriesDelta,
  'alerts.changed': AlertsSummary,
  /** A notification as the notifier port raised it: `serve` shows it in the browser. */
  'alerts.notification': AlertNotification,
  /** Sent when a profile's worst state, its firing count, or what is watched or pinned changes. */
  'workspace.changed': WorkspaceStatus
} as const

export type RequestName = keyof typeof requests
export type EventName = keyof typeof events
export type Params<N extends RequestName> = z.input<(typeof requests)[N]['params']>
export type ParsedParams<N extends RequestName> = z.output<(typeof requests)[N]['params']>
export type Result<N extends RequestName> = z.output<(typeof requests)[N]['result']>
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>

export const requestNames = Object.keys(requests) as RequestName[]

/** The requests that act on a profile's servers (those a read-only profile refuses): what `allowedActions` may name. */
export function targetActions(): RequestName[] {
  return requestNames.filter((n) => mutationOf(n)?.onReadOnly === 'refuse')
}

export function isRequestName(name: unknown): name is RequestName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(requests, name)
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name)
}

/**
 * What a handler of a mutating request may tell the dispatcher's guard and audit. Reads get the
 * same object and never need it.
 */
export interface RequestContext {
  /**
   * Refuses (and audits the refusal) unless the request carries the confirmation that the
   * profile's current environment demands. For 'when-needed' mutations: `what` says why.
   */
  requireConfirmation(what: string): void
  /**
   * The same for another profile than the request's (an import that changes existing profiles):
   * refuses unless the request's confirmation is what that profile's environment demands.
   */
  requireConfirmationFor(profile: { name: string; environment: string }, what: string): void
  /** Adds details to the request's audit line (never a secret, never a query's text). */
  audit(details: Record<string, unknown>): void
  /** Names what the request acted on more exactly than the declaration can (`query 1a2b…`, `host:6379 pid 42`). */
  setTarget(target: string): void
  /** Audits the request as failed although it returns a result (a warm-up that reports its own failure). */
  fail(error: string): void
}

/** The API as the core implements it: one async handler per request. */
export type ApiHandlers = {
  [N in RequestName]: (params: ParsedParams<N>, ctx: RequestContext) => Promise<Result<N>>
}

/** The API as a client calls it, whatever the transport. */
export interface ApiClient {
  call<N extends RequestName>(name: N, params: Params<N>): Promise<Result<N>>
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void
}

/** One line per problem, naming the field: `profile.redis: a Redis URL must be ...`. */
export function describeZodError(err: z.ZodError, root = ''): string {
  return err.issues
    .map((i) => {
      const path = [root, ...i.path.map(String)].filter(Boolean).join('.')
      return path ? `${path}: ${i.message}` : i.message
    })
    .join('; ')
}

export function parseParams<N extends RequestName>(name: N, raw: unknown): ParsedParams<N> {
  const parsed = requests[name].params.safeParse(raw ?? {})
  if (!parsed.success) throw new ApiError('bad_request', `${name}: ${describeZodError(parsed.error)}`)
  return parsed.data as ParsedParams<N>
}

export function parseResult<N extends RequestName>(name: N, raw: unknown): Result<N> {
  const parsed = requests[name].result.safeParse(raw)
  if (!parsed.success) throw new ApiError('internal', `${name} returned malformed data: ${describeZodError(parsed.error)}`)
  return parsed.data as Result<N>
}

export function parseEvent<E extends EventName>(name: E, raw: unknown): EventPayload<E> {
  const parsed = events[name].safeParse(raw)
  if (!parsed.success) throw new ApiError('internal', `event ${name} malformed: ${describeZodError(parsed.error)}`)
  return parsed.data as EventPayload<E>
}

/** Frames of the WebSocket transport (and the shape of IPC replies). */
export const ClientFrame = z.object({
  id: z.number().int().nonnegative(),
  method: z.string().max(100),
  params: z.unknown()
})
export type ClientFrame = z.infer<typeof ClientFrame>

/** Largest WebSocket frame a client may send; the server closes the socket (1009) past it. */
export const MAX_FRAME_BYTES = 1024 * 1024
/** Largest request a client may send in parts: room for a pasted plan of tens of thousands of nodes. */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024
/** Characters of a request per part: within MAX_FRAME_BYTES whatever the text (4 UTF-8 bytes per char at most, plus JSON escapes). */
export const PART_CHARS = 128 * 1024

/**
 * A request too large for one frame, sent as the parts of its JSON text in order. The server
 * assembles at most one such request per connection, within MAX_REQUEST_BYTES.
 */
export const RequestPart = z.object({
  id: z.number().int().nonnegative(),
  part: z.number().int().nonnegative(),
  parts: z
    .number()
    .int()
    .min(2)
    .max(Math.ceil(MAX_REQUEST_BYTES / PART_CHARS)),
  data: z.string().max(PART_CHARS)
})
export type RequestPart = z.infer<typeof RequestPart>

/** The frames to send for one request: the request itself, or its JSON text in parts. */
export function requestFrames(id: number, method: string, params: unknown): string[] {
  const text = JSON.stringify({ id, method, params })
  if (text.length <= PART_CHARS) return [text]
  const parts = Math.ceil(text.length / PART_CHARS)
  const out: string[] = []
  for (let i = 0; i < parts; i++) out.push(JSON.stringify({ id, part: i, parts, data: text.slice(i * PART_CHARS, (i + 1) * PART_CHARS) }))
  return out
}

export const ServerFrame = z.union([
  z.object({ id: z.number().int(), ok: z.literal(true), result: z.unknown() }),
  z.object({ id: z.number().int(), ok: z.literal(false), error: ApiErrorShape }),
  z.object({ event: z.string(), payload: z.unknown() })
])
export type ServerFrame = z.infer<typeof ServerFrame>

/** IPC replies carry the same ok/error envelope so errors keep their code across the bridge. */
export const IpcReply = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorShape })
])
export type IpcReply = z.infer<typeof IpcReply>

export const IPC_REQUEST_CHANNEL = 'lookout:request'
export const IPC_EVENT_CHANNEL = 'lookout:event'
