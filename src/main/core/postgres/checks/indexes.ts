import type pg from 'pg'
import type { PgFinding } from '../../../../shared/postgres'
import type { PgThresholds } from '../thresholds'
import { num, qualified, queryRows, str } from '../sql'

const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`

/**
 * Indexes never scanned since the statistics were reset, that enforce nothing (not unique, not
 * backing a constraint) and are big enough to matter. Scans on standbys are not counted here.
 * The size filter uses the catalog's page count first (no lock, no file access), so only the few
 * candidates are measured with pg_relation_size; on a database with thousands of indexes that is
 * the difference between reading the catalog and stat()ing every index file.
 */
export const UNUSED_INDEXES_SQL = `/* lookout */ SELECT n.nspname AS schemaname, t.relname, c.relname AS indexrelname,
  pg_relation_size(c.oid)::float8 AS bytes
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisunique AND NOT i.indisprimary AND i.indisvalid
  AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND c.relpages::float8 * current_setting('block_size')::float8 >= $1
  AND pg_stat_get_numscans(c.oid) = 0
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = c.oid)
ORDER BY bytes DESC`

export async function checkUnusedIndexes(client: pg.Client, th: PgThresholds): Promise<PgFinding[]> {
  const rows = await queryRows(client, UNUSED_INDEXES_SQL, [th.unused_index_min_bytes])
  return rows
    .filter((r) => num(r.bytes) >= th.unused_index_min_bytes)
    .map((r) => {
      const name = qualified(str(r.schemaname), str(r.indexrelname))
      return {
        check: 'unused_index',
        category: 'indexes',
        object: name,
        severity: 'info',
        value: num(r.bytes),
        threshold: th.unused_index_min_bytes,
        unit: 'B',
        message: `index ${name} on ${str(r.relname)} (${mib(num(r.bytes))}) has not been scanned since the statistics were reset; it still costs every write. Check standbys before dropping it`,
        fixSql: `DROP INDEX CONCURRENTLY ${name};`,
        sizeBytes: num(r.bytes)
      }
    })
}

/**
 * Indexes whose key columns are a leading prefix of another valid index on the same table, with
 * the same access method, operator classes, expressions and predicate: the longer one serves every
 * query the shorter one does. A unique index is kept unless the other is the same unique index.
 */
export const DUPLICATE_INDEXES_SQL = `/* lookout */ SELECT na.nspname AS schemaname, ca.relname AS index, cb.relname AS covered_by, t.relname AS table,
  pg_relation_size(a.indexrelid)::float8 AS bytes, pg_get_indexdef(a.indexrelid) AS def, pg_get_indexdef(b.indexrelid) AS covered_def
FROM pg_index a
JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
JOIN pg_class ca ON ca.oid = a.indexrelid JOIN pg_class cb ON cb.oid = b.indexrelid
JOIN pg_class t ON t.oid = a.indrelid JOIN pg_namespace na ON na.oid = ca.relnamespace
WHERE ca.relam = cb.relam AND a.indisvalid AND b.indisvalid
  AND na.nspname NOT IN ('pg_catalog', 'information_schema') AND na.nspname !~ '^pg_toast'
  AND (' ' || b.indkey::text || ' ') LIKE (' ' || a.indkey::text || ' %')
  AND (' ' || b.indclass::text || ' ') LIKE (' ' || a.indclass::text || ' %')
  AND coalesce(pg_get_expr(a.indexprs, a.indrelid), '') = coalesce(pg_get_expr(b.indexprs, b.indrelid), '')
  AND coalesce(pg_get_expr(a.indpred, a.indrelid), '') = coalesce(pg_get_expr(b.indpred, b.indrelid), '')
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = a.indexrelid AND c.contype = 'x')
  AND (
    (NOT a.indisunique AND NOT (a.indkey::text = b.indkey::text AND NOT b.indisunique AND a.indexrelid < b.indexrelid))
    OR (a.indisunique AND b.indisunique AND NOT a.indisprimary AND a.indkey::text = b.indkey::text
        AND (b.indisprimary OR a.indexrelid > b.indexrelid))
  )
ORDER BY bytes DESC`

export async function checkDuplicateIndexes(client: pg.Client): Promise<PgFinding[]> {
  const rows = await queryRows(client, DUPLICATE_INDEXES_SQL)
  // An index covered by two longer ones is reported once.
  const seen = new Set<string>()
  const out: PgFinding[] = []
  for (const r of rows) {
    const name = qualified(str(r.schemaname), str(r.index))
    if (seen.has(name)) continue
    seen.add(name)
    out.push({
      check: 'duplicate_index',
      category: 'indexes',
      object: name,
      severity: 'warning',
      value: num(r.bytes),
      threshold: null,
      unit: 'B',
      message: `index ${name} on ${str(r.table)} (${mib(num(r.bytes))}) is covered by ${str(r.covered_by)}: ${str(r.covered_def)}`,
      fixSql: `DROP INDEX CONCURRENTLY ${name};`,
      sizeBytes: num(r.bytes)
    })
  }
  return out
}

/**
 * Indexes left invalid, usually by a failed CREATE INDEX CONCURRENTLY: never used for reads,
 * still maintained on every write. One being built right now is not reported.
 */
export const INVALID_INDEXES_SQL = `/* lookout */ SELECT n.nspname AS schemaname, c.relname AS index, t.relname AS table,
  pg_get_indexdef(i.indexrelid) AS def, pg_relation_size(i.indexrelid)::float8 AS bytes
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE NOT i.indisvalid AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_stat_progress_create_index p WHERE p.index_relid = i.indexrelid)`

export async function checkInvalidIndexes(client: pg.Client): Promise<PgFinding[]> {
  const rows = await queryRows(client, INVALID_INDEXES_SQL)
  return rows.map((r) => {
    const name = qualified(str(r.schemaname), str(r.index))
    return {
      check: 'invalid_index',
      category: 'indexes',
      object: name,
      severity: 'warning',
      value: num(r.bytes),
      threshold: null,
      unit: 'B',
      message: `index ${name} on ${str(r.table)} is invalid (a failed CREATE INDEX CONCURRENTLY?): writes maintain it, reads never use it. Rebuild or drop it: ${str(r.def)}`,
      fixSql: `REINDEX INDEX CONCURRENTLY ${name};  -- or: DROP INDEX CONCURRENTLY ${name};`,
      sizeBytes: num(r.bytes)
    }
  })
}

/**
 * Tables of some size where a share of the scans is sequential: the missing-index signal. Figures are since
 * the statistics were reset; the Slow queries view (sorted by I/O) names the statements.
 */
export const SEQ_SCAN_TABLES_SQL = `/* lookout */ SELECT schemaname, relname, seq_scan::float8 AS seq_scan, seq_tup_read::float8 AS seq_tup_read,
  coalesce(idx_scan, 0)::float8 AS idx_scan, n_live_tup::float8 AS live, pg_relation_size(relid)::float8 AS bytes
FROM pg_stat_user_tables
WHERE n_live_tup >= $1 AND seq_scan >= $2
  AND seq_scan::float8 / greatest(seq_scan + coalesce(idx_scan, 0), 1) >= $3
ORDER BY seq_tup_read DESC`

export async function checkSeqScanTables(client: pg.Client, th: PgThresholds): Promise<PgFinding[]> {
  const rows = await queryRows(client, SEQ_SCAN_TABLES_SQL, [th.seq_scan_min_rows, th.seq_scan_min_scans, th.seq_scan_ratio])
  return rows.map((r) => {
    const name = qualified(str(r.schemaname), str(r.relname))
    const seq = num(r.seq_scan)
    const ratio = seq / Math.max(1, seq + num(r.idx_scan))
    return {
      check: 'seq_scan_table',
      category: 'indexes',
      object: name,
      severity: 'warning',
      value: Math.round(ratio * 1000) / 10,
      threshold: th.seq_scan_ratio * 100,
      unit: '%',
      message: `${name} (${Math.round(num(r.live))} rows, ${mib(num(r.bytes))}) is scanned sequentially in ${(ratio * 100).toFixed(1)}% of its scans: ${seq} full scans reading ${Math.round(num(r.seq_tup_read) / Math.max(1, seq))} rows each. An index on the filtered columns would fix it; EXPLAIN the statements reading it`,
      fixSql: null,
      sizeBytes: num(r.bytes)
    }
  })
}
