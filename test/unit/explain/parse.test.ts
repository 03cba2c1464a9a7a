import { describe, expect, it } from 'vitest'
import { analysePlan } from '../../../src/main/core/explain/analyse'
import { parsePlan, planFormat } from '../../../src/main/core/explain'
import { parseJsonPlan } from '../../../src/main/core/explain/json-plan'
import { PlanParseError } from '../../../src/main/core/explain/model'
import { identifiers, parseTextPlan, splitTopLevel } from '../../../src/main/core/explain/text-plan'
import { seededRandom } from '../../helpers/prng'

const PSQL_15 = `                                                     QUERY PLAN
---------------------------------------------------------------------------------------------------------------------
 Hash Join  (cost=1.09..2.27 rows=10 width=8) (actual time=0.030..0.035 rows=10 loops=1)
   Hash Cond: (a.id = b.id)
   Buffers: shared hit=2 read=1
   ->  Seq Scan on a  (cost=0.00..1.10 rows=10 width=4) (actual time=0.008..0.009 rows=10 loops=1)
         Filter: (v > 0)
         Rows Removed by Filter: 5
         Buffers: shared hit=1
   ->  Hash  (cost=1.04..1.04 rows=4 width=4) (actual time=0.012..0.012 rows=4 loops=1)
         Buckets: 1024  Batches: 1  Memory Usage: 9kB
         Buffers: shared hit=1 read=1
         ->  Seq Scan on b  (cost=0.00..1.04 rows=4 width=4) (actual time=0.004..0.005 rows=4 loops=1)
               Buffers: shared hit=1 read=1
 Planning:
   Buffers: shared hit=12
 Planning Time: 0.123 ms
 Execution Time: 0.067 ms
(16 rows)
`

describe('text plans from the places SREs copy them', () => {
  it('psql: header, dashes, footer; nodes, attributes, planning buffers and times', () => {
    const p = analysePlan(parseTextPlan(PSQL_15))
    expect(p.nodes.map((n) => [n.id, n.parent, n.depth, n.nodeType, n.relation])).toEqual([
      [0, -1, 0, 'Hash Join', null],
      [1, 0, 1, 'Seq Scan', 'a'],
      [2, 0, 1, 'Hash', null],
      [3, 2, 2, 'Seq Scan', 'b']
    ])
    expect(p.nodes[0]).toMatchObject({ joinType: 'Inner', hashCond: '(a.id = b.id)', actualRows: 10 })
    expect(p.nodes[1]).toMatchObject({ filter: '(v > 0)', rowsRemovedByFilter: 5 })
    expect(p.nodes[2]).toMatchObject({ hashBuckets: 1024, hashBatches: 1, peakMemoryKb: 9 })
    expect(p.nodes[0]!.buffers).toMatchObject({ sharedHit: 2, sharedRead: 1 })
    expect(p.nodes[0]!.exclusiveBuffers).toMatchObject({ sharedHit: 0, sharedRead: 0 })
    expect(p.planningBuffers).toMatchObject({ sharedHit: 12 })
    expect(p).toMatchObject({ planningMs: 0.123, executionMs: 0.067, analyzed: true })
    expect(p.nodes[0]!.exclusiveMs).toBeCloseTo(0.035 - 0.009 - 0.012, 9)
  })

  it('pgAdmin: every row in double quotes', () => {
    const quoted = PSQL_15.split('\n')
      .slice(2, 13)
      .map((l) => `"${l.slice(1)}"`)
      .join('\n')
    expect(parseTextPlan(quoted).nodes.map((n) => n.nodeType)).toEqual(['Hash Join', 'Seq Scan', 'Hash', 'Seq Scan'])
  })

  it('auto_explain in a server log, with its Query Text', () => {
    const log = `2026-11-23 10:00:00.123 UTC [4242] LOG:  duration: 12.345 ms  plan:
\tQuery Text: SELECT * FROM orders WHERE customer_id = 42
\tSeq Scan on orders  (cost=0.00..3583.00 rows=10 width=20) (actual time=0.010..11.900 rows=9 loops=1)
\t  Filter: (customer_id = 42)
\t  Rows Removed by Filter: 199991`
    const p = parseTextPlan(log)
    expect(p.queryText).toBe('SELECT * FROM orders WHERE customer_id = 42')
    expect(p.nodes[0]).toMatchObject({ nodeType: 'Seq Scan', relation: 'orders', rowsRemovedByFilter: 199991 })
  })

  it('psql showing a JSON plan: "+" continuations', () => {
    const json = `                QUERY PLAN
------------------------------------------
 [                                       +
   {                                     +
     "Plan": {                           +
       "Node Type": "Seq Scan",          +
       "Relation Name": "t",             +
       "Alias": "t",                     +
       "Startup Cost": 0.00,             +
       "Total Cost": 35.50,              +
       "Plan Rows": 2550,                +
       "Plan Width": 4                   +
     }                                   +
   }                                     +
 ]
(1 row)`
    expect(planFormat(json)).toBe('json')
    expect(parsePlan(json).plan.nodes[0]).toMatchObject({ nodeType: 'Seq Scan', relation: 't', planRows: 2550 })
  })

  it('PostgreSQL 13-15 and 16+ name I/O timings differently; both read', () => {
    const v13 = parseTextPlan(
      'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=1 loops=1)\n  I/O Timings: read=1.250 write=0.500'
    )
    const v16 = parseTextPlan(
      'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..0.2 rows=1 loops=1)\n  I/O Timings: shared read=1.250 write=0.500'
    )
    expect([v13.nodes[0]!.ioReadMs, v16.nodes[0]!.ioReadMs]).toEqual([1.25, 1.25])
    const j13 = parseJsonPlan('[{"Plan": {"Node Type": "Seq Scan", "I/O Read Time": 1.25}}]')
    const j16 = parseJsonPlan('[{"Plan": {"Node Type": "Seq Scan", "Shared I/O Read Time": 1.25}}]')
    expect([j13.nodes[0]!.ioReadMs, j16.nodes[0]!.ioReadMs]).toEqual([1.25, 1.25])
  })

  it('PostgreSQL 17: Serialization and planning Memory; 18: fractional rows and Index Searches', () => {
    const v17 = parseTextPlan(`Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual time=0.010..0.020 rows=1 loops=1)
Planning:
  Buffers: shared hit=3
  Memory: used=10kB  allocated=16kB
Planning Time: 0.050 ms
Serialization: time=0.012 ms  output=1kB  format=text
Execution Time: 0.100 ms`)
    expect(v17).toMatchObject({ serializationMs: 0.012, executionMs: 0.1, planningMs: 0.05 })
    expect(v17.planningBuffers).toMatchObject({ sharedHit: 3 })
    const v18 = parseTextPlan(`Index Scan using t_pkey on t  (cost=0.29..8.30 rows=1 width=4) (actual time=0.010..0.011 rows=0.50 loops=2)
  Index Cond: (id = 1)
  Index Searches: 2
  Buffers: shared hit=4`)
    expect(v18.nodes[0]).toMatchObject({ actualRows: 0.5, actualLoops: 2, indexName: 't_pkey', indexCond: '(id = 1)' })
    expect(analysePlan(v18).nodes[0]!.totalRows).toBe(1)
    const j17 = parseJsonPlan(
      '[{"Plan": {"Node Type": "Result"}, "Serialization": {"Time": 0.5, "Output Volume": 1}, "Execution Time": 1}]'
    )
    expect(j17.serializationMs).toBe(0.5)
  })

  it('InitPlans, SubPlans and CTEs keep their names; loops and never-executed nodes', () => {
    const p = analysePlan(
      parseTextPlan(`Seq Scan on a  (cost=8.31..20.00 rows=5 width=4) (actual time=0.050..0.100 rows=2 loops=1)
  Filter: ((v = $0) AND (SubPlan 2))
  InitPlan 1 (returns $0)
    ->  Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.001 rows=1 loops=1)
  SubPlan 2
    ->  Index Only Scan using b_pkey on b  (cost=0.29..8.30 rows=1 width=0) (actual time=0.002..0.002 rows=1 loops=10)
          Index Cond: (id = a.id)
          Heap Fetches: 0
  CTE x
    ->  Seq Scan on c  (cost=0.00..1.00 rows=1 width=4) (never executed)`)
    )
    expect(p.nodes.map((n) => [n.nodeType, n.parent, n.parentRelationship, n.subplanName])).toEqual([
      ['Seq Scan', -1, null, null],
      ['Result', 0, 'InitPlan', 'InitPlan 1 (returns $0)'],
      ['Index Only Scan', 0, 'SubPlan', 'SubPlan 2'],
      ['Seq Scan', 0, 'InitPlan', 'CTE x']
    ])
    expect(p.nodes[2]!.inclusiveMs).toBeCloseTo(0.02, 9)
    expect(p.nodes[3]).toMatchObject({ neverExecuted: true, inclusiveMs: 0 })
  })

  it('node heads: joins, aggregates, set operations, modify, backward, quoted and qualified names', () => {
    const head = (h: string) => parseTextPlan(`${h}  (cost=0.00..1.00 rows=1 width=4)`).nodes[0]!
    expect(head('Hash Right Anti Join')).toMatchObject({ nodeType: 'Hash Join', joinType: 'Right Anti' })
    expect(head('Nested Loop Left Join')).toMatchObject({ nodeType: 'Nested Loop', joinType: 'Left' })
    expect(head('Finalize GroupAggregate')).toMatchObject({ nodeType: 'Aggregate', strategy: 'Sorted', partialMode: 'Finalize' })
    expect(head('HashSetOp Except All')).toMatchObject({ nodeType: 'SetOp', strategy: 'Hashed', operation: 'Except All' })
    expect(head('Update on public.orders o')).toMatchObject({
      nodeType: 'ModifyTable',
      operation: 'Update',
      schema: 'public',
      relation: 'orders',
      alias: 'o'
    })
    expect(head('Index Only Scan Backward using t_pkey on t')).toMatchObject({
      nodeType: 'Index Only Scan',
      operation: 'Backward',
      indexName: 't_pkey'
    })
    expect(head('Parallel Seq Scan on "My Table" m')).toMatchObject({ parallelAware: true, relation: 'My Table', alias: 'm' })
    expect(head('Subquery Scan on "*SELECT* 1"')).toMatchObject({ nodeType: 'Subquery Scan', alias: '*SELECT* 1' })
    expect(head('Function Scan on pg_catalog.generate_series g')).toMatchObject({
      functionName: 'generate_series',
      schema: 'pg_catalog',
      alias: 'g'
    })
    expect(identifiers('"a ""b"".c"."d" x')).toEqual([['a "b".c', 'd'], ['x']])
    expect(splitTopLevel("a, f(b, c), 'x, y', d")).toEqual(['a', 'f(b, c)', "'x, y'", 'd'])
  })

  it('costs off and timing off plans read too', () => {
    const p = parseTextPlan('Sort\n  Sort Key: a\n  ->  Seq Scan on t')
    expect(p.nodes.map((n) => [n.nodeType, n.depth])).toEqual([
      ['Sort', 0],
      ['Seq Scan', 1]
    ])
    const t = parseTextPlan('Seq Scan on t  (cost=0.00..1.00 rows=1 width=4) (actual rows=5 loops=2)')
    expect(t.nodes[0]).toMatchObject({ actualRows: 5, actualLoops: 2, actualTotalMs: null })
  })
})

describe('bad input: a precise error, never a crash', () => {
  it('names the line and what was expected', () => {
    expect(() => parseTextPlan('hello world: this is not a plan')).toThrow(PlanParseError)
    expect(() => parseTextPlan('Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  %%% garbage')).toThrow(
      /^line 2: expected "Key: value" or a plan node/
    )
    expect(() => parseJsonPlan('[{"Plan": {"Node Type": "Seq Scan", "Plans": [{}]}}]')).toThrow(/node 1 has no "Node Type"/)
    expect(() => parseJsonPlan('{"nope": 1}')).toThrow(/no "Plan" object/)
    expect(() => parseJsonPlan('[{"Plan": ')).toThrow(/not a JSON plan/)
  })

  it('a fuzz of 5,000 mutated text plans: each parses or throws PlanParseError', () => {
    const rnd = seededRandom(12345).float
    const base = PSQL_15.split('\n')
    let errors = 0
    for (let i = 0; i < 5000; i++) {
      const lines = [...base]
      for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
        const at = Math.floor(rnd() * lines.length)
        const op = Math.floor(rnd() * 5)
        const line = lines[at] ?? ''
        if (op === 0) lines.splice(at, 1)
        else if (op === 1) lines.splice(at, 0, line)
        else if (op === 2) lines[at] = line.slice(0, Math.floor(rnd() * line.length))
        else if (op === 3) lines[at] = line.replace(/\d/g, () => String.fromCharCode(33 + Math.floor(rnd() * 90)))
        else lines[at] = ' '.repeat(Math.floor(rnd() * 12)) + line.trim()
      }
      try {
        analysePlan(parseTextPlan(lines.join('\n')))
      } catch (err) {
        expect(err).toBeInstanceOf(PlanParseError)
        errors++
      }
    }
    expect(errors).toBeGreaterThan(0)
  })
})

describe('size and depth', () => {
  it('3,000 nested levels parse in both formats, without recursion', () => {
    let json =
      '{"Node Type": "Seq Scan", "Relation Name": "t", "Actual Total Time": 1, "Actual Loops": 1, "Actual Rows": 1, "Plan Rows": 1}'
    for (let i = 0; i < 3000; i++)
      json = `{"Node Type": "Nested Loop", "Join Type": "Inner", "Actual Total Time": ${i + 2}, "Actual Loops": 1, "Actual Rows": 1, "Plan Rows": 1, "Plans": [${json}]}`
    const fromJson = analysePlan(parseJsonPlan(`[{"Plan": ${json}}]`))
    expect(fromJson.nodes).toHaveLength(3001)
    expect(fromJson.nodes[3000]!.depth).toBe(3000)
    expect(fromJson.nodes[0]!.exclusiveMs).toBe(1)
    const lines = ['Nested Loop  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..3001.0 rows=1 loops=1)']
    for (let i = 1; i <= 3000; i++)
      lines.push(
        `${' '.repeat(i * 6 - 4)}->  ${i === 3000 ? 'Seq Scan on t' : 'Nested Loop'}  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..${3001 - i}.0 rows=1 loops=1)`
      )
    const fromText = analysePlan(parseTextPlan(lines.join('\n')))
    expect(fromText.nodes).toHaveLength(3001)
    expect(fromText.nodes[3000]).toMatchObject({ depth: 3000, nodeType: 'Seq Scan' })
  })

  it('hundreds of InitPlans under one node', () => {
    const lines = ['Result  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..5.0 rows=1 loops=1)']
    for (let i = 1; i <= 500; i++) {
      lines.push(`  InitPlan ${i} (returns $${i - 1})`)
      lines.push(`    ->  Result  (cost=0.00..0.01 rows=1 width=4) (actual time=0.001..0.002 rows=1 loops=1)`)
    }
    const p = analysePlan(parseTextPlan(lines.join('\n')))
    expect(p.nodes).toHaveLength(501)
    expect(p.nodes[0]!.children).toHaveLength(500)
    expect(p.nodes.slice(1).every((n) => n.parentRelationship === 'InitPlan' && n.parent === 0)).toBe(true)
    expect(p.nodes[0]!.exclusiveMs).toBeCloseTo(5 - 500 * 0.002, 9)
  })
})

describe('analysis arithmetic', () => {
  it('loops multiply per-loop time; parallel workers under a Gather share it', () => {
    const p = analysePlan(
      parseTextPlan(`Gather  (cost=0.00..10.00 rows=30 width=4) (actual time=0.5..20.0 rows=30 loops=1)
  Workers Planned: 2
  Workers Launched: 2
  ->  Parallel Seq Scan on t  (cost=0.00..9.00 rows=10 width=4) (actual time=0.1..15.0 rows=10 loops=3)`)
    )
    expect(p.nodes[1]).toMatchObject({ inclusiveMs: 15, totalRows: 30 })
    expect(p.nodes[0]).toMatchObject({ inclusiveMs: 20, exclusiveMs: 5 })
  })
})
