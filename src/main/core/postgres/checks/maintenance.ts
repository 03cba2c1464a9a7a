import type pg from 'pg'
import type { PgFinding } from '../../../../shared/postgres'
import type { PgThresholds } from '../thresholds'
import { num, numOrNull, qualified, queryRows, quoteIdent, str, timeOrNull } from '../sql'

const ago = (t: number | null, now: number) => (t === null ? 'never' : `${Math.round((now - t) / 60_000)} min ago`)
const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`

/** Dead rows per table with what autovacuum would need to see before it vacuums it (table options included). */
export const DEAD_ROWS_SQL = `/* lookout */ SELECT s.schemaname, s.relname, s.n_dead_tup::float8 AS dead, s.n_live_tup::float8 AS live,
  greatest(s.last_vacuum, s.last_autovacuum) AS last_vacuum, greatest(s.last_analyze, s.last_autoanalyze) AS last_analyze,
  greatest(c.reltuples, 0)::float8 AS reltuples, c.reloptions,
  current_setting('autovacuum_vacuum_threshold')::float8 AS base_threshold,
  current_setting('autovacuum_vacuum_scale_factor')::float8 AS scale_factor,
  current_setting('autovacuum')::bool AS autovacuum
FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
WHERE s.n_dead_tup >= $1
ORDER BY s.n_dead_tup DESC`

function relOption(options: unknown, name: string): string | null {
  if (!Array.isArray(options)) return null
  for (const o of options) {
    const [k, v] = String(o).split('=', 2)
    if (k === name && v !== undefined) return v
  }
  return null
}

export async function checkDeadRows(client: pg.Client, th: PgThresholds, now: number): Promise<PgFinding[]> {
  const rows = await queryRows(client, DEAD_ROWS_SQL, [th.dead_rows_min])
  const out: PgFinding[] = []
  for (const r of rows) {
    const base = Number(relOption(r.reloptions, 'autovacuum_vacuum_threshold') ?? num(r.base_threshold))
    const scale = Number(relOption(r.reloptions, 'autovacuum_vacuum_scale_factor') ?? num(r.scale_factor))
    const threshold = base + scale * num(r.reltuples)
    const dead = num(r.dead)
    if (dead <= threshold) continue
    const disabled = r.autovacuum === false || relOption(r.reloptions, 'autovacuum_enabled') === 'false'
    const name = qualified(str(r.schemaname), str(r.relname))
    out.push({
      check: 'dead_rows',
      category: 'maintenance',
      object: name,
      severity: disabled ? 'warning' : 'info',
      value: dead,
      threshold: Math.round(threshold),
      unit: 'rows',
      message: `${name} has ${dead} dead rows (${Math.round((dead / Math.max(1, dead + num(r.live))) * 100)}%), over the autovacuum threshold of ${Math.round(threshold)}${
        disabled ? '; autovacuum is disabled for it' : '; autovacuum has not caught up'
      }. Last vacuum ${ago(timeOrNull(r.last_vacuum), now)}, last analyze ${ago(timeOrNull(r.last_analyze), now)}`,
      fixSql: `VACUUM (ANALYZE, VERBOSE) ${name};`,
      sizeBytes: null
    })
  }
  return out
}

/** The hard limit transaction IDs and multixacts wrap around at. */
export const WRAPAROUND_LIMIT = 2 ** 31

export const WRAPAROUND_SQL = `/* lookout */ SELECT datname, age(datfrozenxid)::float8 AS xid_age, mxid_age(datminmxid)::float8 AS mxid_age
FROM pg_database WHERE datallowconn`

/** The current database's tables holding back the freeze horizon, to name in the fix. */
export const OLDEST_TABLES_SQL = `/* lookout */ SELECT n.nspname, c.relname, age(c.relfrozenxid)::float8 AS xid_age
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') ORDER BY age(c.relfrozenxid) DESC LIMIT 3`

export async function checkWraparound(client: pg.Client, th: PgThresholds): Promise<PgFinding[]> {
  const rows = await queryRows(client, WRAPAROUND_SQL)
  const out: PgFinding[] = []
  for (const r of rows)
    for (const [kind, age] of [
      ['transaction ID', num(r.xid_age)],
      ['multixact', num(r.mxid_age)]
    ] as const) {
      const ratio = age / WRAPAROUND_LIMIT
      if (!(ratio >= th.wraparound_warning_ratio)) continue
      out.push({
        check: kind === 'multixact' ? 'multixact_wraparound' : 'xid_wraparound',
        category: 'maintenance',
        object: str(r.datname),
        severity: ratio >= th.wraparound_critical_ratio ? 'critical' : 'warning',
        value: Math.round(ratio * 1000) / 10,
        threshold: th.wraparound_warning_ratio * 100,
        unit: '%',
        message: `database ${str(r.datname)} has used ${(ratio * 100).toFixed(1)}% of its ${kind} headroom (age ${age}): at 100% the server stops accepting writes. Anti-wraparound vacuums must finish; look for long transactions, prepared transactions and stale replication slots holding them back`,
        fixSql: null,
        sizeBytes: null
      })
    }
  if (out.length) {
    const oldest = await queryRows(client, OLDEST_TABLES_SQL)
    const fix = oldest.map((o) => `VACUUM (FREEZE, VERBOSE) ${qualified(str(o.nspname), str(o.relname))};`).join('\n')
    const db = await currentDatabase(client)
    for (const f of out) if (f.object === db) f.fixSql = fix
  }
  return out
}

async function currentDatabase(client: pg.Client): Promise<string> {
  const [r] = await queryRows(client, '/* lookout */ SELECT current_database() AS db')
  return str(r?.db)
}

/** Largest value of the integer types a sequence can feed (bigint's as the nearest double: ratios only). */
export const TYPE_MAX: Record<string, number> = { smallint: 32767, integer: 2147483647, bigint: 2 ** 63 - 1 }

/**
 * Sequences and how close they are to their own maximum or to the maximum of the column they feed
 * (a bigint sequence behind an integer column fails at 2^31). last_value is NULL both for a
 * sequence never used and for one the user may not read; `readable` tells them apart.
 *
 * Read from pg_sequence by oid, not from the pg_sequences view (a name lookup per sequence), and
 * the owning column is looked up only for sequences past $1: below the warning ratio of the
 * smallest integer type no column can be the limit. A thousand sequences cost 6 ms, not 15.
 */
export const SEQUENCES_SQL = `/* lookout */ WITH seq AS (
  SELECT c.oid, n.nspname, c.relname, s.seqtypid, s.seqmax, s.seqincrement,
    has_sequence_privilege(c.oid, 'SELECT,USAGE') AS readable
  FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE NOT pg_is_other_temp_schema(n.oid)
), v AS (SELECT seq.*, CASE WHEN readable THEN pg_sequence_last_value(oid) END::float8 AS last_value FROM seq)
SELECT v.nspname AS schemaname, v.relname AS sequencename, format_type(v.seqtypid, NULL) AS data_type, v.last_value,
  v.seqmax::float8 AS max_value, v.seqincrement::float8 AS increment_by, v.readable,
  col.table_name, col.column_name, col.column_type
FROM v LEFT JOIN LATERAL (
  SELECT t.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, NULL) AS column_type
  FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
  JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
  WHERE v.last_value >= $1 AND d.classid = 'pg_class'::regclass AND d.objid = v.oid
    AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
  LIMIT 1
) col ON true`

export async function checkSequences(client: pg.Client, th: PgThresholds): Promise<{ findings: PgFinding[]; unreadable: string[] }> {
  const rows = await queryRows(client, SEQUENCES_SQL, [th.sequence_warning_ratio * TYPE_MAX.smallint!])
  const findings: PgFinding[] = []
  const unreadable: string[] = []
  for (const r of rows) {
    const name = qualified(str(r.schemaname), str(r.sequencename))
    if (r.readable !== true) {
      unreadable.push(name)
      continue
    }
    const last = numOrNull(r.last_value)
    if (last === null || !(num(r.increment_by) > 0)) continue
    const colMax = r.column_type ? TYPE_MAX[str(r.column_type)] : undefined
    const max = Math.min(num(r.max_value), colMax ?? Infinity)
    const ratio = last / max
    if (!(ratio >= th.sequence_warning_ratio)) continue
    const byColumn = colMax !== undefined && colMax < num(r.max_value)
    const column = r.table_name ? `${str(r.table_name)}.${str(r.column_name)}` : null
    findings.push({
      check: 'sequence_exhaustion',
      category: 'maintenance',
      object: name,
      severity: ratio >= th.sequence_critical_ratio ? 'critical' : 'warning',
      value: Math.round(ratio * 1000) / 10,
      threshold: th.sequence_warning_ratio * 100,
      unit: '%',
      message: `sequence ${name} is at ${last} of ${max} (${(ratio * 100).toFixed(1)}%)${
        byColumn ? `, the maximum of its ${str(r.column_type)} column ${column}` : ''
      }: inserts fail when it runs out`,
      fixSql:
        byColumn && column
          ? `ALTER TABLE ${quoteIdent(str(r.table_name))} ALTER COLUMN ${quoteIdent(str(r.column_name))} TYPE bigint;  -- rewrites the table; plan it`
          : `ALTER SEQUENCE ${name} AS bigint MAXVALUE 9223372036854775807;`,
      sizeBytes: null
    })
  }
  return { findings, unreadable }
}

/** Constraints added NOT VALID and never validated: the rows already there were never checked. */
export const INVALID_CONSTRAINTS_SQL = `/* lookout */ SELECT n.nspname AS schemaname, t.relname, c.conname, c.contype::text AS contype
FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE NOT c.convalidated AND n.nspname NOT IN ('pg_catalog', 'information_schema')`

export async function checkInvalidConstraints(client: pg.Client): Promise<PgFinding[]> {
  const rows = await queryRows(client, INVALID_CONSTRAINTS_SQL)
  return rows.map((r) => {
    const table = qualified(str(r.schemaname), str(r.relname))
    return {
      check: 'invalid_constraint',
      category: 'maintenance',
      object: `${table}.${str(r.conname)}`,
      severity: 'info',
      value: null,
      threshold: null,
      unit: '',
      message: `constraint ${str(r.conname)} on ${table} is NOT VALID: new rows are checked, existing rows never were. VALIDATE takes only a light lock`,
      fixSql: `ALTER TABLE ${table} VALIDATE CONSTRAINT ${quoteIdent(str(r.conname))};`,
      sizeBytes: null
    }
  })
}

/** Only relations at least this big (by relpages, no locks) are estimated: the query stays cheap. */
export const TABLE_BLOAT_SQL = `/* lookout */ SELECT n.nspname AS schemaname, c.relname, c.relpages::float8 AS pages, c.reltuples::float8 AS tuples,
  current_setting('block_size')::float8 AS block_size,
  coalesce((SELECT substring(o FROM 'fillfactor=(\\d+)')::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 100) AS fillfactor,
  (SELECT sum(s.avg_width)::float8 FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname) AS row_width,
  (SELECT count(*) FROM pg_stats s WHERE s.schemaname = n.nspname AND s.tablename = c.relname)::int AS stat_columns,
  (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)::int AS columns
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname !~ '^pg_toast'
  AND c.reltuples >= 0 AND c.relpages::float8 * current_setting('block_size')::float8 >= $1`

export const INDEX_BLOAT_SQL = `/* lookout */ SELECT n.nspname AS schemaname, c.relname AS index, t.relname AS table, c.relpages::float8 AS pages,
  c.reltuples::float8 AS tuples, current_setting('block_size')::float8 AS block_size,
  coalesce((SELECT substring(o FROM 'fillfactor=(\\d+)')::int FROM unnest(c.reloptions) o WHERE o LIKE 'fillfactor=%'), 90) AS fillfactor,
  (SELECT sum(s.avg_width)::float8 FROM pg_attribute a JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
     WHERE a.attrelid = t.oid AND a.attnum = ANY (i.indkey)) AS key_width,
  (SELECT count(*) FROM pg_attribute a JOIN pg_stats s ON s.schemaname = n.nspname AND s.tablename = t.relname AND s.attname = a.attname
     WHERE a.attrelid = t.oid AND a.attnum = ANY (i.indkey))::int AS stat_keys,
  i.indnatts::int AS keys
FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_am am ON am.oid = c.relam
WHERE am.amname = 'btree' AND NOT (0 = ANY (i.indkey)) AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_toast' AND c.reltuples >= 0 AND c.relpages::float8 * current_setting('block_size')::float8 >= $1`

const align8 = (n: number) => Math.ceil(n / 8) * 8
/** Heap tuple header (23 bytes, aligned) plus its line pointer; page header. */
const HEAP_TUPLE_OVERHEAD = 24
const LINE_POINTER = 4
const PAGE_HEADER = 24
/** A btree index tuple header and a btree page's special space. */
const INDEX_TUPLE_HEADER = 8
const BTREE_SPECIAL = 16

/** Pages a table would need packed at its fillfactor, from row count and average row width. */
export function expectedHeapPages(tuples: number, rowWidth: number, blockSize: number, fillfactor: number): number {
  const perTuple = align8(HEAP_TUPLE_OVERHEAD + rowWidth) + LINE_POINTER
  const usable = (blockSize - PAGE_HEADER) * (fillfactor / 100)
  return Math.ceil((tuples * perTuple) / usable)
}

/** Leaf pages a btree would need at its fillfactor, plus the meta page. */
export function expectedBtreePages(tuples: number, keyWidth: number, blockSize: number, fillfactor: number): number {
  const perTuple = align8(INDEX_TUPLE_HEADER + keyWidth) + LINE_POINTER
  const usable = (blockSize - PAGE_HEADER - BTREE_SPECIAL) * (fillfactor / 100)
  return Math.ceil((tuples * perTuple) / usable) + 1
}

export async function checkBloat(client: pg.Client, th: PgThresholds): Promise<{ findings: PgFinding[]; withoutStats: string[] }> {
  const findings: PgFinding[] = []
  const withoutStats: string[] = []
  const report = (kind: 'table' | 'index', name: string, pages: number, expected: number, blockSize: number, extra: string) => {
    const bloatPages = Math.max(0, pages - expected)
    const bytes = bloatPages * blockSize
    const ratio = pages > 0 ? bloatPages / pages : 0
    if (ratio < th.bloat_ratio || bytes < th.bloat_min_bytes) return
    findings.push({
      check: kind === 'table' ? 'table_bloat' : 'index_bloat',
      category: 'maintenance',
      object: name,
      severity: 'info',
      value: Math.round(ratio * 1000) / 10,
      threshold: th.bloat_ratio * 100,
      unit: '%',
      message: `${kind} ${name}${extra} is an estimated ${(ratio * 100).toFixed(0)}% bloat (${mib(bytes)} of ${mib(pages * blockSize)}), estimated from row counts and column widths`,
      fixSql:
        kind === 'table'
          ? `-- rewrites the table under an exclusive lock; pg_repack does it online\nVACUUM (FULL, ANALYZE, VERBOSE) ${name};`
          : `REINDEX INDEX CONCURRENTLY ${name};`,
      sizeBytes: bytes
    })
  }
  for (const r of await queryRows(client, TABLE_BLOAT_SQL, [th.bloat_min_bytes])) {
    const name = qualified(str(r.schemaname), str(r.relname))
    if (num(r.stat_columns) < num(r.columns) || r.row_width === null) {
      withoutStats.push(name)
      continue
    }
    report(
      'table',
      name,
      num(r.pages),
      expectedHeapPages(num(r.tuples), num(r.row_width), num(r.block_size), num(r.fillfactor)),
      num(r.block_size),
      ''
    )
  }
  for (const r of await queryRows(client, INDEX_BLOAT_SQL, [th.bloat_min_bytes])) {
    const name = qualified(str(r.schemaname), str(r.index))
    if (num(r.stat_keys) < num(r.keys) || r.key_width === null) {
      withoutStats.push(name)
      continue
    }
    report(
      'index',
      name,
      num(r.pages),
      expectedBtreePages(num(r.tuples), num(r.key_width), num(r.block_size), num(r.fillfactor)),
      num(r.block_size),
      ` on ${str(r.table)}`
    )
  }
  return { findings, withoutStats }
}
