/**
 * Every threshold a Postgres check uses, by the name a profile overrides it with
 * (`thresholds: { long_running_query_s: 30 }`). Defaults follow pgHero where it has one.
 */
export const PG_THRESHOLDS = {
  /** Share of max_connections in use: warning, then critical. */
  connections_warning_ratio: 0.8,
  connections_critical_ratio: 0.95,
  /** A session idle inside a transaction this long holds locks and blocks vacuum. */
  idle_in_transaction_s: 60,
  /** An active query running this long. */
  long_running_query_s: 60,
  /** A session waiting on a lock this long counts as blocked (short waits are normal). */
  blocked_s: 5,
  /** Buffer cache hit ratio under this over the window, once enough blocks were asked for. */
  cache_hit_ratio: 0.99,
  cache_hit_min_blocks: 10_000,
  /** Checkpoints forced by WAL volume rather than by time, as a share, once there were enough. */
  checkpoints_requested_ratio: 0.2,
  checkpoints_min: 10,
  /** A statement whose mean time (planning + execution) is this slow, with at least this many calls. */
  slow_query_mean_ms: 100,
  slow_query_min_calls: 1,
  /** The N+1 signature: many calls per second that each take almost nothing. */
  chatty_calls_per_s: 100,
  chatty_mean_ms: 1,
  /** Indexes smaller than this are not worth reporting as unused. */
  unused_index_min_bytes: 1024 * 1024,
  /**
   * Tables with this many rows where at least this share of scans is sequential (pgHero's "index
   * usage under 95%"): on a big table even a few full scans next to many index scans cost most.
   */
  seq_scan_min_rows: 10_000,
  seq_scan_min_scans: 10,
  seq_scan_ratio: 0.05,
  /** Dead rows worth reporting when over the autovacuum threshold. */
  dead_rows_min: 1000,
  /** Transaction ID and multixact age as a share of the 2^31 hard limit. */
  wraparound_warning_ratio: 0.5,
  wraparound_critical_ratio: 0.75,
  /** A sequence this close to its maximum (or its column's). */
  sequence_warning_ratio: 0.8,
  sequence_critical_ratio: 0.95,
  /** Estimated bloat worth reporting: this share of the relation and at least this size. */
  bloat_ratio: 0.5,
  bloat_min_bytes: 100 * 1024 * 1024,
  /** Replication lag of a standby, or replay delay on one. */
  replication_lag_s: 30,
  /** EXPLAIN runs inside a transaction with these limits (SET LOCAL), so it can never hang. */
  explain_statement_timeout_s: 30,
  explain_lock_timeout_s: 2,
  /** Temp files written over the window: sorts and hashes spilling past work_mem. */
  temp_bytes_per_min: 100 * 1024 * 1024,
  /** Rates over a window shorter than this are noise (a burst read as a trend): not reported. */
  window_min_s: 60
} as const

export type PgThresholdName = keyof typeof PG_THRESHOLDS
export type PgThresholds = { [K in PgThresholdName]: number }

export function isPgThresholdName(name: string): name is PgThresholdName {
  return Object.prototype.hasOwnProperty.call(PG_THRESHOLDS, name)
}

/** The defaults with a profile's overrides; an unknown name is an error, not a silent no-op. */
export function pgThresholds(overrides: Record<string, number> = {}): PgThresholds {
  const out: PgThresholds = { ...PG_THRESHOLDS }
  for (const [k, v] of Object.entries(overrides)) {
    if (!isPgThresholdName(k)) throw new Error(`unknown Postgres threshold "${k}"; known: ${Object.keys(PG_THRESHOLDS).join(', ')}`)
    out[k] = v
  }
  return out
}
