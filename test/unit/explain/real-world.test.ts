import { describe, expect, it } from 'vitest'
import { parsePlan } from '../../../src/main/core/explain'
import { advise, filterColumns } from '../../../src/main/core/explain/advice'
import { parseJsonPlan } from '../../../src/main/core/explain/json-plan'
import { parseTextPlan } from '../../../src/main/core/explain/text-plan'
import type { PlanModel } from '../../../src/shared/explain'

/** Plan shapes that real servers print and Lookout once refused or misread, each as PostgreSQL prints it. */

const shape = (p: PlanModel) => p.nodes.map((n) => [n.nodeType, n.operation, n.relation, n.parent])

describe('plans Lookout refused or misread', () => {
  it('ANALYZE with COSTS OFF: a node head with actual figures and no costs (one blank before them)', () => {
    // EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT generate_series(1, 10), as PostgreSQL 15 prints it.
    const p = parseTextPlan(
      ' ProjectSet (actual rows=10 loops=1)\n   ->  Result (actual rows=1 loops=1)\n Planning Time: 0.030 ms\n Execution Time: 0.020 ms\n'
    )
    expect(p.nodes.map((n) => [n.nodeType, n.actualRows, n.actualLoops, n.parent])).toEqual([
      ['ProjectSet', 10, 1, -1],
      ['Result', 1, 1, 0]
    ])
    expect(p.analyzed).toBe(true)
    const timed = parseTextPlan('Seq Scan on t (actual time=0.011..0.020 rows=3 loops=1)\n  Filter: (a > 1)')
    expect(timed.nodes[0]).toMatchObject({ nodeType: 'Seq Scan', relation: 't', actualTotalMs: 0.02, actualRows: 3, filter: '(a > 1)' })
  })

  it('a partitioned table’s UPDATE (14+): the per-partition target lines under ModifyTable are not nodes', () => {
    const p = parseTextPlan(`                                  QUERY PLAN
-------------------------------------------------------------------------------
 Update on some_tab  (cost=0.00..80.84 rows=0 width=0)
   Update on some_tab_child_1 some_tab_1
   Update on some_tab_child_2 some_tab_2
   ->  Append  (cost=0.00..80.84 rows=22 width=10)
         ->  Seq Scan on some_tab_child_1 some_tab_1  (cost=0.00..40.38 rows=11 width=10)
               Filter: (a = 1)
         ->  Seq Scan on some_tab_child_2 some_tab_2  (cost=0.00..40.38 rows=11 width=10)
               Filter: (a = 1)
(8 rows)
`)
    expect(shape(p)).toEqual([
      ['ModifyTable', 'Update', 'some_tab', -1],
      ['Append', null, null, 0],
      ['Seq Scan', null, 'some_tab_child_1', 1],
      ['Seq Scan', null, 'some_tab_child_2', 1]
    ])
    expect(p.nodes[2]!.alias).toBe('some_tab_1')
  })

  it('keys with hyphens: One-Time Filter, Full-sort Groups, Pre-sorted Groups', () => {
    const p = parseTextPlan(` Result  (cost=0.00..0.01 rows=1 width=4)
   One-Time Filter: false
`)
    expect(p.nodes).toHaveLength(1)
    const inc = parseTextPlan(` Incremental Sort (actual rows=100 loops=1)
   Sort Key: t.a, t.b
   Presorted Key: t.a
   Full-sort Groups: 3  Sort Method: quicksort  Average Memory: 26kB  Peak Memory: 26kB
   Pre-sorted Groups: 1  Sort Method: quicksort  Average Memory: 30kB  Peak Memory: 30kB
   ->  Index Scan using t_a_idx on t (actual rows=100 loops=1)
`)
    expect(inc.nodes.map((n) => [n.nodeType, n.depth])).toEqual([
      ['Incremental Sort', 0],
      ['Index Scan', 1]
    ])
  })

  it('postgres_fdw: a bare Foreign Scan (a pushed-down join), and a Foreign Update read as JSON reads it', () => {
    const join = parseTextPlan(` Foreign Scan  (cost=100.00..102.15 rows=1 width=8)
   Relations: (public.ft1 t1) INNER JOIN (public.ft2 t2)
`)
    expect(shape(join)).toEqual([['Foreign Scan', 'Select', null, -1]])
    const text = parseTextPlan(` Update on public.ft2  (cost=100.00..130.00 rows=0 width=0)
   ->  Foreign Update on public.ft2  (cost=100.00..130.00 rows=1000 width=56)
         Remote SQL: UPDATE "S 1"."T 1" SET c2 = (c2 + 1) WHERE (("C 1" > 100))
`)
    const json = parseJsonPlan(
      JSON.stringify([
        {
          Plan: {
            'Node Type': 'ModifyTable',
            Operation: 'Update',
            'Relation Name': 'ft2',
            Schema: 'public',
            Alias: 'ft2',
            'Startup Cost': 100,
            'Total Cost': 130,
            'Plan Rows': 0,
            'Plan Width': 0,
            Plans: [
              {
                'Node Type': 'Foreign Scan',
                Operation: 'Update',
                'Parent Relationship': 'Outer',
                'Relation Name': 'ft2',
                Schema: 'public',
                Alias: 'ft2',
                'Startup Cost': 100,
                'Total Cost': 130,
                'Plan Rows': 1000,
                'Plan Width': 56
              }
            ]
          }
        }
      ])
    )
    expect(shape(text)).toEqual(shape(json))
    expect(text.nodes.map((n) => n.schema)).toEqual(['public', 'public'])
  })

  it('psql’s aligned output of FORMAT JSON whose widest line has no blank before its "+"', () => {
    const p = parsePlan(`                QUERY PLAN
------------------------------------------
 [                                       +
   {                                     +
     "Plan": {                           +
       "Node Type": "Seq Scan",          +
       "Parallel Aware": false,          +
       "Relation Name": "orders_archive",+
       "Alias": "orders_archive",        +
       "Startup Cost": 0.00,             +
       "Total Cost": 1.01,               +
       "Plan Rows": 1,                   +
       "Plan Width": 4                   +
     }                                   +
   }                                     +
 ]
(1 row)
`)
    expect(p.format).toBe('json')
    expect(p.plan.nodes[0]).toMatchObject({ nodeType: 'Seq Scan', relation: 'orders_archive', totalCost: 1.01 })
  })

  it('a localised row count under the plan: "(3 lignes)", "(1 Zeile)"', () => {
    for (const footer of ['(3 lignes)', '(1 Zeile)', '(2 filas)'])
      expect(
        parsePlan(
          ` Sort  (cost=1.05..1.06 rows=3 width=4)\n   Sort Key: a\n   ->  Seq Scan on t  (cost=0.00..1.03 rows=3 width=4)\n${footer}\n`
        ).plan.nodes
      ).toHaveLength(2)
  })

  it('auto_explain: log_format=json in a server log, and a multi-line Query Text', () => {
    const json = parsePlan(`2026-12-02 10:00:01.123 UTC [4242] LOG:  duration: 0.986 ms  plan:
	{
	  "Query Text": "SELECT count(*)\\n FROM pg_class, pg_index\\n WHERE oid = indrelid AND indisunique;",
	  "Plan": {
	    "Node Type": "Aggregate",
	    "Strategy": "Plain",
	    "Startup Cost": 14.36,
	    "Total Cost": 14.37,
	    "Plan Rows": 1,
	    "Plan Width": 8,
	    "Plans": [
	      {
	        "Node Type": "Seq Scan",
	        "Parent Relationship": "Outer",
	        "Relation Name": "pg_index",
	        "Alias": "pg_index",
	        "Startup Cost": 0.0,
	        "Total Cost": 4.61,
	        "Plan Rows": 79,
	        "Plan Width": 4
	      }
	    ]
	  }
	}
`)
    expect(json.format).toBe('json')
    expect(json.plan.queryText).toMatch(/^SELECT count\(\*\)\n FROM pg_class/)
    expect(json.plan.nodes.map((n) => n.nodeType)).toEqual(['Aggregate', 'Seq Scan'])
    const text = parsePlan(`2026-12-02 10:00:01.123 UTC [4242] LOG:  duration: 0.046 ms  plan:
	Query Text: SELECT *
	  FROM orders o
	  WHERE o.customer_id = 42
	  ORDER BY o.created_at DESC
	Sort  (cost=1.05..1.06 rows=3 width=20)
	  Sort Key: created_at DESC
	  ->  Seq Scan on orders o  (cost=0.00..1.03 rows=3 width=20)
	        Filter: (customer_id = 42)
`)
    expect(text.plan.queryText).toBe('SELECT *\nFROM orders o\nWHERE o.customer_id = 42\nORDER BY o.created_at DESC')
    expect(text.plan.nodes.map((n) => [n.nodeType, n.relation])).toEqual([
      ['Sort', null],
      ['Seq Scan', 'orders']
    ])
  })

  it('PostgreSQL 18’s labels (InitPlan expr_1, Disabled, Index Searches) and older servers’ "Subquery Scan name"', () => {
    const p18 = parseTextPlan(` Seq Scan on ex_a  (cost=501.18..1594.18 rows=50 width=45)
   Disabled: true
   Filter: (val = (InitPlan expr_1).col1)
   InitPlan expr_1
     ->  Aggregate  (cost=501.17..501.18 rows=1 width=4)
           ->  Index Only Scan using ex_a_grp_idx on ex_a ex_a_1  (cost=0.29..499.97 rows=483 width=4)
                 Index Cond: (grp = 3)
                 Index Searches: 1
`)
    expect(p18.nodes.map((n) => [n.nodeType, n.parent, n.subplanName])).toEqual([
      ['Seq Scan', -1, null],
      ['Aggregate', 0, 'InitPlan expr_1'],
      ['Index Only Scan', 1, null]
    ])
    // 17 and 18: a WindowAgg's window and a Materialize's storage as "Key: value" lines.
    const w = parseTextPlan(` WindowAgg  (cost=0.29..86.79 rows=1999 width=12)
   Window: w1 AS (PARTITION BY grp ORDER BY val ROWS UNBOUNDED PRECEDING)
   Storage: Memory  Maximum Storage: 17kB
   ->  Index Scan using ex_a_pkey on ex_a  (cost=0.29..56.80 rows=1999 width=12)
         Index Cond: (id < 2000)
         Index Searches: 1
`)
    expect(w.nodes.map((n) => n.nodeType)).toEqual(['WindowAgg', 'Index Scan'])
    const old = parseTextPlan(`Subquery Scan location_state_templates  (cost=0.00..1.10 rows=10 width=36)
  ->  Seq Scan on state_templates  (cost=0.00..1.10 rows=10 width=36)`)
    expect(old.nodes[0]).toMatchObject({ nodeType: 'Subquery Scan', alias: 'location_state_templates' })
  })

  it('PostgreSQL 18’s pg_overexplain: a RANGE_TABLE section after the tree is not part of the plan', () => {
    const p = parseTextPlan(` Append  (cost=0.00..2.12 rows=8 width=68)
   ->  Seq Scan on brassica vegetables_1  (cost=0.00..1.07 rows=7 width=68)
   ->  Seq Scan on daucus vegetables_2  (cost=0.00..1.01 rows=1 width=68)
 RTI 1 (relation, inherited, in-from-clause):
   Eref: vegetables (id, name, genus)
   Relation: vegetables
   Relation Kind: partitioned_table
 RTI 2 (relation, in-from-clause):
   Alias: vegetables (id, name, genus)
   Eref: vegetables (id, name, genus)
 Unprunable RTIs: 1 3 4
`)
    expect(shape(p)).toEqual([
      ['Append', null, null, -1],
      ['Seq Scan', null, 'brassica', 0],
      ['Seq Scan', null, 'daucus', 0]
    ])
    expect(p.nodes[0]!.filter).toBeNull()
  })

  it('postgres_fdw: a Foreign Update or Delete with no relation (the join runs remotely)', () => {
    const p = parseTextPlan(` Update on public.ft2
   ->  Foreign Update
         Remote SQL: UPDATE "S 1"."T 1" r1 SET c2 = (r1.c2 + 500) FROM "S 1"."T 1" r2 WHERE ((r1.c2 = r2."C 1"))
`)
    expect(shape(p)).toEqual([
      ['ModifyTable', 'Update', 'ft2', -1],
      ['Foreign Scan', 'Update', null, 0]
    ])
    expect(shape(parseTextPlan(' Delete on public.ft2\n   ->  Foreign Delete\n'))[1]).toEqual(['Foreign Scan', 'Delete', null, 0])
  })

  it('a cast to a quoted type ("char") is not a column an index could be proposed on', () => {
    expect(filterColumns(`((c.relkind)::"char" = 'r'::"char")`)).toEqual({ equality: ['relkind'], range: [] })
    expect(filterColumns(`((t.kind = ANY ('{r,p}'::"char"[])) AND (t.ns = '2200'::oid))`)).toEqual({ equality: ['kind', 'ns'], range: [] })
  })
})

describe('rows a consumer never asked for are no misestimate', () => {
  const misestimated = (plan: string) =>
    advise(parsePlan(plan).plan)
      .filter((a) => a.rule === 'row_misestimate')
      .map((a) => a.title)

  it('under a Limit, through a hash join’s outer side, but not below the hash it builds', () => {
    // As PostgreSQL 15 prints a LIMIT 10 over a join: the probe side stops after ten matches, the hash side is read whole.
    const plan = `Limit  (cost=35.50..36.20 rows=10 width=8) (actual time=1.00..1.10 rows=10 loops=1)
  ->  Hash Join  (cost=35.50..2930.00 rows=50000 width=8) (actual time=1.00..1.09 rows=10 loops=1)
        Hash Cond: (b.a_id = a.id)
        ->  Seq Scan on ex_b b  (cost=0.00..1541.00 rows=100000 width=8) (actual time=0.01..0.30 rows=20 loops=1)
        ->  Hash  (cost=23.00..23.00 rows=1000 width=4) (actual time=0.90..0.90 rows=1000 loops=1)
              ->  Seq Scan on ex_a a  (cost=0.00..23.00 rows=1000 width=4) (actual time=0.01..0.40 rows=20 loops=1)
                    Filter: (grp < 50)
                    Rows Removed by Filter: 980
Execution Time: 1.20 ms`
    expect(misestimated(plan)).toEqual(['Row estimate off by 50x at #4 Seq Scan on ex_a'])
  })
})
