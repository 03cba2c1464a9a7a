import type pg from 'pg'
import { startPostgres, type PostgresHandle } from '../../src/main/harness/postgres'

/** Tables for EXPLAIN tests: big enough that the planner picks the interesting nodes. */
export const EXPLAIN_SCHEMA_SQL = `
CREATE TABLE ex_a (id int PRIMARY KEY, grp int NOT NULL, val int NOT NULL, note text NOT NULL);
INSERT INTO ex_a SELECT g, g % 100, (g * 37) % 1000, md5(g::text) FROM generate_series(1, 50000) g;
CREATE INDEX ex_a_grp_idx ON ex_a (grp);
CREATE TABLE ex_b (id int PRIMARY KEY, a_id int NOT NULL, amount numeric NOT NULL);
INSERT INTO ex_b SELECT g, 1 + (g * 7) % 50000, g % 500 FROM generate_series(1, 100000) g;
ANALYZE ex_a; ANALYZE ex_b;`

/** Queries that between them produce most node types PostgreSQL has. */
export const EXPLAIN_QUERIES: Record<string, string> = {
  seqFilter: 'SELECT * FROM ex_a WHERE val = 7',
  indexScan: 'SELECT * FROM ex_a WHERE id = 42',
  indexOnly: 'SELECT id FROM ex_a WHERE id BETWEEN 10 AND 20',
  bitmap: 'SELECT * FROM ex_a WHERE grp IN (1, 2, 3)',
  hashJoin: 'SELECT a.note, b.amount FROM ex_a a JOIN ex_b b ON b.a_id = a.id WHERE a.grp = 5',
  mergeJoin: 'SELECT a.id, b.id FROM ex_a a JOIN ex_b b ON b.id = a.id ORDER BY a.id LIMIT 500',
  nestedLoop: 'SELECT * FROM ex_b b JOIN ex_a a ON a.id = b.a_id WHERE b.id < 20',
  aggregates: 'SELECT grp, count(*), sum(val) FROM ex_a GROUP BY grp ORDER BY 2 DESC',
  sortDisk: 'SELECT * FROM ex_b ORDER BY amount, id OFFSET 99000',
  cte: 'WITH m AS MATERIALIZED (SELECT a_id, sum(amount) s FROM ex_b GROUP BY a_id) SELECT * FROM m WHERE s > 900',
  initPlan: 'SELECT * FROM ex_a WHERE val = (SELECT max(val) FROM ex_a WHERE grp = 3)',
  subPlan: 'SELECT id, (SELECT count(*) FROM ex_b b WHERE b.a_id = a.id) FROM ex_a a WHERE a.id < 30',
  union: 'SELECT id FROM ex_a WHERE id < 5 UNION ALL SELECT id FROM ex_b WHERE id < 5',
  window: 'SELECT id, rank() OVER (PARTITION BY grp ORDER BY val) FROM ex_a WHERE id < 2000',
  except: 'SELECT grp FROM ex_a EXCEPT SELECT a_id FROM ex_b',
  functionValues: "SELECT * FROM generate_series(1, 10) g JOIN (VALUES (1, 'x'), (2, 'y')) v(n, t) ON v.n = g",
  parallel: 'SELECT count(*) FROM ex_b WHERE amount > 10',
  distinct: 'SELECT DISTINCT grp FROM (SELECT grp FROM ex_a ORDER BY grp) s',
  update: 'UPDATE ex_a SET val = val + 1 WHERE id < 10'
}

/** Settings that make the planner pick a parallel plan and spill a sort, for the session. */
export const EXPLAIN_SESSION_SQL = `SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0; SET work_mem = '256kB'`

/** Tables that provoke the advice rules: correlated columns, an FK without index, a never-vacuumed table. */
export const ADVICE_SCHEMA_SQL = `
CREATE TABLE mis_t (id int PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO mis_t SELECT g, g % 500, g % 500 FROM generate_series(1, 100000) g;
ANALYZE mis_t;
CREATE TABLE ios_t (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
INSERT INTO ios_t SELECT g, g FROM generate_series(1, 20000) g;
CREATE TABLE fk_parent (id int PRIMARY KEY);
INSERT INTO fk_parent SELECT g FROM generate_series(1, 2000) g;
CREATE TABLE fk_child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES fk_parent (id) ON DELETE CASCADE);
INSERT INTO fk_child SELECT g, 1 + g % 2000 FROM generate_series(1, 200000) g;
ANALYZE fk_parent; ANALYZE fk_child;
CREATE TABLE lossy_t (id int, k int);
INSERT INTO lossy_t SELECT g, g % 100 FROM generate_series(1, 600000) g;
CREATE INDEX lossy_t_k_idx ON lossy_t (k);
ANALYZE lossy_t;`

/** A server with the EXPLAIN tables, an admin session on it, and the extra SQL a suite needs. */
export async function startExplainServer(...extra: string[]): Promise<{ server: PostgresHandle; admin: pg.Client }> {
  const server = await startPostgres()
  const admin = await server.admin(server.database)
  await admin.query(EXPLAIN_SCHEMA_SQL)
  for (const sql of extra) await admin.query(sql)
  // Stable visibility maps and statistics, so plans and heap fetches repeat run after run.
  await admin.query('VACUUM ANALYZE ex_a, ex_b')
  return { server, admin }
}
