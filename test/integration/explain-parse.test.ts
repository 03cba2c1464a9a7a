import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { analysePlan } from '../../src/main/core/explain/analyse'
import { parseJsonPlan } from '../../src/main/core/explain/json-plan'
import { parseTextPlan } from '../../src/main/core/explain/text-plan'
import type { PlanModel } from '../../src/shared/explain'
import { planRoots } from '../../src/shared/plan-tree'
import type { PostgresHandle } from '../harness'
import { EXPLAIN_QUERIES, EXPLAIN_SESSION_SQL, startExplainServer } from '../helpers/explain-fixture'

let server: PostgresHandle
let c: pg.Client

beforeAll(async () => {
  ;({ server, admin: c } = await startExplainServer(EXPLAIN_SESSION_SQL))
})

afterAll(async () => {
  await c?.end()
  await server?.stop()
})

async function explain(options: string, sql: string): Promise<string> {
  await c.query('BEGIN')
  try {
    // EXPLAIN's json kept as text, as Lookout reads it (a 64-bit queryid does not survive numbers).
    const r = await c.query({
      text: `EXPLAIN (${options}) ${sql}`,
      types: { getTypeParser: (oid: number) => (oid === 114 ? (v: string) => v : pg.types.getTypeParser(oid)) }
    })
    return r.rows
      .map((row) => Object.values(row)[0])
      .map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))
      .join('\n')
  } finally {
    await c.query('ROLLBACK')
  }
}

describe('the same plan in JSON and text from PostgreSQL 15 yields the same model', () => {
  it('with COSTS OFF, a partitioned table’s UPDATE, a one-time filter: text and JSON alike', async () => {
    await c.query('SET max_parallel_workers_per_gather = 0')
    await c.query('DROP TABLE IF EXISTS parted')
    await c.query('CREATE TABLE parted (a int, b text) PARTITION BY RANGE (a)')
    await c.query('CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100)')
    await c.query('CREATE TABLE parted_2 PARTITION OF parted FOR VALUES FROM (100) TO (200)')
    await c.query("INSERT INTO parted SELECT g, 'x' FROM generate_series(0, 199) g")
    const cases = {
      'partitioned update': "UPDATE parted SET b = 'y' WHERE a % 10 = 0",
      'one-time filter': 'SELECT a FROM parted WHERE false',
      'project set': 'SELECT generate_series(1, 10)'
    }
    for (const [name, sql] of Object.entries(cases))
      for (const opts of ['ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF', 'ANALYZE, TIMING OFF, SUMMARY OFF, VERBOSE', 'COSTS OFF']) {
        const text = parseTextPlan(await explain(opts, sql))
        const json = parseJsonPlan(await explain(`${opts}, FORMAT JSON`, sql))
        expect(text, `${name} with ${opts}`).toEqual(json)
      }
  })

  it('a statement a rule rewrote into two: two plans, two roots, text and JSON alike', async () => {
    await c.query(`SET max_parallel_workers_per_gather = 0;
      DROP TABLE IF EXISTS rule_parent, rule_child;
      CREATE TABLE rule_parent (a int PRIMARY KEY, b text);
      CREATE TABLE rule_child (a int, parent int);
      CREATE RULE rule_cascade AS ON DELETE TO rule_parent DO DELETE FROM rule_child WHERE rule_child.parent = old.a;
      INSERT INTO rule_parent SELECT g, g::text FROM generate_series(1, 50) g;
      INSERT INTO rule_child SELECT g, g % 50 FROM generate_series(1, 500) g;`)
    const sql = 'DELETE FROM rule_parent WHERE a = 7'
    for (const opts of ['COSTS OFF', 'ANALYZE, TIMING OFF, SUMMARY OFF', 'ANALYZE, TIMING OFF, VERBOSE']) {
      const rawText = await explain(opts, sql)
      const text = parseTextPlan(rawText)
      const json = parseJsonPlan(await explain(`${opts}, FORMAT JSON`, sql))
      // The rule's DELETE on the child, then the statement's own on the parent.
      expect(
        planRoots(text).map((id) => [text.nodes[id]!.operation, text.nodes[id]!.relation]),
        opts
      ).toEqual([
        ['Delete', 'rule_child'],
        ['Delete', 'rule_parent']
      ])
      if (opts.includes('VERBOSE')) {
        // Timings differ between the two runs; structure and counts do not.
        const shape = (p: PlanModel) => p.nodes.map((n) => [n.parent, n.nodeType, n.relation, n.actualRows, n.actualLoops])
        expect(shape(text)).toEqual(shape(json))
        // Each statement's planning and execution time, added up.
        const times = [...rawText.matchAll(/Execution Time: ([\d.]+) ms/g)].map((m) => Number(m[1]))
        expect(times).toHaveLength(2)
        expect(text.executionMs).toBeCloseTo(times[0]! + times[1]!, 3)
      } else expect(text, opts).toEqual(json)
    }
  })

  it("postgres_fdw's direct modify joined on the remote server: a bare Foreign Update, text and JSON alike", async () => {
    await c.query(`CREATE EXTENSION IF NOT EXISTS postgres_fdw;
      DROP SERVER IF EXISTS loopback CASCADE;
      CREATE SERVER loopback FOREIGN DATA WRAPPER postgres_fdw
        OPTIONS (host '${server.dir}', port '${server.port}', dbname '${server.database}');
      CREATE USER MAPPING FOR CURRENT_USER SERVER loopback;
      DROP TABLE IF EXISTS fdw_orders, fdw_customers;
      CREATE TABLE fdw_orders (id int PRIMARY KEY, customer int, status text);
      CREATE TABLE fdw_customers (id int PRIMARY KEY, region text);
      INSERT INTO fdw_customers SELECT g, CASE WHEN g % 2 = 0 THEN 'eu' ELSE 'us' END FROM generate_series(1, 20) g;
      INSERT INTO fdw_orders SELECT g, 1 + g % 20, 'new' FROM generate_series(1, 200) g;
      CREATE FOREIGN TABLE remote_orders (id int, customer int, status text) SERVER loopback OPTIONS (table_name 'fdw_orders');
      CREATE FOREIGN TABLE remote_customers (id int, region text) SERVER loopback OPTIONS (table_name 'fdw_customers');`)
    const sql = "UPDATE remote_orders o SET status = 'held' FROM remote_customers c WHERE c.id = o.customer AND c.region = 'eu'"
    for (const opts of ['COSTS OFF', 'VERBOSE, COSTS OFF', 'VERBOSE']) {
      const raw = await explain(opts, sql)
      const text = parseTextPlan(raw)
      expect(text, `${opts}:\n${raw}`).toEqual(parseJsonPlan(await explain(`${opts}, FORMAT JSON`, sql)))
      const modify = text.nodes.find((n) => n.nodeType === 'Foreign Scan')!
      expect(modify.operation).toBe('Update')
    }
    // The join pushed down leaves the remote UPDATE without a relation of its own.
    expect(await explain('COSTS OFF', sql)).toMatch(/-> {2}Foreign Update$/m)
  })

  for (const [name, sql] of Object.entries(EXPLAIN_QUERIES)) {
    it(name, async () => {
      // Parallel workers share rows differently on each run; compared with structure below.
      await c.query(`SET max_parallel_workers_per_gather = ${name === 'parallel' ? 2 : 0}`)
      // Timing off: every other figure of two runs of the same statement is the same.
      const opts = 'ANALYZE, TIMING OFF, SUMMARY OFF, BUFFERS OFF, VERBOSE, SETTINGS'
      const json = parseJsonPlan(await explain(`${opts}, FORMAT JSON`, sql))
      const text = parseTextPlan(await explain(`${opts}, FORMAT TEXT`, sql))
      expect(text.nodes.length).toBeGreaterThan(0)
      if (name === 'parallel')
        expect(text.nodes.map((n) => [n.nodeType, n.parallelAware, n.workersPlanned, n.depth])).toEqual(
          json.nodes.map((n) => [n.nodeType, n.parallelAware, n.workersPlanned, n.depth])
        )
      else expect(text).toEqual(json)
      // And without ANALYZE (costs only), with buffers-free summaries.
      const planOnly = 'COSTS, VERBOSE'
      expect(parseTextPlan(await explain(planOnly, sql))).toEqual(parseJsonPlan(await explain(`${planOnly}, FORMAT JSON`, sql)))
    })
  }

  it('with timing and buffers the structure and every count match, times within the two runs', async () => {
    const sql = EXPLAIN_QUERIES.hashJoin!
    const json = analysePlan(parseJsonPlan(await explain('ANALYZE, BUFFERS, FORMAT JSON', sql)))
    const text = analysePlan(parseTextPlan(await explain('ANALYZE, BUFFERS', sql)))
    expect(text.nodes.map((n) => [n.nodeType, n.relation, n.actualRows, n.actualLoops])).toEqual(
      json.nodes.map((n) => [n.nodeType, n.relation, n.actualRows, n.actualLoops])
    )
    expect(text.executionMs).toBeGreaterThan(0)
    expect(text.planningMs).toBeGreaterThan(0)
    expect(text.nodes[0]!.inclusiveMs).toBeGreaterThan(0)
    expect(text.nodes[0]!.buffers).not.toBeNull()
  })
})
