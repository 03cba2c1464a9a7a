import type pg from 'pg'
import type { PgFinding } from '../../../../shared/postgres'
import type { PgThresholds } from '../thresholds'
import { checkpointsSql } from '../version'
import { num, queryRows, timeOrNull } from '../sql'

/**
 * The database's cumulative counters and the server facts every poll needs. One row, from
 * pg_stat_database and settings only: cheap enough to run every second.
 */
export const DATABASE_COUNTERS_SQL = `/* lookout */ SELECT
  d.xact_commit::float8 AS commits, d.xact_rollback::float8 AS rollbacks,
  d.blks_hit::float8 AS blks_hit, d.blks_read::float8 AS blks_read,
  d.deadlocks::float8 AS deadlocks, d.temp_files::float8 AS temp_files, d.temp_bytes::float8 AS temp_bytes,
  d.stats_reset,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  current_setting('server_version_num')::int AS server_version_num,
  current_setting('server_version') AS server_version,
  pg_is_in_recovery() AS in_recovery
FROM pg_stat_database d WHERE d.datname = current_database()`

export interface DatabaseCounters {
  commits: number
  rollbacks: number
  blksHit: number
  blksRead: number
  deadlocks: number
  tempFiles: number
  tempBytes: number
  statsReset: number | null
  connections: number
  maxConnections: number
  serverVersionNum: number
  serverVersion: string
  inRecovery: boolean
}

export async function readDatabaseCounters(client: pg.Client): Promise<DatabaseCounters> {
  const [r] = await queryRows(client, DATABASE_COUNTERS_SQL)
  if (!r) throw new Error('pg_stat_database has no row for the current database')
  return {
    commits: num(r.commits),
    rollbacks: num(r.rollbacks),
    blksHit: num(r.blks_hit),
    blksRead: num(r.blks_read),
    deadlocks: num(r.deadlocks),
    tempFiles: num(r.temp_files),
    tempBytes: num(r.temp_bytes),
    statsReset: timeOrNull(r.stats_reset),
    connections: num(r.connections),
    maxConnections: num(r.max_connections),
    serverVersionNum: num(r.server_version_num),
    serverVersion: String(r.server_version),
    inRecovery: r.in_recovery === true
  }
}

/** Counters as deltas between two reads; a counter that went down was reset, so count from zero. */
export interface CounterWindow {
  seconds: number
  commits: number
  rollbacks: number
  blksHit: number
  blksRead: number
  deadlocks: number
  tempFiles: number
  tempBytes: number
}

const delta = (a: number, b: number) => (b >= a ? b - a : b)

export function counterWindow(from: { t: number; c: DatabaseCounters }, to: { t: number; c: DatabaseCounters }): CounterWindow {
  return {
    seconds: (to.t - from.t) / 1000,
    commits: delta(from.c.commits, to.c.commits),
    rollbacks: delta(from.c.rollbacks, to.c.rollbacks),
    blksHit: delta(from.c.blksHit, to.c.blksHit),
    blksRead: delta(from.c.blksRead, to.c.blksRead),
    deadlocks: delta(from.c.deadlocks, to.c.deadlocks),
    tempFiles: delta(from.c.tempFiles, to.c.tempFiles),
    tempBytes: delta(from.c.tempBytes, to.c.tempBytes)
  }
}

/** Hits over all block requests; null when nothing was asked for (never a fake 100%). */
export function hitRatio(hit: number, read: number): number | null {
  const total = hit + read
  return total > 0 ? hit / total : null
}

const finding = (f: Omit<PgFinding, 'fixSql' | 'sizeBytes'> & Partial<Pick<PgFinding, 'fixSql' | 'sizeBytes'>>): PgFinding => ({
  fixSql: null,
  sizeBytes: null,
  ...f
})

export function checkConnections(c: DatabaseCounters, th: PgThresholds): PgFinding | null {
  const ratio = c.connections / c.maxConnections
  if (!(ratio >= th.connections_warning_ratio)) return null
  return finding({
    check: 'connections',
    category: 'health',
    object: 'server',
    severity: ratio >= th.connections_critical_ratio ? 'critical' : 'warning',
    value: Math.round(ratio * 1000) / 10,
    threshold: th.connections_warning_ratio * 100,
    unit: '%',
    message: `${c.connections} of max_connections ${c.maxConnections} in use: new connections will be refused when full; use a pooler (PgBouncer) or close idle sessions`
  })
}

export function checkCacheHitRate(w: CounterWindow, th: PgThresholds): PgFinding | null {
  const ratio = hitRatio(w.blksHit, w.blksRead)
  if (ratio === null || w.blksHit + w.blksRead < th.cache_hit_min_blocks || ratio >= th.cache_hit_ratio) return null
  return finding({
    check: 'cache_hit_rate',
    category: 'cache',
    object: 'database',
    severity: 'warning',
    value: Math.round(ratio * 10000) / 100,
    threshold: th.cache_hit_ratio * 100,
    unit: '%',
    message: `${(ratio * 100).toFixed(2)}% of block reads found in shared_buffers over the last ${Math.round(w.seconds)} s: the working set does not fit; raise shared_buffers or find the queries reading most (Slow queries, sort by I/O)`
  })
}

export function checkDeadlocks(w: CounterWindow): PgFinding | null {
  if (!(w.deadlocks > 0)) return null
  return finding({
    check: 'deadlocks',
    category: 'health',
    object: 'database',
    severity: 'warning',
    value: w.deadlocks,
    threshold: 0,
    unit: '',
    message: `${w.deadlocks} deadlock(s) in the last ${Math.round(w.seconds)} s: transactions lock rows in different orders; the server log names them`
  })
}

export function checkTempFiles(w: CounterWindow, th: PgThresholds): PgFinding | null {
  if (!(w.seconds > 0) || w.seconds < th.window_min_s) return null
  const perMin = (w.tempBytes / w.seconds) * 60
  if (!(perMin >= th.temp_bytes_per_min)) return null
  return finding({
    check: 'temp_files',
    category: 'health',
    object: 'database',
    severity: 'warning',
    value: Math.round(perMin),
    threshold: th.temp_bytes_per_min,
    unit: 'B/min',
    message: `${w.tempFiles} temp file(s), ${Math.round(w.tempBytes / 1048576)} MiB in the last ${Math.round(w.seconds)} s: sorts and hashes spill past work_mem; find them in Slow queries (temp blocks)`
  })
}

export interface Checkpoints {
  timed: number
  requested: number
  statsReset: number | null
}

export async function readCheckpoints(client: pg.Client, versionNum: number): Promise<Checkpoints> {
  const [r] = await queryRows(client, checkpointsSql(versionNum))
  return { timed: num(r?.timed), requested: num(r?.requested), statsReset: timeOrNull(r?.stats_reset) }
}

export function checkCheckpoints(c: Checkpoints, th: PgThresholds): PgFinding | null {
  const total = c.timed + c.requested
  if (!(total >= th.checkpoints_min)) return null
  const ratio = c.requested / total
  if (ratio < th.checkpoints_requested_ratio) return null
  return finding({
    check: 'checkpoints_requested',
    category: 'health',
    object: 'server',
    severity: 'warning',
    value: Math.round(ratio * 1000) / 10,
    threshold: th.checkpoints_requested_ratio * 100,
    unit: '%',
    message: `${c.requested} of ${total} checkpoints were forced by WAL volume rather than checkpoint_timeout: raise max_wal_size so checkpoints spread their I/O`,
    fixSql: "ALTER SYSTEM SET max_wal_size = '4GB'; SELECT pg_reload_conf();"
  })
}

/** Size of the current database: walks its files, so it runs in the slow tier. */
export const DATABASE_SIZE_SQL = '/* lookout */ SELECT pg_database_size(current_database())::float8 AS bytes'

export async function readDatabaseSize(client: pg.Client): Promise<number> {
  const [r] = await queryRows(client, DATABASE_SIZE_SQL)
  return num(r?.bytes)
}

/**
 * Heap and index block reads across the database's user tables and their indexes, for the cache
 * hit of each kind, in the medium tier. The same figures as summing pg_statio_user_tables, read
 * straight from the statistics functions in one pass over pg_class: the view's per-table index
 * and TOAST subqueries cost twice as much.
 */
export const STATIO_TOTALS_SQL = `/* lookout */ SELECT
  coalesce(sum(pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind IN ('r', 'm')), 0)::float8 AS heap_hit,
  coalesce(sum(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind IN ('r', 'm')), 0)::float8 AS heap_read,
  coalesce(sum(pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind = 'i'), 0)::float8 AS idx_hit,
  coalesce(sum(pg_stat_get_blocks_fetched(c.oid) - pg_stat_get_blocks_hit(c.oid)) FILTER (WHERE c.relkind = 'i'), 0)::float8 AS idx_read
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm', 'i') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'`

export interface StatioTotals {
  heapHit: number
  heapRead: number
  idxHit: number
  idxRead: number
}

export async function readStatioTotals(client: pg.Client): Promise<StatioTotals> {
  const [r] = await queryRows(client, STATIO_TOTALS_SQL)
  return { heapHit: num(r?.heap_hit), heapRead: num(r?.heap_read), idxHit: num(r?.idx_hit), idxRead: num(r?.idx_read) }
}

/** Heap and index hit ratios between two reads (a counter that went down counts from zero). */
export function statioRatios(from: StatioTotals | null, to: StatioTotals): { heap: number | null; index: number | null } {
  const d = (a: number | undefined, b: number) => (a === undefined || b < a ? b : b - a)
  return {
    heap: hitRatio(d(from?.heapHit, to.heapHit), d(from?.heapRead, to.heapRead)),
    index: hitRatio(d(from?.idxHit, to.idxHit), d(from?.idxRead, to.idxRead))
  }
}

/** The headline window's figures: rates per second, cache hit, deadlocks and temp files. */
export function windowFigures(w: CounterWindow | null) {
  const rate = (n: number | undefined) => (w && w.seconds > 0 && n !== undefined ? n / w.seconds : null)
  return {
    seconds: w?.seconds ?? 0,
    commitsPerSec: rate(w?.commits),
    rollbacksPerSec: rate(w?.rollbacks),
    cacheHitRatio: w ? hitRatio(w.blksHit, w.blksRead) : null,
    deadlocks: w?.deadlocks ?? null,
    tempFiles: w?.tempFiles ?? null,
    tempBytes: w?.tempBytes ?? null
  }
}

/** Database growth per hour between the oldest and newest size kept, once they are a minute apart. */
export function growthPerHour(sizes: { t: number; bytes: number }[]): number | null {
  const first = sizes[0]
  const last = sizes[sizes.length - 1]
  return first && last && last.t - first.t >= 60_000 ? ((last.bytes - first.bytes) / (last.t - first.t)) * 3_600_000 : null
}
