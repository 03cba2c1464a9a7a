import { describe, expect, it } from 'vitest'
import { blockingRoots, blockingTree, checkLongRunningQueries } from '../../src/main/core/postgres/checks/activity'
import { checkCacheHitRate, counterWindow, hitRatio, type DatabaseCounters } from '../../src/main/core/postgres/checks/health'
import { expectedBtreePages, expectedHeapPages } from '../../src/main/core/postgres/checks/maintenance'
import { StatementHistory, statementsSql, windowStatements, type StatementSample } from '../../src/main/core/postgres/checks/statements'
import { PG_THRESHOLDS, pgThresholds } from '../../src/main/core/postgres/thresholds'
import { checkpointsSql, hasPgStatIo, hasStatementsInfo, statementTimeColumns } from '../../src/main/core/postgres/version'
import type { PgSession } from '../../src/shared/postgres'

describe('catalog differences by server version', () => {
  it('pg_stat_statements: total_time before 13, execution plus planning from 13; toplevel in the key from 14', () => {
    expect(statementTimeColumns(120_005).total).toBe('s.total_time')
    expect(statementTimeColumns(130_000).total).toBe('(s.total_exec_time + s.total_plan_time)')
    expect(statementsSql(130_010)).not.toContain('s.toplevel')
    expect(statementsSql(140_000)).toContain('s.toplevel')
    expect(hasStatementsInfo(130_999)).toBe(false)
    expect(hasStatementsInfo(140_000)).toBe(true)
  })
  it('checkpoints from pg_stat_checkpointer on 17, pg_stat_bgwriter before; pg_stat_io from 16', () => {
    expect(checkpointsSql(170_000)).toContain('pg_stat_checkpointer')
    expect(checkpointsSql(170_000)).toContain('num_requested')
    expect(checkpointsSql(160_004)).toContain('pg_stat_bgwriter')
    expect(checkpointsSql(160_004)).toContain('checkpoints_req')
    expect(hasPgStatIo(150_000)).toBe(false)
    expect(hasPgStatIo(160_000)).toBe(true)
  })
})

const sample = (key: string, calls: number, totalMs: number, over: Partial<StatementSample> = {}): StatementSample => ({
  key,
  queryid: key,
  user: 'app',
  database: 'db',
  calls,
  totalMs,
  rows: calls,
  hit: 0,
  read: 0,
  temp: 0,
  execMs: totalMs,
  execSq: calls > 0 ? (totalMs * totalMs) / calls : 0,
  maxMs: calls > 0 ? totalMs / calls : 0,
  ...over
})
const q = { sort: 'total' as const, search: '', user: null, database: null, limit: 10, sparklinePoints: 10 }

describe('statement history: pg_stat_statements samples as window deltas', () => {
  it('counts only what ran after connect, per window, with a sparkline per interval', () => {
    const h = new StatementHistory()
    h.addTexts(
      new Map([
        ['a', 'SELECT a'],
        ['b', 'SELECT b']
      ])
    )
    h.add(0, [sample('a', 100, 1000)])
    h.add(60_000, [sample('a', 110, 1100), sample('b', 5, 50)])
    h.add(400_000, [sample('a', 130, 1500), sample('b', 5, 50)])
    const since = windowStatements(h, { ...q, windowMs: null })
    expect(since.windowSeconds).toBe(400)
    expect(since.statements.map((s) => [s.queryid, s.calls, s.totalMs])).toEqual([
      ['a', 30, 500],
      ['b', 5, 50]
    ])
    // Over the last 5 minutes (100 s .. 400 s) only a ran: b's calls were before.
    const last5 = windowStatements(h, { ...q, windowMs: 300_000 })
    expect(last5.statements.map((s) => [s.queryid, s.calls, s.meanMs])).toEqual([['a', 20, 20]])
    expect(last5.statements[0]!.callsPerSec).toBeCloseTo(20 / 300, 9)
    expect(since.statements[0]!.history).toEqual([100, 400])
  })

  it('a statement whose calls went down was reset or evicted: it counts from zero again', () => {
    const h = new StatementHistory()
    h.add(0, [sample('a', 100, 1000)])
    h.add(10_000, [sample('a', 4, 40)])
    expect(windowStatements(h, { ...q, windowMs: null }).statements[0]).toMatchObject({ calls: 4, totalMs: 40 })
  })

  it('leaves out Lookout’s own statements and filters by text, user and database', () => {
    const h = new StatementHistory()
    h.addTexts(
      new Map([
        ['own', '/* lookout */ SELECT 1'],
        ['x', 'SELECT * FROM orders'],
        ['y', 'UPDATE t']
      ])
    )
    h.add(0, [])
    h.add(1000, [sample('own', 9, 9), sample('x', 1, 5), sample('y', 2, 1, { user: 'batch' })])
    expect(
      windowStatements(h, { ...q, windowMs: null })
        .statements.map((s) => s.queryid)
        .sort()
    ).toEqual(['x', 'y'])
    expect(windowStatements(h, { ...q, windowMs: null, search: 'ORDERS' }).statements.map((s) => s.queryid)).toEqual(['x'])
    expect(windowStatements(h, { ...q, windowMs: null, user: 'batch' }).statements.map((s) => s.queryid)).toEqual(['y'])
    expect(windowStatements(h, { ...q, windowMs: null, sort: 'calls' }).statements[0]!.queryid).toBe('y')
  })

  it('keeps an hour: older entries go, the value at the window start stays', () => {
    const h = new StatementHistory(3_600_000)
    h.add(0, [sample('a', 0, 0)])
    for (let t = 1; t <= 300; t++) h.add(t * 15_000, [sample('a', t, t)])
    expect(windowStatements(h, { ...q, windowMs: 3_600_000 }).statements[0]!.calls).toBe(240)
    expect(windowStatements(h, { ...q, windowMs: null }).statements[0]!.calls).toBe(300)
  })
})

const session = (pid: number, blockedBy: number[], over: Partial<PgSession> = {}): PgSession => ({
  pid,
  user: 'app',
  database: 'db',
  application: 'x',
  client: null,
  state: 'active',
  waitEventType: blockedBy.length ? 'Lock' : null,
  waitEvent: null,
  xactAgeMs: 1000,
  queryAgeMs: 120_000,
  stateAgeMs: 120_000,
  query: 'UPDATE t',
  blockedBy,
  ...over
})

describe('blocking chains', () => {
  it('flattens the tree depth-first and finds the root of a chain', () => {
    const s = [session(1, []), session(2, [1]), session(3, [2]), session(4, [1]), session(9, [])]
    expect(blockingTree(s)).toEqual([
      { pid: 1, depth: 0 },
      { pid: 2, depth: 1 },
      { pid: 3, depth: 2 },
      { pid: 4, depth: 1 }
    ])
    expect(blockingRoots(3, s)).toEqual([1])
  })
  it('survives a cycle (a deadlock about to be detected) and a chain thousands deep', () => {
    expect(blockingRoots(1, [session(1, [2]), session(2, [1])])).toEqual([])
    const deep = Array.from({ length: 5000 }, (_, i) => session(i + 1, i === 0 ? [] : [i]))
    expect(blockingTree(deep)).toHaveLength(5000)
    expect(blockingRoots(5000, deep)).toEqual([1])
  })
  it('a session waiting on a lock is blocked, not long-running', () => {
    const f = checkLongRunningQueries([session(1, []), session(2, [1])], pgThresholds())
    expect(f.map((x) => x.object)).toEqual(['pid 1'])
  })
})

describe('figures and thresholds', () => {
  const counters = (hit: number, read: number): DatabaseCounters => ({
    commits: 0,
    rollbacks: 0,
    blksHit: hit,
    blksRead: read,
    deadlocks: 0,
    tempFiles: 0,
    tempBytes: 0,
    statsReset: null,
    connections: 1,
    maxConnections: 100,
    serverVersionNum: 150000,
    serverVersion: '15',
    inRecovery: false
  })
  it('hit ratio is no data, not 100%, when nothing was read', () => {
    expect(hitRatio(0, 0)).toBeNull()
    const w = counterWindow({ t: 0, c: counters(500, 5) }, { t: 60_000, c: counters(500, 5) })
    expect(checkCacheHitRate(w, pgThresholds())).toBeNull()
  })
  it('hit ratio over a window flags a working set that does not fit', () => {
    const w = counterWindow({ t: 0, c: counters(0, 0) }, { t: 60_000, c: counters(90_000, 10_000) })
    expect(checkCacheHitRate(w, pgThresholds())).toMatchObject({ value: 90, threshold: 99, severity: 'warning' })
  })
  it('a counter that went down was reset: the window counts from zero', () => {
    const w = counterWindow({ t: 0, c: counters(1_000_000, 10) }, { t: 1000, c: counters(50, 5) })
    expect(w.blksHit).toBe(50)
  })
  it('bloat estimates: a packed table and a packed btree need what they use', () => {
    // 1,000 rows of 100 bytes: header 24 + 100 -> 128 aligned + 4 line pointer = 132 bytes, 8168 usable.
    expect(expectedHeapPages(1000, 100, 8192, 100)).toBe(Math.ceil((1000 * 132) / 8168))
    expect(expectedBtreePages(1000, 4, 8192, 90)).toBe(Math.ceil((1000 * 20) / ((8192 - 40) * 0.9)) + 1)
  })
  it('profiles override thresholds by name; unknown names are errors', () => {
    expect(pgThresholds({ long_running_query_s: 30 }).long_running_query_s).toBe(30)
    expect(pgThresholds().slow_query_mean_ms).toBe(PG_THRESHOLDS.slow_query_mean_ms)
    expect(() => pgThresholds({ long_running: 30 })).toThrow(/unknown Postgres threshold "long_running"/)
  })
})

describe('windowed rates need a window', () => {
  it('temp files over one second are not extrapolated to a rate per minute', async () => {
    const { checkTempFiles } = await import('../../src/main/core/postgres/checks/health')
    const w = { seconds: 1, commits: 0, rollbacks: 0, blksHit: 0, blksRead: 0, deadlocks: 0, tempFiles: 3, tempBytes: 7 * 1048576 }
    expect(checkTempFiles(w, pgThresholds())).toBeNull()
    expect(checkTempFiles({ ...w, seconds: 60, tempBytes: 200 * 1048576 }, pgThresholds())).toMatchObject({ check: 'temp_files' })
  })
})
