import type pg from 'pg'

/**
 * Throughput and connection headroom, cheap enough for every poll: transactions committed and
 * rolled back across all databases, client backends against max_connections.
 */
export const THROUGHPUT_SQL = `
SELECT
  (SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database)::float8 AS xacts,
  (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')::int AS connections,
  current_setting('max_connections')::int AS max_connections,
  current_setting('server_version_num')::int AS server_version_num,
  current_setting('server_version') AS server_version`

export interface ThroughputRow {
  xacts: number
  connections: number
  maxConnections: number
  serverVersionNum: number
  serverVersion: string
}

export async function readThroughput(client: pg.Client): Promise<ThroughputRow> {
  const res = await client.query(THROUGHPUT_SQL)
  const row = res.rows[0] as Record<string, unknown> | undefined
  if (!row) throw new Error('pg_stat_database returned no row')
  return {
    xacts: Number(row.xacts),
    connections: Number(row.connections),
    maxConnections: Number(row.max_connections),
    serverVersionNum: Number(row.server_version_num),
    serverVersion: String(row.server_version)
  }
}

/** Above this share of max_connections in use, the target shows as degraded. */
export const CONNECTIONS_WARNING_RATIO = 0.8
