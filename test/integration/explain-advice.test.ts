import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPLAIN_THRESHOLDS, advise, type ExplainThresholds } from '../../src/main/core/explain/advice'
import { parsePlan } from '../../src/main/core/explain'
import type { PostgresHandle } from '../harness'
import { ADVICE_SCHEMA_SQL, startExplainServer } from '../helpers/explain-fixture'

let server: PostgresHandle
let c: pg.Client

beforeAll(async () => {
  ;({ server, admin: c } = await startExplainServer(ADVICE_SCHEMA_SQL))
})

afterAll(async () => {
  await c?.end()
  await server?.stop()
})

/** EXPLAIN ANALYZE in a transaction rolled back, with the session settings the fixture needs. */
async function plan(sql: string, settings: Record<string, string> = {}) {
  await c.query('BEGIN')
  try {
    for (const [k, v] of Object.entries(settings)) await c.query(`SET LOCAL ${k} = '${v}'`)
    const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS, VERBOSE, FORMAT JSON) ${sql}`)
    return parsePlan(JSON.stringify(r.rows[0]['QUERY PLAN'])).plan
  } finally {
    await c.query('ROLLBACK')
  }
}

const rules = (p: Awaited<ReturnType<typeof plan>>, th: ExplainThresholds = EXPLAIN_THRESHOLDS) => advise(p, null, th).map((a) => a.rule)
const noParallel = { max_parallel_workers_per_gather: '0' }

describe('each advice rule fires on its fixture', () => {
  it('a clean plan (primary-key lookup) gets no advice', async () => {
    // Once, as an application's hot query would have run: the session's first planning of a table
    // also loads its catalog entries, which on a busy machine alone can pass the planning floor.
    await c.query('SELECT * FROM ex_a WHERE id = 42')
    expect(rules(await plan('SELECT * FROM ex_a WHERE id = 42'))).toEqual([])
  })

  it('row_misestimate: correlated columns estimated 200x too low (1 row expected, 200 found), with the statistics fix', async () => {
    const p = await plan('SELECT * FROM mis_t WHERE a = 1 AND b = 1', noParallel)
    const a = advise(p).find((x) => x.rule === 'row_misestimate')!
    expect(a.title).toMatch(/100x/)
    expect(a.sql).toContain('ALTER TABLE mis_t ALTER COLUMN a SET STATISTICS 1000')
  })

  it('seq_scan_filter: a scan discarding almost every row, with an index proposal from the filter', async () => {
    const p = await plan('SELECT * FROM ex_a WHERE val = 7', noParallel)
    const a = advise(p).find((x) => x.rule === 'seq_scan_filter')!
    expect(a.sql).toBe('CREATE INDEX CONCURRENTLY ON ex_a (val);')
    expect(a.savingsMs).toBeGreaterThan(0)
  })

  it('index_filter: an index scan filtering away most of what it found', async () => {
    const p = await plan('SELECT * FROM ex_a WHERE grp < 10 AND val < 5', noParallel)
    const a = advise(p).find((x) => x.rule === 'index_filter')!
    expect(a.sql).toMatch(/^CREATE INDEX CONCURRENTLY ON ex_a \(grp, val\);$/)
  })

  it('sort_spill and hash_spill: spilling past work_mem, with the work_mem that would avoid it', async () => {
    const sort = await plan('SELECT * FROM ex_b ORDER BY amount, id', { ...noParallel, work_mem: '64kB' })
    const s = advise(sort).find((x) => x.rule === 'sort_spill')!
    expect(s.sql).toMatch(/^SET work_mem = '\d+MB';$/)
    const hash = await plan('SELECT * FROM ex_a a JOIN ex_b b ON b.a_id = a.id', {
      ...noParallel,
      work_mem: '64kB',
      enable_mergejoin: 'off',
      enable_nestloop: 'off'
    })
    expect(rules(hash)).toContain('hash_spill')
  })

  it('lossy_bitmap: a bitmap that did not fit in work_mem', async () => {
    const p = await plan('SELECT * FROM lossy_t WHERE k < 30', { ...noParallel, work_mem: '64kB', enable_seqscan: 'off', jit: 'off' })
    expect(rules(p)).toContain('lossy_bitmap')
  })

  it('heap_fetches: an index-only scan on a table never vacuumed', async () => {
    const p = await plan('SELECT id FROM ios_t WHERE id < 5000', {
      ...noParallel,
      enable_bitmapscan: 'off',
      enable_seqscan: 'off',
      jit: 'off'
    })
    expect(rules(p)).toContain('heap_fetches')
  })

  it('nested_loop_inner: an inner side run thousands of times', async () => {
    const p = await plan('SELECT * FROM ex_b b JOIN ex_a a ON a.id = b.a_id WHERE b.id < 3000', {
      ...noParallel,
      enable_hashjoin: 'off',
      enable_mergejoin: 'off'
    })
    expect(rules(p)).toContain('nested_loop_inner')
  })

  it('workers_not_launched: parallel workers planned, none available', async () => {
    const p = await plan('SELECT count(*) FROM ex_b WHERE amount > 10', {
      max_parallel_workers_per_gather: '2',
      max_parallel_workers: '0',
      parallel_setup_cost: '0',
      parallel_tuple_cost: '0',
      min_parallel_table_scan_size: '0'
    })
    expect(rules(p)).toContain('workers_not_launched')
  })

  it('trigger_time: a foreign key whose referencing column has no index', async () => {
    const p = await plan('DELETE FROM fk_parent WHERE id <= 50', noParallel)
    const a = advise(p).find((x) => x.rule === 'trigger_time')!
    expect(a.message).toMatch(/referencing column has no index/)
  })

  it('large_offset: a Limit reading tens of thousands of rows to return ten', async () => {
    const p = await plan('SELECT * FROM ex_a ORDER BY id OFFSET 40000 LIMIT 10', noParallel)
    expect(rules(p)).toContain('large_offset')
  })

  it('jit_overhead: compiling a short query costs more than it saves', async () => {
    const p = await plan('SELECT sum(val) FROM ex_a WHERE id < 100', {
      ...noParallel,
      jit: 'on',
      jit_above_cost: '0',
      jit_inline_above_cost: '0',
      jit_optimize_above_cost: '0'
    })
    expect(p.jit).not.toBeNull()
    expect(advise(p).find((x) => x.rule === 'jit_overhead')!.sql).toBe('SET jit = off;')
  })

  it('planning_overhead: planning a many-way join dwarfs running it', async () => {
    const joins = Array.from({ length: 9 }, (_, i) => `JOIN ex_a a${i + 1} ON a${i + 1}.id = a${i}.id`).join(' ')
    const p = await plan(`SELECT * FROM ex_a a0 ${joins} WHERE a0.id = 1`, noParallel)
    expect(rules(p)).toContain('planning_overhead')
  })

  it('read_inefficiency: many blocks per row returned (threshold lowered for a small table)', async () => {
    const p = await plan('SELECT * FROM ex_b WHERE amount = 7 AND id = 7', {
      ...noParallel,
      enable_indexscan: 'off',
      enable_bitmapscan: 'off'
    })
    expect(rules(p, { ...EXPLAIN_THRESHOLDS, blocks_min: 100 })).toContain('read_inefficiency')
  })

  it('the list is sorted by the time each item could save', async () => {
    const p = await plan('SELECT * FROM ex_a WHERE val = 7 ORDER BY note', { ...noParallel, work_mem: '64kB' })
    const a = advise(p)
    expect(a.length).toBeGreaterThan(0)
    expect(a.map((x) => x.savingsMs)).toEqual([...a.map((x) => x.savingsMs)].sort((x, y) => y - x))
  })
})
