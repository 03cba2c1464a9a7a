/**
 * Catalog differences between PostgreSQL releases, chosen from server_version_num. Each function
 * returns the SQL fragment for a version so the choice is unit-testable without that server.
 */

/** pg_stat_statements timing columns: 13 split planning from execution and renamed total_time. */
export function statementTimeColumns(versionNum: number): {
  total: string
  calls: string
  exec: string
  stddev: string
  mean: string
  max: string
} {
  if (versionNum >= 130000)
    return {
      total: '(s.total_exec_time + s.total_plan_time)',
      calls: 's.calls',
      exec: 's.total_exec_time',
      stddev: 's.stddev_exec_time',
      mean: 's.mean_exec_time',
      max: 's.max_exec_time'
    }
  return { total: 's.total_time', calls: 's.calls', exec: 's.total_time', stddev: 's.stddev_time', mean: 's.mean_time', max: 's.max_time' }
}

/** Checkpoint counters moved from pg_stat_bgwriter to pg_stat_checkpointer in 17. */
export function checkpointsSql(versionNum: number): string {
  if (versionNum >= 170000)
    return '/* lookout */ SELECT num_timed::float8 AS timed, num_requested::float8 AS requested, stats_reset FROM pg_stat_checkpointer'
  return '/* lookout */ SELECT checkpoints_timed::float8 AS timed, checkpoints_req::float8 AS requested, stats_reset FROM pg_stat_bgwriter'
}

/** pg_stat_io (16+) gives I/O per backend type; older servers have only the per-database counters. */
export function hasPgStatIo(versionNum: number): boolean {
  return versionNum >= 160000
}

/** pg_stat_statements_info (14+) says when the statistics were last reset and how many were evicted. */
export function hasStatementsInfo(versionNum: number): boolean {
  return versionNum >= 140000
}
