import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { eventuallyAsync, startPostgres, type PostgresHandle } from '../harness'
import { EXPLAIN_SCHEMA_SQL } from '../helpers/explain-fixture'
import { tempDir } from '../helpers/temp'
import { coreCaller, jobCaller } from '../helpers/core-call'

let server: PostgresHandle
let admin: pg.Client
let core: Core
const dataDir = tempDir()

const call = coreCaller(() => core)
const explainJob = jobCaller(() => core)
const count = async (table: string) => Number((await admin.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n)

beforeAll(async () => {
  server = await startPostgres()
  admin = await server.admin(server.database)
  await admin.query(EXPLAIN_SCHEMA_SQL)
  core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  for (const [name, environment, readOnly] of [
    ['x-dev', 'dev', false],
    ['x-prod', 'prod', false],
    ['x-ro', 'dev', true]
  ] as const)
    await call('profiles.save', {
      // x-prod opts in to ANALYZE (off by default on prod): the tests below need it to reach the other rules.
      profile: {
        name,
        environment,
        readOnly,
        allowExplainAnalyze: environment === 'prod',
        postgres: server.dsn,
        thresholds: { explain_lock_timeout_s: 1 }
      }
    })
})

afterAll(async () => {
  await core?.close()
  await admin?.end()
  await server?.stop()
})

describe('EXPLAIN on a live target', () => {
  it('a plain SELECT with ANALYZE runs read-only and comes back analysed and advised, with live facts', async () => {
    const r = await explainJob('explain.run', {
      profile: 'x-prod',
      sql: 'SELECT * FROM ex_a WHERE val = 7',
      analyze: true,
      confirmation: 'x-prod'
    })
    expect(r.run).toMatchObject({ analyzed: true, readOnly: true, rolledBack: true })
    expect(r.plan.analyzed).toBe(true)
    expect(r.plan.nodes[0].inclusiveMs).toBeGreaterThan(0)
    expect(r.advice.find((a: { rule: string }) => a.rule === 'seq_scan_filter').sql).toBe('CREATE INDEX CONCURRENTLY ON ex_a (val);')
    // A partial index that cannot serve the filter does not count as the proposal being in place.
    await admin.query('CREATE INDEX ex_a_val_partial_idx ON ex_a (val) WHERE val > 999')
    const partial = await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE val = 7', analyze: true })
    expect(partial.advice.find((a: { rule: string }) => a.rule === 'seq_scan_filter').sql).toBe('CREATE INDEX CONCURRENTLY ON ex_a (val);')
    // With the proposed index created, the plan changes and the advice is gone.
    await admin.query('CREATE INDEX ex_a_val_idx ON ex_a (val)')
    const after = await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE val = 7', analyze: true })
    expect(after.advice.map((a: { rule: string }) => a.rule)).not.toContain('seq_scan_filter')
    // Both plans are in the query's history (same queryid), and compare node by node.
    expect(after.plan.queryId).toMatch(/^-?\d+$/)
    const history = await call('explain.history', { profile: 'x-dev', historyId: after.historyId })
    expect(history.map((h: { id: string }) => h.id)).toEqual(expect.arrayContaining([after.historyId, partial.historyId]))
    const cmp = await call('explain.compare', { before: partial.historyId, after: after.historyId })
    expect(cmp.nodes.find((n: { change: string }) => n.change === 'removed').label).toBe('Seq Scan on ex_a')
    expect(cmp.nodes.some((n: { change: string; label: string }) => n.change === 'added' && /ex_a_val_idx/.test(n.label))).toBe(true)
    await admin.query('DROP INDEX ex_a_val_partial_idx, ex_a_val_idx')
  })

  it('an estimated plan (no ANALYZE, as prod allows) is advised from the catalog: a scan keeping a sliver of a large table, the index checked with hypopg', async () => {
    await admin.query('CREATE EXTENSION IF NOT EXISTS hypopg')
    try {
      const r = await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE val = 7', analyze: false })
      expect(r.plan.analyzed).toBe(false)
      const seq = r.advice[0]
      expect(seq).toMatchObject({ rule: 'seq_scan_filter', sql: 'CREATE INDEX CONCURRENTLY ON ex_a (val);' })
      expect(seq.title).toMatch(/^Sequential scan on ex_a expected to keep \d+ of about 50,000 rows$/)
      expect(seq.hypothetical.used).toBe(true)
      expect(seq.hypothetical.costAfter).toBeLessThan(seq.hypothetical.costBefore / 2)
      // A lookup by primary key gets nothing to say.
      expect(
        (await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE id = 7', analyze: false })).advice
      ).toEqual([])
    } finally {
      await admin.query('DROP EXTENSION hypopg')
    }
  })

  it('with hypopg installed, the proposed index is tried as hypothetical: estimated cost before and after, nothing created', async () => {
    await admin.query('CREATE EXTENSION IF NOT EXISTS hypopg')
    try {
      const r = await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE val = 7', analyze: true })
      const seq = r.advice.find((a: { rule: string }) => a.rule === 'seq_scan_filter')
      expect(seq.hypothetical.used).toBe(true)
      expect(seq.hypothetical.costAfter).toBeLessThan(seq.hypothetical.costBefore / 2)
      expect(seq.message).toMatch(/hypothetical index \(hypopg\), the planner's estimated cost goes from \d+ to \d+/)
      const real = await admin.query("SELECT indexname FROM pg_indexes WHERE tablename = 'ex_a' AND indexdef LIKE '%(val)%'")
      expect(real.rowCount).toBe(0)
    } finally {
      await admin.query('DROP EXTENSION hypopg')
    }
  })

  it('EXPLAIN ANALYZE DELETE needs the confirmation, then really runs and is rolled back: every row stays', async () => {
    const before = await count('ex_b')
    await expect(explainJob('explain.run', { profile: 'x-dev', sql: 'DELETE FROM ex_b', analyze: true })).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('this statement writes: EXPLAIN ANALYZE really executes it, then rolls it back')
    })
    const r = await explainJob('explain.run', { profile: 'x-dev', sql: 'DELETE FROM ex_b', analyze: true, confirmation: 'confirm' })
    expect(r.run).toMatchObject({ readOnly: false, rolledBack: true })
    expect(r.plan.nodes[0]).toMatchObject({ nodeType: 'ModifyTable', operation: 'Delete' })
    expect(r.plan.nodes[1].totalRows).toBe(before)
    expect(await count('ex_b')).toBe(before)
  })

  it('writes under ANALYZE are refused outright on prod and read-only profiles; plain EXPLAIN is fine', async () => {
    for (const profile of ['x-prod', 'x-ro'])
      await expect(
        explainJob('explain.run', {
          profile,
          sql: 'UPDATE ex_a SET val = 0',
          analyze: true,
          confirmation: profile === 'x-prod' ? 'x-prod' : 'confirm'
        })
      ).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('EXPLAIN without ANALYZE') })
    const plain = await explainJob('explain.run', { profile: 'x-ro', sql: 'UPDATE ex_a SET val = 0', analyze: false })
    expect(plain.plan.analyzed).toBe(false)
    expect(Number((await admin.query('SELECT count(*) AS n FROM ex_a WHERE val = 0')).rows[0].n)).toBeLessThan(100)
  })

  it('"SELECT 1; DROP TABLE ex_a" is refused by the server’s protocol and the table survives', async () => {
    await expect(
      explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT 1; DROP TABLE ex_a', analyze: true, confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('one statement at a time')
    })
    expect(await count('ex_a')).toBe(50000)
  })

  it('a statement blocked by a lock times out with a clear message', async () => {
    const locker = await server.admin(server.database)
    try {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE ex_a IN ACCESS EXCLUSIVE MODE')
      await expect(explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT count(*) FROM ex_a', analyze: true })).rejects.toMatchObject({
        message: expect.stringContaining('waited longer than lock_timeout (1 s)')
      })
    } finally {
      await locker.query('ROLLBACK')
      await locker.end()
    }
  })

  it('EXPLAIN ANALYZE is a job: the request answers while the statement runs, and job.cancel stops it on the server', async () => {
    const jobId = 'explain-cancel-test'
    const sleeping = async () =>
      Number(
        (
          await admin.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = 'lookout' AND state = 'active' AND query LIKE '%pg_sleep(600)%'"
          )
        ).rows[0].n
      )
    const ended = explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT pg_sleep(600)', analyze: true, jobId }).then(
      () => null,
      (e: { code?: string; message: string }) => e
    )
    // The request has answered (the job id) long before a ten-minute statement could end.
    await eventuallyAsync('the EXPLAIN running on the server', async () => (await sleeping()) === 1 || null)
    expect(await call('job.cancel', { jobId })).toEqual({ cancelling: true })
    expect(await ended).toMatchObject({ code: 'conflict', message: expect.stringContaining('cancelled') })
    await eventuallyAsync('the statement gone from the server', async () => (await sleeping()) === 0 || null)
  })

  it('server errors come with SQLSTATE, position in the statement and hint; $n parameters are bound, never spliced', async () => {
    await expect(
      explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT nosuchcolumn FROM ex_a', analyze: false })
    ).rejects.toMatchObject({
      message: expect.stringMatching(/column "nosuchcolumn" does not exist \(SQLSTATE 42703\) at character 8 of the statement/)
    })
    await expect(
      explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE id = $1', analyze: true })
    ).rejects.toMatchObject({
      message: expect.stringContaining('give a value for each')
    })
    // A value is a value: bound, it is not valid as an integer, and nothing else runs.
    await expect(
      explainJob('explain.run', {
        profile: 'x-dev',
        sql: 'SELECT * FROM ex_a WHERE id = $1',
        analyze: true,
        params: ["1'; DROP TABLE ex_a; --"]
      })
    ).rejects.toMatchObject({ message: expect.stringContaining('SQLSTATE 22P02') })
    expect(await count('ex_a')).toBe(50000)
    const ok = await explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE id = $1', analyze: true, params: ['42'] })
    expect(ok.plan.nodes[0].totalRows).toBe(1)
  }, 60_000)

  it('$n parameters without values and without ANALYZE: the generic plan at once (PostgreSQL 15: a prepared statement, the generic plan forced), never a second statement', async () => {
    const generic = await explainJob('explain.run', {
      profile: 'x-dev',
      sql: 'SELECT * FROM ex_a WHERE id = $1 AND grp = $2',
      analyze: false
    })
    expect(generic.plan.nodes[0]).toMatchObject({ nodeType: 'Index Scan', indexName: 'ex_a_pkey' })
    expect(generic.plan.nodes[0].indexCond).toContain('$1')
    expect(generic.plan.analyzed).toBe(false)
    // PREPARE goes through the extended protocol: one statement, or the server refuses.
    await expect(
      explainJob('explain.run', { profile: 'x-dev', sql: 'SELECT * FROM ex_a WHERE id = $1; DROP TABLE ex_a', analyze: false })
    ).rejects.toMatchObject({ message: expect.stringContaining('Lookout explains one statement at a time') })
    expect(await count('ex_a')).toBe(50000)
  }, 60_000)

  it('a generic plan offers custom plans with values from pg_stats.most_common_vals, and those values give their own plans', async () => {
    // Skewed: 'shipped' is 90% of the rows, 'lost' 0.2%; one index on the status.
    await admin.query(`CREATE TABLE skew_orders (id int PRIMARY KEY, status text NOT NULL, region text NOT NULL);
      INSERT INTO skew_orders SELECT g,
        CASE WHEN g % 1000 < 900 THEN 'shipped' WHEN g % 1000 < 998 THEN 'pending' ELSE 'lost' END,
        CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END
      FROM generate_series(1, 100000) g;
      CREATE INDEX skew_orders_status_idx ON skew_orders (status);
      ANALYZE skew_orders;`)
    const sql = 'SELECT * FROM skew_orders o WHERE o.status = $1 AND region = $2'
    const generic = await explainJob('explain.run', { profile: 'x-dev', sql, analyze: false })
    expect(generic.plan.analyzed).toBe(false)
    expect(generic.customPlans).toEqual([
      {
        label: 'most common values',
        values: ['shipped', expect.stringMatching(/^(eu|us)$/)],
        why: expect.stringMatching(
          /^\$1 = shipped \(skew_orders\.status: \d+\.\d% of rows\), \$2 = (eu|us) \(skew_orders\.region: \d+\.\d% of rows\)$/
        )
      },
      { label: 'rarest common values', values: ['lost', expect.stringMatching(/^(eu|us)$/)], why: expect.stringContaining('$1 = lost') }
    ])
    // ANALYZE samples the table: the shares are near 90% and 50%, not exactly.
    const [statusShare, regionShare] = [...generic.customPlans![0]!.why.matchAll(/([\d.]+)% of rows/g)].map((m) => Number(m[1]))
    expect(statusShare).toBeGreaterThan(85)
    expect(statusShare).toBeLessThan(95)
    expect(regionShare).toBeGreaterThan(45)
    expect(regionShare).toBeLessThan(55)
    // Each set, bound as parameters: the planner's custom plan for those values.
    const [common, rare] = generic.customPlans!
    const scanOf = async (values: string[]) => {
      const r = await explainJob('explain.run', { profile: 'x-dev', sql, analyze: false, params: values })
      expect(r.customPlans).toBeUndefined()
      return r.plan.nodes.find((n: { relation: string | null }) => n.relation === 'skew_orders')!.nodeType
    }
    expect(await scanOf(common!.values)).toBe('Seq Scan')
    expect(['Index Scan', 'Bitmap Heap Scan']).toContain(await scanOf(rare!.values))
    // A parameter Lookout cannot tie to a column (an expression): no offer, the generic plan all the same.
    const expr = await explainJob('explain.run', {
      profile: 'x-dev',
      sql: 'SELECT * FROM skew_orders WHERE length(status) = $1',
      analyze: false
    })
    expect(expr.customPlans).toBeUndefined()
    expect(expr.plan.nodes.length).toBeGreaterThan(0)
    // A LIMIT $2 (as pg_stat_statements writes a literal LIMIT): the status drawn from the statistics, the limit left to type.
    const limited = await explainJob('explain.run', {
      profile: 'x-dev',
      sql: 'SELECT id FROM skew_orders WHERE status = $1 ORDER BY id LIMIT $2',
      analyze: false
    })
    expect(limited.customPlans![0]).toEqual({
      label: 'most common values',
      values: ['shipped', null],
      why: expect.stringMatching(/^\$1 = shipped \(skew_orders\.status: .*\), \$2: no common values to draw from, type one$/)
    })
  }, 60_000)

  it('every run is audited with a digest of the statement, never its text', async () => {
    const lines = readFileSync(join(dataDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const explains = lines.filter((e: { action: string }) => e.action.startsWith('explain'))
    expect(explains.length).toBeGreaterThanOrEqual(8)
    expect(new Set(explains.map((e: { outcome: string }) => e.outcome))).toEqual(new Set(['ok', 'refused', 'failed']))
    expect(JSON.stringify(explains)).not.toContain('DELETE FROM ex_b')
  })
})
