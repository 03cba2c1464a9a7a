import pg from 'pg'
import type { PostgresHandle } from '../../src/main/harness/postgres'

/**
 * The problems the Postgres checks must find, each made for real on a throw-away server:
 * a slow and a chatty query, a table scanned sequentially, an unused, a duplicate and an invalid
 * index, a sequence near its maximum and one near its column's, dead rows autovacuum will not
 * clean, a bloated table, a NOT VALID constraint, an inactive replication slot, and sessions
 * (blocker idle in transaction, blocked, long-running) opened by startSessions().
 */
export const FIXTURE_SQL = `
CREATE TABLE seqy (id serial PRIMARY KEY, code int NOT NULL, payload text NOT NULL);
INSERT INTO seqy (code, payload) SELECT g % 5000, md5(g::text) FROM generate_series(1, 50000) g;
CREATE TABLE unused_t (id serial PRIMARY KEY, val int NOT NULL);
INSERT INTO unused_t (val) SELECT (g * 7919) % 100000 FROM generate_series(1, 100000) g;
CREATE INDEX unused_t_val_idx ON unused_t (val);
CREATE TABLE dup_t (id serial PRIMARY KEY, a int NOT NULL, b int NOT NULL);
INSERT INTO dup_t (a, b) SELECT g % 100, g FROM generate_series(1, 1000) g;
CREATE INDEX dup_t_a_idx ON dup_t (a);
CREATE INDEX dup_t_a_b_idx ON dup_t (a, b);
ALTER TABLE dup_t ADD CONSTRAINT dup_t_b_positive CHECK (b > 0) NOT VALID;
CREATE TABLE inv_t (id serial PRIMARY KEY, v int NOT NULL);
INSERT INTO inv_t (v) SELECT g % 10 FROM generate_series(1, 100) g;
CREATE SEQUENCE nearly_done AS integer MAXVALUE 1000;
SELECT setval('nearly_done', 990);
CREATE SEQUENCE wide_seq AS bigint;
CREATE TABLE narrow (id int NOT NULL DEFAULT nextval('wide_seq'));
ALTER SEQUENCE wide_seq OWNED BY narrow.id;
SELECT setval('wide_seq', 2000000000);
CREATE TABLE dead_t (id int PRIMARY KEY, v int) WITH (autovacuum_enabled = false);
INSERT INTO dead_t SELECT g, g FROM generate_series(1, 20000) g;
ANALYZE dead_t;
DELETE FROM dead_t WHERE id % 2 = 0;
CREATE TABLE bloat_t (id int PRIMARY KEY, body text NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO bloat_t SELECT g, repeat('x', 200) FROM generate_series(1, 60000) g;
DELETE FROM bloat_t WHERE id % 10 <> 0;
CREATE TABLE locked_t (id int PRIMARY KEY, v int);
INSERT INTO locked_t VALUES (1, 0);
CREATE TABLE lookup_t (id int PRIMARY KEY, name text);
INSERT INTO lookup_t SELECT g, 'n' || g FROM generate_series(1, 1000) g;
SELECT pg_create_physical_replication_slot('stale_slot', true);
`

export async function createFixture(server: PostgresHandle): Promise<void> {
  const a = await server.admin(server.database)
  try {
    await a.query(FIXTURE_SQL)
    // The DELETEs' dead-row counts must reach the statistics before VACUUM resets them.
    await a.query('SELECT pg_stat_force_next_flush()')
    await a.query('SELECT 1')
    await a.query('VACUUM bloat_t')
    await a.query('ANALYZE seqy, unused_t, dup_t, inv_t, lookup_t, bloat_t, locked_t')
    // A failed CREATE INDEX CONCURRENTLY leaves its index behind, invalid.
    await a.query('CREATE UNIQUE INDEX CONCURRENTLY inv_t_v_idx ON inv_t (v)').catch(() => {})
    await a.query('SELECT pg_stat_force_next_flush()')
  } finally {
    await a.end()
  }
}

/** A table read by sequential scans: its filter column has no index. */
export async function scanSequentially(server: PostgresHandle, times: number): Promise<void> {
  const a = await server.admin(server.database)
  try {
    for (let i = 0; i < times; i++) await a.query('SELECT count(*) FROM seqy WHERE code = $1', [i])
    await a.query('SELECT pg_stat_force_next_flush()')
  } finally {
    await a.end()
  }
}

/** The slow query (two calls of 150 ms) and the chatty one (many calls of almost nothing). */
export async function runQueryWorkload(server: PostgresHandle, chattyCalls: number): Promise<void> {
  const a = await server.admin(server.database)
  try {
    for (let i = 0; i < 2; i++) await a.query('SELECT pg_sleep(0.15) AS slow_fixture')
    for (let i = 0; i < chattyCalls; i++)
      await a.query({ name: 'chatty', text: 'SELECT name FROM lookup_t WHERE id = $1', values: [1 + (i % 1000)] })
  } finally {
    await a.end()
  }
}

export interface FixtureSessions {
  blocker: number
  blocked: number
  longRunning: number
  close(): Promise<void>
}

/**
 * A session idle in a transaction holding a row lock, a session blocked behind it, and one
 * running a long statement. Over TCP as the postgres user, with an application_name each.
 */
export async function startSessions(server: PostgresHandle): Promise<FixtureSessions> {
  const open = async (name: string) => {
    const c = new pg.Client({ connectionString: server.dsn, application_name: name })
    c.on('error', () => {})
    await c.connect()
    return c
  }
  const blocker = await open('fixture-blocker')
  const blocked = await open('fixture-blocked')
  const longRunning = await open('fixture-long')
  const pid = async (c: pg.Client) => Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p)
  const pids = { blocker: await pid(blocker), blocked: await pid(blocked), longRunning: await pid(longRunning) }
  await blocker.query('BEGIN')
  await blocker.query('UPDATE locked_t SET v = v + 1 WHERE id = 1')
  const pending = [
    blocked.query('UPDATE locked_t SET v = v + 10 WHERE id = 1').catch(() => {}),
    longRunning.query('SELECT pg_sleep(120)').catch(() => {})
  ]
  return {
    ...pids,
    async close() {
      await blocker.query('ROLLBACK').catch(() => {})
      await blocker.query('SELECT pg_cancel_backend($1)', [pids.longRunning]).catch(() => {})
      await Promise.allSettled(pending)
      await Promise.allSettled([blocker.end(), blocked.end(), longRunning.end()])
    }
  }
}
