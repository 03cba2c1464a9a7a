import { describe, expect, it } from 'vitest'
import { parsePlan } from '../../../src/main/core/explain'
import { metricMax, metricValue, nodeBadges, visibleNodes, windowSlice } from '../../../src/renderer/src/lib/plan-view'

const plan = parsePlan(`Sort  (cost=10.00..12.00 rows=100 width=4) (actual time=5.0..6.0 rows=1000 loops=1)
  Sort Method: external merge  Disk: 900kB
  ->  Hash Join  (cost=2.00..8.00 rows=100 width=4) (actual time=1.0..4.0 rows=1000 loops=1)
        ->  Seq Scan on a  (cost=0.00..3.00 rows=100 width=4) (actual time=0.1..1.0 rows=1000 loops=1)
        ->  Hash  (cost=1.00..1.00 rows=10 width=4) (actual time=0.5..0.5 rows=10 loops=1)
              ->  Seq Scan on b  (cost=0.00..1.00 rows=10 width=4) (actual time=0.1..0.4 rows=10 loops=1)`).plan

describe('plan view helpers', () => {
  it('rows skip collapsed subtrees, in preorder', () => {
    expect(visibleNodes(plan, new Set())).toEqual([0, 1, 2, 3, 4])
    expect(visibleNodes(plan, new Set([3]))).toEqual([0, 1, 2, 3])
    expect(visibleNodes(plan, new Set([1]))).toEqual([0, 1])
  })
  it('bars: own time, own cost (costs are cumulative), rows', () => {
    expect(metricValue(plan.nodes[0]!, 'time', plan)).toBeCloseTo(2, 9)
    expect(metricValue(plan.nodes[1]!, 'cost', plan)).toBe(8 - 3 - 1)
    expect(metricValue(plan.nodes[2]!, 'rows', plan)).toBe(1000)
    expect(metricMax(plan, 'time')).toBeCloseTo(2.5, 9)
  })
  it('badges: a 10x misestimate, a spill', () => {
    expect(nodeBadges(plan.nodes[0]!)).toEqual(['↑10x rows', 'spill'])
    expect(nodeBadges(plan.nodes[4]!)).toEqual([])
  })
  it('a virtualised window renders only what is in view, plus overscan', () => {
    expect(windowSlice(10_000, 0, 560, 26)).toEqual({ from: 0, to: 32 })
    expect(windowSlice(10_000, 26_000, 560, 26)).toEqual({ from: 990, to: 1032 })
    expect(windowSlice(5, 0, 560, 26)).toEqual({ from: 0, to: 5 })
  })
})

describe('comparing two plans of a query', () => {
  it('matches nodes by position and operation; a new index scan replaces the sequential scan', async () => {
    const { comparePlans } = await import('../../../src/main/core/explain/history')
    const before = parsePlan(`Sort  (cost=10.00..12.00 rows=9 width=4) (actual time=40.0..41.0 rows=9 loops=1)
  ->  Seq Scan on orders  (cost=0.00..9.00 rows=9 width=4) (actual time=0.1..39.0 rows=9 loops=1)
        Filter: (customer_id = 42)
        Rows Removed by Filter: 199991`).plan
    const after = parsePlan(`Sort  (cost=1.00..1.20 rows=9 width=4) (actual time=0.10..0.11 rows=9 loops=1)
  ->  Index Scan using orders_customer_id_idx on orders  (cost=0.42..0.90 rows=9 width=4) (actual time=0.02..0.05 rows=9 loops=1)
        Index Cond: (customer_id = 42)`).plan
    const rows = comparePlans(before, after)
    expect(rows.map((r) => [r.label, r.change])).toEqual([
      ['Sort', 'same'],
      ['Index Scan on orders using orders_customer_id_idx', 'added'],
      ['Seq Scan on orders', 'removed']
    ])
    expect(rows[0]!.cost).toEqual([12, 1.2])
  })
})

describe('icicle layout', () => {
  it('children share their parent span by inclusive time; slivers are dropped', async () => {
    const { icicleLayout } = await import('../../../src/renderer/src/lib/plan-view')
    const rects = icicleLayout(plan, 600)
    expect(rects[0]).toEqual({ id: 0, x: 0, w: 600, depth: 0 })
    const join = rects.find((r) => r.id === 1)!
    expect(join.w).toBeCloseTo((4 / 6) * 600, 9)
    const scanA = rects.find((r) => r.id === 2)!
    const hash = rects.find((r) => r.id === 3)!
    expect(scanA.x).toBe(0)
    expect(hash.x).toBeCloseTo(scanA.w, 9)
    expect(icicleLayout(plan, 600, 200).map((r) => r.id)).toEqual([0, 1])
  })
})

describe('sibling partition scans', () => {
  it('a run of partition scans under an Append is one row until expanded', async () => {
    const { visibleRows } = await import('../../../src/renderer/src/lib/plan-view')
    const parts = Array.from(
      { length: 12 },
      (_, i) =>
        `  ->  Seq Scan on orders_2025_${String(i + 1).padStart(2, '0')}  (cost=0.00..1.00 rows=1 width=4) (actual time=0.1..1.0 rows=1 loops=1)`
    )
    const p = parsePlan(['Append  (cost=0.00..12.00 rows=12 width=4) (actual time=0.1..12.0 rows=12 loops=1)', ...parts].join('\n')).plan
    const rows = visibleRows(p, new Set(), new Set())
    expect(rows).toHaveLength(2)
    expect(rows[1]).toMatchObject({
      kind: 'group',
      ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
      label: '12 × Seq Scan on orders_2025_01 … orders_2025_12'
    })
    expect(visibleRows(p, new Set(), new Set(['0:1']))).toHaveLength(13)
    expect(visibleRows(p, new Set([0]), new Set())).toHaveLength(1)
  })
})

describe('bringing a node into view', () => {
  it('finds its row, or what hides it: a collapsed ancestor or a group of partition scans', async () => {
    const { locateRow, visibleRows } = await import('../../../src/renderer/src/lib/plan-view')
    expect(locateRow(plan, visibleRows(plan, new Set(), new Set()), new Set(), 4)).toEqual({ index: 4 })
    expect(locateRow(plan, visibleRows(plan, new Set([3]), new Set()), new Set([3]), 4)).toEqual({ collapsedAncestor: 3 })
    const parts = Array.from({ length: 5 }, (_, i) => `  ->  Seq Scan on p${i}  (cost=0.00..1.00 rows=1 width=4)`)
    const appended = parsePlan(['Append  (cost=0.00..5.00 rows=5 width=4)', ...parts].join('\n')).plan
    expect(locateRow(appended, visibleRows(appended, new Set(), new Set()), new Set(), 3)).toEqual({ group: '0:1' })
  })
})

describe('an output of several plans (a statement a rule rewrote)', () => {
  // PostgreSQL 15, a DELETE rule on t1 that deletes from t2: one plan per statement, a blank line between.
  const rules = parsePlan(`Delete on t2  (cost=0.29..41.93 rows=0 width=0) (actual time=0.20..0.20 rows=0 loops=1)
  ->  Nested Loop  (cost=0.29..41.93 rows=1 width=12) (actual time=0.19..0.19 rows=0 loops=1)
        ->  Index Scan using t1_pkey on t1  (cost=0.29..8.30 rows=1 width=10) (actual time=0.01..0.01 rows=1 loops=1)
              Index Cond: (a = 1)
        ->  Seq Scan on t2  (cost=0.00..33.62 rows=1 width=10) (actual time=0.17..0.17 rows=0 loops=1)
              Filter: (b = 1)
              Rows Removed by Filter: 1999
Planning Time: 0.20 ms
Execution Time: 0.30 ms

Delete on t1  (cost=0.29..8.30 rows=0 width=0) (actual time=0.05..0.05 rows=0 loops=1)
  ->  Index Scan using t1_pkey on t1  (cost=0.29..8.30 rows=1 width=6) (actual time=0.01..0.01 rows=1 loops=1)
        Index Cond: (a = 1)
Planning Time: 0.02 ms
Execution Time: 0.06 ms`).plan

  it('reads each plan as a root, adds their times, and shows every root', async () => {
    const { planCost, planRoots } = await import('../../../src/shared/plan-tree')
    const { icicleLayout, visibleRows } = await import('../../../src/renderer/src/lib/plan-view')
    expect(planRoots(rules)).toEqual([0, 4])
    expect(rules.nodes.map((n) => n.parent)).toEqual([-1, 0, 1, 1, -1, 4])
    expect(rules.executionMs).toBeCloseTo(0.36, 9)
    expect(rules.planningMs).toBeCloseTo(0.22, 9)
    expect(planCost(rules)).toBeCloseTo(41.93 + 8.3, 9)
    expect(visibleNodes(rules, new Set())).toEqual([0, 1, 2, 3, 4, 5])
    expect(visibleNodes(rules, new Set([0]))).toEqual([0, 4, 5])
    expect(visibleRows(rules, new Set(), new Set()).map((r) => (r.kind === 'node' ? r.id : r.key))).toEqual([0, 1, 2, 3, 4, 5])
    // The roots share the width by their time: 0.20 ms and 0.05 ms.
    const roots = icicleLayout(rules, 500).filter((r) => r.depth === 0)
    expect(roots.map((r) => [r.id, r.x, r.w])).toEqual([
      [0, 0, 400],
      [4, 400, 100]
    ])
  })
})
