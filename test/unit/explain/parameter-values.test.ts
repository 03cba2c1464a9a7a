import { describe, expect, it } from 'vitest'
import { parsePlan } from '../../../src/main/core/explain'
import { parameterColumns } from '../../../src/main/core/explain/parameter-values'

describe('the column each $n of a generic plan is compared with', () => {
  it('reads index conditions, filters and recheck conditions, either side, through casts and qualifiers', () => {
    const plan = parsePlan(`Nested Loop  (cost=4.50..60.10 rows=1 width=72)
  ->  Bitmap Heap Scan on public.orders o  (cost=4.30..30.00 rows=5 width=40)
        Recheck Cond: (o.customer_id = $1)
        Filter: (($2)::text = o.status)
        ->  Bitmap Index Scan on orders_customer_id_idx  (cost=0.00..4.30 rows=5 width=0)
              Index Cond: (o.customer_id = $1)
  ->  Index Scan using "Items_pkey" on public."Items" i  (cost=0.29..6.00 rows=1 width=32)
        Index Cond: (i."Order Id" = o.id)
        Filter: ((i.price)::numeric >= $3)`).plan
    expect(parameterColumns(plan)).toEqual([
      { param: 1, schema: 'public', table: 'orders', column: 'customer_id' },
      { param: 2, schema: 'public', table: 'orders', column: 'status' },
      { param: 3, schema: 'public', table: 'Items', column: 'price' }
    ])
  })

  it('leaves out a parameter inside an expression, and a column of another table', () => {
    const plan = parsePlan(`Seq Scan on t  (cost=0.00..10.00 rows=1 width=4)
  Filter: ((length(name) = $1) AND (lower(code) = $2) AND (other.x = $3))`).plan
    expect(parameterColumns(plan)).toEqual([])
  })
})
