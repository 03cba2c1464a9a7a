import type pg from 'pg'
import type { PgSetting, RelationCache } from '../../../../shared/postgres'
import { hitRatio } from './health'
import { num, queryRows, str, strOrNull } from '../sql'

/** The settings that decide performance, shown as the server reports them (never changed by Lookout). */
export const PERFORMANCE_SETTINGS = [
  'max_connections',
  'shared_buffers',
  'effective_cache_size',
  'work_mem',
  'maintenance_work_mem',
  'random_page_cost',
  'effective_io_concurrency',
  'max_parallel_workers_per_gather',
  'max_wal_size',
  'checkpoint_timeout',
  'autovacuum',
  'autovacuum_vacuum_scale_factor',
  'autovacuum_max_workers',
  'default_statistics_target',
  'jit',
  // statement_timeout and lock_timeout are left out: Lookout's own session sets its own, so the
  // value read here would be Lookout's, not the server's.
  'idle_in_transaction_session_timeout',
  'track_io_timing',
  'shared_preload_libraries'
]

export const SETTINGS_SQL = `/* lookout */ SELECT name, current_setting(name) AS setting, unit, source FROM pg_settings WHERE name = ANY ($1) ORDER BY name`

export async function readSettings(client: pg.Client): Promise<PgSetting[]> {
  const rows = await queryRows(client, SETTINGS_SQL, [PERFORMANCE_SETTINGS])
  return rows.map((r) => ({ name: str(r.name), setting: str(r.setting), unit: strOrNull(r.unit), source: str(r.source) }))
}

/** Cache hit ratio per table and per index since the statistics were reset, busiest first. */
export const RELATION_CACHE_SQL = `/* lookout */ (SELECT schemaname || '.' || relname AS relation, 'table' AS kind,
    coalesce(heap_blks_hit, 0)::float8 AS hit, coalesce(heap_blks_read, 0)::float8 AS read, pg_relation_size(relid)::float8 AS bytes
  FROM pg_statio_user_tables ORDER BY coalesce(heap_blks_hit, 0) + coalesce(heap_blks_read, 0) DESC LIMIT $1)
UNION ALL
(SELECT schemaname || '.' || indexrelname, 'index', coalesce(idx_blks_hit, 0)::float8, coalesce(idx_blks_read, 0)::float8,
    pg_relation_size(indexrelid)::float8
  FROM pg_statio_user_indexes ORDER BY coalesce(idx_blks_hit, 0) + coalesce(idx_blks_read, 0) DESC LIMIT $1)`

export async function readRelationCache(client: pg.Client, limit: number): Promise<RelationCache[]> {
  const rows = await queryRows(client, RELATION_CACHE_SQL, [limit])
  return rows.map((r) => ({
    relation: str(r.relation),
    kind: r.kind === 'index' ? 'index' : 'table',
    hit: num(r.hit),
    read: num(r.read),
    ratio: hitRatio(num(r.hit), num(r.read)),
    sizeBytes: num(r.bytes)
  }))
}
