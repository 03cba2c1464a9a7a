import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MAX_PG_SESSIONS_PER_PROFILE } from '../../src/main/core/limits'
import { MemorySecretStore } from '../../src/main/core/ports'
import { eventually, eventuallyAsync, startPostgres, type PostgresHandle } from '../harness'
import { coreCaller, jobCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

/**
 * EXPLAIN ANALYZE executes the statement, and rolling back does not undo what a function does
 * outside the transaction. Each attack below is performed for real on a real server; the effect
 * must not happen and the attempt must be audited as refused.
 */

let server: PostgresHandle
let admin: pg.Client
let victim: pg.Client
let listener: pg.Client
let core: Core
const call = coreCaller(() => core)
const explainJob = jobCaller(() => core)

beforeAll(async () => {
  server = await startPostgres()
  admin = await server.admin(server.database)
  const remote = `host=127.0.0.1 port=${server.port} dbname=${server.database} user=postgres password=${server.password}`
  await admin.query(`
    CREATE EXTENSION IF NOT EXISTS dblink;
    CREATE TABLE keepme (id int PRIMARY KEY, v text);
    INSERT INTO keepme SELECT g, 'row ' || g FROM generate_series(1, 100) g;
    CREATE SEQUENCE counter;
    -- A write through dblink, hidden in a function: it commits on its own connection.
    CREATE FUNCTION purge() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN PERFORM dblink_exec('${remote}', 'DELETE FROM keepme'); RETURN 1; END $$;
    CREATE VIEW innocent AS SELECT id, purge() AS p FROM keepme;
    CREATE TABLE audited (id serial PRIMARY KEY, v text);
    CREATE FUNCTION audit_remote() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM dblink_exec('${remote}', 'DELETE FROM keepme'); RETURN NEW; END $$;
    CREATE TABLE plain (id int, v text);
    CREATE TABLE triggered (id int, v text);
    CREATE TRIGGER t_remote BEFORE INSERT ON triggered FOR EACH ROW EXECUTE FUNCTION audit_remote();
    CREATE FUNCTION add_tax(numeric) RETURNS numeric LANGUAGE sql IMMUTABLE AS 'SELECT $1 * 1.2';
  `)
  victim = await server.admin(server.database)
  listener = await server.admin(server.database)
  await listener.query('LISTEN lookout_probe')
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  const profiles = [
    { name: 'sx-dev', environment: 'dev' },
    { name: 'sx-ro', environment: 'dev', readOnly: true },
    { name: 'sx-prod', environment: 'prod' },
    { name: 'sx-prod-opt', environment: 'prod', allowExplainAnalyze: true },
    { name: 'sx-allow', environment: 'dev', explainAnalyzeFunctions: ['public.add_tax'] }
  ]
  for (const p of profiles) await call('profiles.save', { profile: { ...p, postgres: server.dsn } })
})

afterAll(async () => {
  await core?.close()
  for (const c of [victim, listener, admin]) await c?.end().catch(() => {})
  await server?.stop()
})

const victimPid = async () => Number((await victim.query('SELECT pg_backend_pid() AS p')).rows[0].p)
const rows = async () => Number((await admin.query('SELECT count(*) AS n FROM keepme')).rows[0].n)
const lastAudit = async () => (await call('audit.recent', { limit: 1 }))[0]

describe('EXPLAIN ANALYZE: where it may run at all', () => {
  it('a read-only profile never runs ANALYZE, not even a plain SELECT; the estimated plan still works', async () => {
    await expect(
      explainJob('explain.run', { profile: 'sx-ro', sql: 'SELECT 1', analyze: true, confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringMatching(/read-only.*estimated plan/)
    })
    expect(await lastAudit()).toMatchObject({ profile: 'sx-ro', action: 'explain analyze', outcome: 'refused' })
    const plain = await explainJob('explain.run', { profile: 'sx-ro', sql: 'SELECT * FROM keepme', analyze: false })
    expect(plain.plan.analyzed).toBe(false)
  })

  it('on prod, ANALYZE is off unless the profile opts in, and then needs the profile name typed', async () => {
    await expect(
      explainJob('explain.run', { profile: 'sx-prod', sql: 'SELECT 1', analyze: true, confirmation: 'sx-prod' })
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('allowExplainAnalyze')
    })
    await expect(
      explainJob('explain.run', { profile: 'sx-prod-opt', sql: 'SELECT 1', analyze: true, confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('needs its name typed')
    })
    const r = await explainJob('explain.run', {
      profile: 'sx-prod-opt',
      sql: 'SELECT count(*) FROM keepme WHERE v LIKE $1',
      params: ['row 1%'],
      analyze: true,
      confirmation: 'sx-prod-opt'
    })
    expect(r.run).toMatchObject({ analyzed: true, rolledBack: true })
    expect(r.plan.analyzed).toBe(true)
    // Audited twice: the request (checked and started) and the job's end.
    const [end, start] = await call('audit.recent', { limit: 2 })
    expect(start).toMatchObject({ profile: 'sx-prod-opt', action: 'explain analyze', outcome: 'ok' })
    expect(end).toMatchObject({ profile: 'sx-prod-opt', action: 'explain analyze (job ended)', outcome: 'ok' })
    expect(end.target).toBe(start.target)
  })

  it('turning ANALYZE on for a prod profile is itself a guarded change', async () => {
    const p = (await call('profiles.list', {})).find((x: { name: string }) => x.name === 'sx-prod')
    const { secrets: _s, ...profile } = p
    await expect(
      call('profiles.save', { profile: { ...profile, allowExplainAnalyze: true }, replace: true, confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('allowExplainAnalyze')
    })
  })
})

describe('EXPLAIN ANALYZE refuses what could act outside its transaction, before running anything', () => {
  const attempt = (sql: string, profile = 'sx-prod-opt') =>
    explainJob('explain.run', { profile, sql, analyze: true, confirmation: profile === 'sx-prod-opt' ? 'sx-prod-opt' : 'confirm' })

  it('signalling another backend: pg_terminate_backend and pg_cancel_backend', async () => {
    const pid = await victimPid()
    for (const fn of ['pg_terminate_backend', 'pg_cancel_backend']) {
      await expect(attempt(`SELECT ${fn}(${pid})`)).rejects.toMatchObject({
        code: 'refused',
        reason: 'side_effects',
        message: expect.stringContaining(`pg_catalog.${fn}(`)
      })
      const line = await lastAudit()
      expect(line).toMatchObject({ action: 'explain analyze', outcome: 'refused' })
      expect(line.error).toMatch(/Nothing was run.*estimated plan/)
    }
    expect(await victimPid()).toBe(pid)
  })

  it('a dblink write hidden in a PL/pgSQL function, in a view, and in a trigger', async () => {
    for (const [sql, via] of [
      ['SELECT purge()', 'the statement'],
      ['SELECT count(*) FROM innocent', 'view public.innocent'],
      ["INSERT INTO triggered VALUES (1, 'x')", 'trigger t_remote on public.triggered']
    ] as const) {
      await expect(attempt(sql, 'sx-dev')).rejects.toMatchObject({
        code: 'refused',
        message: expect.stringMatching(new RegExp(`(purge|audit_remote)\\(\\) \\(via ${via.replace(/[.]/g, '\\.')}\\)`))
      })
      expect(await rows()).toBe(100)
    }
  })

  it('nextval: a sequence is not rolled back', async () => {
    const before = (await admin.query('SELECT last_value, is_called FROM counter')).rows[0]
    await expect(attempt("SELECT nextval('counter')")).rejects.toMatchObject({ message: expect.stringContaining('pg_catalog.nextval(') })
    // A serial column's default calls nextval too: an INSERT into such a table is refused, by way of the default.
    await expect(attempt("INSERT INTO audited (v) VALUES ('x')", 'sx-dev')).rejects.toMatchObject({
      message: expect.stringContaining('via a column default of public.audited')
    })
    expect((await admin.query('SELECT last_value, is_called FROM counter')).rows[0]).toEqual(before)
  })

  it('pg_notify: no notification reaches a listener', async () => {
    const got: string[] = []
    listener.on('notification', (n) => got.push(n.payload ?? ''))
    await expect(attempt("SELECT pg_notify('lookout_probe', 'from-explain')")).rejects.toMatchObject({
      message: expect.stringContaining('pg_catalog.pg_notify(')
    })
    // Notifications arrive in commit order: once the marker sent after the attempt is here, the attempt's would be too.
    await admin.query("SELECT pg_notify('lookout_probe', 'marker')")
    await eventually('the marker notification', () => got.includes('marker') || null)
    expect(got).toEqual(['marker'])
  })

  it('advisory locks', async () => {
    for (const sql of ['SELECT pg_advisory_lock(4242)', 'SELECT pg_try_advisory_lock(4242)', 'SELECT pg_advisory_xact_lock(4242)'])
      await expect(attempt(sql)).rejects.toMatchObject({ message: expect.stringContaining('advisory') })
    expect(Number((await admin.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory'")).rows[0].n)).toBe(0)
  })

  it('statements it can read are still analysed: operators, aggregates, session-only volatile built-ins, an allowed function', async () => {
    const ok = await attempt("SELECT id, random() < 2 AS r, now() FROM keepme WHERE v LIKE 'row 1%' ORDER BY id LIMIT 5")
    expect(ok.plan.analyzed).toBe(true)
    // A write that calls nothing outside the transaction runs (rolled back) on dev with confirmation.
    const w = await attempt("INSERT INTO plain VALUES (1, 'x')", 'sx-dev')
    expect(w.run).toMatchObject({ analyzed: true, readOnly: false, rolledBack: true })
    expect(Number((await admin.query('SELECT count(*) AS n FROM plain')).rows[0].n)).toBe(0)
    // add_tax is SQL, which Lookout does not read into: refused unless the profile lists it.
    await expect(attempt('SELECT add_tax(10)', 'sx-dev')).rejects.toMatchObject({
      message: expect.stringContaining('public.add_tax(numeric)')
    })
    expect((await attempt('SELECT add_tax(10)', 'sx-allow')).plan.analyzed).toBe(true)
  })
})

describe('sessions for EXPLAIN and actions are capped per profile', () => {
  it(`27 parallel EXPLAIN ANALYZE of pg_sleep: ${MAX_PG_SESSIONS_PER_PROFILE} run, the rest are refused as busy at once, other clients still connect`, async () => {
    const results = Array.from({ length: 27 }, () =>
      explainJob('explain.run', { profile: 'sx-dev', sql: 'SELECT pg_sleep(3)', analyze: true }).then(
        () => 'ok',
        (e: { code?: string }) => e.code ?? 'error'
      )
    )
    // While the two run, the server has room for anyone else.
    await eventuallyAsync('two EXPLAIN sessions sleeping', async () => {
      const n = Number(
        (await admin.query("SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'lookout' AND query LIKE '%pg_sleep%'"))
          .rows[0].n
      )
      return n === MAX_PG_SESSIONS_PER_PROFILE || null
    })
    const other = await server.admin(server.database)
    expect((await other.query('SELECT 1 AS one')).rows[0].one).toBe(1)
    await other.end()
    const outcomes = await Promise.all(results)
    expect(outcomes.filter((o) => o === 'ok')).toHaveLength(MAX_PG_SESSIONS_PER_PROFILE)
    expect(outcomes.filter((o) => o === 'busy')).toHaveLength(27 - MAX_PG_SESSIONS_PER_PROFILE)
    const busy = (await call('audit.recent', { limit: 30 })).filter((l: { outcome: string; error?: string }) =>
      /already has 2 sessions/.test(l.error ?? '')
    )
    expect(busy).toHaveLength(25)
  })
})
