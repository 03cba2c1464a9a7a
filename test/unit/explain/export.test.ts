import { describe, expect, it } from 'vitest'
import { explainPasted } from '../../../src/main/core/explain'
import { anonymiseExpression, exportPlan } from '../../../src/shared/plan-export'

describe('plan export', () => {
  it('anonymises constants, keeps identifiers, casts and parameters', () => {
    expect(anonymiseExpression("((status = 'it''s new'::text) AND (customer_id = 42) AND (t2.total > 9.99))")).toBe(
      "((status = '?'::text) AND (customer_id = ?) AND (t2.total > ?))"
    )
    expect(anonymiseExpression('("Col 1" = $1) AND (x1 = -5)')).toBe('("Col 1" = $1) AND (x1 = -?)')
  })
  it('exports the analysis and advice; anonymised, no constant is left and the raw plan is out', () => {
    const r = explainPasted(`Seq Scan on orders  (cost=0.00..3583.00 rows=10 width=20) (actual time=0.010..41.900 rows=9 loops=1)
  Filter: ((customer_id = 424242) AND (email = 'alice@example.com'::text))
  Rows Removed by Filter: 199991
Execution Time: 42.000 ms`)
    const plain = JSON.parse(exportPlan(r, "SELECT * FROM orders WHERE customer_id = 424242 AND email = 'alice@example.com'", false))
    expect(plain.raw).toContain('alice@example.com')
    expect(plain.advice[0].rule).toBe('seq_scan_filter')
    const anon = exportPlan(r, "SELECT * FROM orders WHERE customer_id = 424242 AND email = 'alice@example.com'", true)
    expect(anon).not.toContain('alice@example.com')
    expect(anon).not.toContain('424242')
    expect(JSON.parse(anon)).toMatchObject({
      anonymised: true,
      raw: null,
      query: "SELECT * FROM orders WHERE customer_id = ? AND email = '?'"
    })
  })
})
