import { z } from 'zod'

/** What a Postgres check is about, so views can pick theirs. */
export const PgCategory = z.enum(['health', 'cache', 'queries', 'activity', 'indexes', 'maintenance', 'replication'])
export type PgCategory = z.infer<typeof PgCategory>

/**
 * One thing a check found: the figure, the threshold it crossed and a one-line explanation. `fixSql`
 * is shown for the user to copy; Lookout never runs it.
 */
export const PgFinding = z.object({
  check: z.string(),
  category: PgCategory,
  /** What it is about: a table, an index, a pid, a query id, the database. */
  object: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  value: z.number().nullable(),
  threshold: z.number().nullable(),
  unit: z.string(),
  message: z.string(),
  fixSql: z.string().nullable(),
  /** Bytes involved, for ranking by size. */
  sizeBytes: z.number().nullable()
})
export type PgFinding = z.infer<typeof PgFinding>

/** How one check fared on its last run: when it cannot run, what would let it. */
export const PgCheckStatus = z.object({
  check: z.string(),
  tier: z.enum(['fast', 'medium', 'slow']),
  ranAt: z.number().nullable(),
  error: z.string().nullable(),
  /** The statement or setting that would enable the check, when a privilege or extension lacks. */
  enable: z.string().nullable()
})
export type PgCheckStatus = z.infer<typeof PgCheckStatus>

export const PgSetting = z.object({ name: z.string(), setting: z.string(), unit: z.string().nullable(), source: z.string() })
export type PgSetting = z.infer<typeof PgSetting>

export const PostgresDetails = z.object({
  serverVersion: z.string(),
  serverVersionNum: z.number().int(),
  inRecovery: z.boolean(),
  findings: z.array(PgFinding),
  checks: z.array(PgCheckStatus),
  settings: z.array(PgSetting),
  /** Headline figures over the last 5 minutes; null until there is a window. */
  window: z.object({
    seconds: z.number(),
    commitsPerSec: z.number().nullable(),
    rollbacksPerSec: z.number().nullable(),
    cacheHitRatio: z.number().nullable(),
    deadlocks: z.number().nullable(),
    tempFiles: z.number().nullable(),
    tempBytes: z.number().nullable()
  }),
  sinceReset: z.object({ cacheHitRatio: z.number().nullable(), statsReset: z.number().nullable() }),
  /** Heap and index cache hit from pg_statio_user_tables: over the last 5 minutes and since reset. */
  cacheByKind: z.object({
    heapWindow: z.number().nullable(),
    indexWindow: z.number().nullable(),
    heapSinceReset: z.number().nullable(),
    indexSinceReset: z.number().nullable()
  }),
  checkpoints: z.object({ timed: z.number(), requested: z.number() }).nullable(),
  connections: z.object({ used: z.number(), max: z.number() }).nullable(),
  databaseSizeBytes: z.number().nullable(),
  /** Growth of the database over the window it has been watched, in bytes per hour. */
  databaseGrowthBytesPerHour: z.number().nullable()
})
export type PostgresDetails = z.infer<typeof PostgresDetails>

export const StatementWindow = z.enum(['5m', '1h', 'connect'])
export type StatementWindow = z.infer<typeof StatementWindow>
export const StatementSort = z.enum(['total', 'mean', 'calls', 'io'])
export type StatementSort = z.infer<typeof StatementSort>

/** One statement's figures over the chosen window (deltas of pg_stat_statements). */
export const PgStatement = z.object({
  key: z.string(),
  queryid: z.string(),
  query: z.string(),
  user: z.string(),
  database: z.string(),
  calls: z.number(),
  callsPerSec: z.number(),
  totalMs: z.number(),
  meanMs: z.number(),
  rows: z.number(),
  sharedHit: z.number(),
  sharedRead: z.number(),
  tempBlocks: z.number(),
  /** Execution time's standard deviation over the window's calls (null: no calls). */
  stddevMs: z.number().nullable(),
  /** The slowest call if it happened in the window (pg_stat_statements' maximum rose); null when the window holds no new maximum. */
  maxMs: z.number().nullable(),
  /** Execution + planning time per sample interval, oldest first: the sparkline. */
  history: z.array(z.number())
})
export type PgStatement = z.infer<typeof PgStatement>

export const StatementsAnswer = z.object({
  available: z.boolean(),
  /** Why statements are missing, and the statement or setting that would enable them. */
  unavailable: z.string().nullable(),
  windowSeconds: z.number(),
  sampledAt: z.number().nullable(),
  sampleIntervalMs: z.number(),
  total: z.number().int(),
  statements: z.array(PgStatement),
  users: z.array(z.string()),
  databases: z.array(z.string()),
  /** Where the answer came from: the hour kept in memory, or the history store (a range, a window older than this run). */
  source: z.enum(['memory', 'history']).default('memory')
})
export type StatementsAnswer = z.infer<typeof StatementsAnswer>

export const PgSession = z.object({
  pid: z.number().int(),
  user: z.string().nullable(),
  database: z.string().nullable(),
  application: z.string(),
  client: z.string().nullable(),
  state: z.string().nullable(),
  waitEventType: z.string().nullable(),
  waitEvent: z.string().nullable(),
  /** Since the transaction began, the query began (active) or the state changed, in ms. */
  xactAgeMs: z.number().nullable(),
  queryAgeMs: z.number().nullable(),
  stateAgeMs: z.number().nullable(),
  query: z.string(),
  blockedBy: z.array(z.number().int())
})
export type PgSession = z.infer<typeof PgSession>

export const ActivityAnswer = z.object({
  sampledAt: z.number().nullable(),
  maxConnections: z.number().int(),
  sessions: z.array(PgSession),
  /** Blocking chains depth-first: a blocker, then the sessions waiting on it one level deeper. */
  blockingTree: z.array(z.object({ pid: z.number().int(), depth: z.number().int() })),
  byState: z.record(z.string(), z.number())
})
export type ActivityAnswer = z.infer<typeof ActivityAnswer>

export const RelationCache = z.object({
  relation: z.string(),
  kind: z.enum(['table', 'index']),
  hit: z.number(),
  read: z.number(),
  ratio: z.number().nullable(),
  sizeBytes: z.number()
})
export type RelationCache = z.infer<typeof RelationCache>
