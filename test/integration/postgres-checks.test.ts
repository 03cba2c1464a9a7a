import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMonitorClient } from '../../src/main/core/postgres/connection'
import { pgThresholds } from '../../src/main/core/postgres/thresholds'
import { PostgresWatch } from '../../src/main/core/postgres/watch'
import type { PgFinding } from '../../src/shared/postgres'
import { eventuallyAsync, startPostgres, type PostgresHandle } from '../harness'
import { createFixture, runQueryWorkload, scanSequentially, startSessions, type FixtureSessions } from '../helpers/pg-fixture'

let server: PostgresHandle
let monitor: pg.Client
let sessions: FixtureSessions

// Thresholds shortened so the fixture's sessions qualify in seconds, not minutes.
const TH = pgThresholds({ idle_in_transaction_s: 1, blocked_s: 1, long_running_query_s: 2, bloat_min_bytes: 512 * 1024 })

const connect = async (dsn: string, password: string | null = null) => {
  const c = createMonitorClient({ dsn, password, connectTimeoutMs: 5000 })
  await c.connect()
  return c
}
const objects = (findings: PgFinding[], check: string) =>
  findings
    .filter((f) => f.check === check)
    .map((f) => f.object)
    .sort()

beforeAll(async () => {
  server = await startPostgres()
  await createFixture(server)
  await scanSequentially(server, 15)
  monitor = await connect(server.dsn)
})

afterAll(async () => {
  await sessions?.close()
  await monitor?.end().catch(() => {})
  await server?.stop()
})

describe('Postgres checks on the fixture', () => {
  const watch = new PostgresWatch(TH, 'postgres')

  it('the slow tier finds exactly the fixture problems', async () => {
    await watch.fast(monitor)
    await watch.slow(monitor)
    const f = watch.findings()
    expect(watch.checkStatuses().filter((s) => s.error)).toEqual([])
    expect(objects(f, 'unused_index')).toEqual(['unused_t_val_idx'])
    expect(objects(f, 'duplicate_index')).toEqual(['dup_t_a_idx'])
    expect(f.find((x) => x.check === 'duplicate_index')!.message).toContain('dup_t_a_b_idx')
    expect(objects(f, 'invalid_index')).toEqual(['inv_t_v_idx'])
    expect(objects(f, 'seq_scan_table')).toEqual(['seqy'])
    expect(objects(f, 'dead_rows')).toEqual(['dead_t'])
    expect(f.find((x) => x.check === 'dead_rows')).toMatchObject({ value: 10000, severity: 'warning' })
    expect(objects(f, 'sequence_exhaustion')).toEqual(['nearly_done', 'wide_seq'])
    expect(f.find((x) => x.object === 'nearly_done')).toMatchObject({ severity: 'critical', value: 99 })
    const wide = f.find((x) => x.object === 'wide_seq')!
    expect(wide.message).toContain('integer column narrow.id')
    expect(wide.fixSql).toContain('ALTER TABLE narrow ALTER COLUMN id TYPE bigint')
    expect(objects(f, 'invalid_constraint')).toEqual(['dup_t.dup_t_b_positive'])
    expect(objects(f, 'table_bloat')).toEqual(['bloat_t'])
    expect(objects(f, 'index_bloat')).toEqual(['bloat_t_pkey'])
    expect(objects(f, 'inactive_replication_slot')).toEqual(['stale_slot'])
    expect(objects(f, 'xid_wraparound')).toEqual([])
    expect(objects(f, 'multixact_wraparound')).toEqual([])
    // Every fix is shown, never run: the unused index is still there.
    expect(f.find((x) => x.check === 'unused_index')!.fixSql).toBe('DROP INDEX CONCURRENTLY unused_t_val_idx;')
    const still = await monitor.query("SELECT 1 FROM pg_class WHERE relname = 'unused_t_val_idx'")
    expect(still.rowCount).toBe(1)
    expect(watch.details().settings.map((s) => s.name)).toContain('work_mem')
  })

  it('the medium tier turns pg_stat_statements into window deltas: the slow query and the chatty one', async () => {
    await watch.medium(monitor)
    await runQueryWorkload(server, 3000)
    await watch.medium(monitor)
    const f = watch.findings()
    const slow = f.filter((x) => x.check === 'slow_query')
    expect(slow).toHaveLength(1)
    expect(slow[0]!.message).toContain('pg_sleep')
    const chatty = f.filter((x) => x.check === 'chatty_query')
    expect(chatty).toHaveLength(1)
    expect(chatty[0]!.message).toContain('lookup_t')
    const answer = watch.statements({ window: '5m', sort: 'calls', search: '', user: null, database: null, limit: 10 })
    expect(answer.available).toBe(true)
    const top = answer.statements[0]!
    expect(top.query).toContain('lookup_t')
    // Exactly the calls made between the two samples: since-reset totals would include none extra
    // here, so compare with the window's own count.
    expect(top.calls).toBe(3000)
    expect(top.history.at(-1)).toBeCloseTo(top.totalMs, 6)
    // Lookout's own statements never show.
    expect(answer.statements.some((s) => s.query.startsWith('/* lookout */'))).toBe(false)
    // Heap and index cache hit from two pg_statio samples.
    const kinds = watch.details().cacheByKind
    expect(kinds.heapSinceReset).not.toBeNull()
    expect(kinds.heapSinceReset!).toBeLessThanOrEqual(1)
    const filtered = watch.statements({ window: 'connect', sort: 'mean', search: 'PG_SLEEP', user: null, database: null, limit: 10 })
    expect(filtered.statements.map((s) => s.calls)).toEqual([2])
    expect(filtered.statements[0]!.meanMs).toBeGreaterThanOrEqual(150)
  })

  it('activity: the blocker idle in transaction, the blocked session with its root, the long-running query', async () => {
    sessions = await startSessions(server)
    // The sessions cross the profile's idle and long-running thresholds after a moment: poll until they do.
    const f = await eventuallyAsync('the three sessions found', async () => {
      await watch.fast(monitor)
      const found = watch.findings()
      return objects(found, 'idle_in_transaction').length &&
        objects(found, 'long_running_query').length &&
        objects(found, 'blocked_session').length
        ? found
        : null
    })
    expect(objects(f, 'idle_in_transaction')).toEqual([`pid ${sessions.blocker}`])
    expect(objects(f, 'blocked_session')).toEqual([`pid ${sessions.blocked}`])
    expect(f.find((x) => x.check === 'blocked_session')!.fixSql).toBe(`SELECT pg_cancel_backend(${sessions.blocker});`)
    expect(objects(f, 'long_running_query')).toEqual([`pid ${sessions.longRunning}`])
    const act = watch.activity()
    expect(act.blockingTree).toEqual([
      { pid: sessions.blocker, depth: 0 },
      { pid: sessions.blocked, depth: 1 }
    ])
    expect(act.sessions.some((s) => s.application === 'lookout')).toBe(false)
    expect(act.byState['idle in transaction']).toBe(1)
  })

  it('connections and windowed counters: thresholds are the profile’s', async () => {
    const tight = new PostgresWatch(pgThresholds({ connections_warning_ratio: 0.01 }), 'postgres')
    await tight.fast(monitor)
    expect(tight.details().window.cacheHitRatio).toBeNull()
    expect(objects(tight.findings(), 'connections')).toEqual(['server'])
    // Block reads reach pg_stat_database when the reading session flushes its statistics.
    await scanSequentially(server, 1)
    const w = await eventuallyAsync('a window with block reads', async () => {
      await tight.fast(monitor)
      return tight.details().window.cacheHitRatio !== null ? tight.details().window : null
    })
    expect(w.cacheHitRatio!).toBeGreaterThan(0)
    expect(w.cacheHitRatio!).toBeLessThanOrEqual(1)
    expect(() => pgThresholds({ no_such_threshold: 1 })).toThrow(/unknown Postgres threshold "no_such_threshold"/)
  })

  it('a DDL lock held on a table does not hang the checks: the affected check says so, the rest run', async () => {
    const locker = await server.admin(server.database)
    try {
      await locker.query('BEGIN')
      await locker.query('LOCK TABLE seqy IN ACCESS EXCLUSIVE MODE')
      const w = new PostgresWatch(TH, 'postgres')
      await w.fast(monitor)
      await w.slow(monitor)
      const byName = new Map(w.checkStatuses().map((s) => [s.check, s]))
      expect(byName.get('seq_scan_tables')!.error).toMatch(/lock_timeout/)
      expect(byName.get('invalid_indexes')!.error).toBeNull()
      expect(objects(w.findings(), 'invalid_index')).toEqual(['inv_t_v_idx'])
      // The monitoring session is still usable afterwards.
      await w.fast(monitor)
    } finally {
      await locker.query('ROLLBACK')
      await locker.end()
    }
  })
})

describe('graceful degradation', () => {
  it('a role with only pg_monitor runs every read check; what it cannot see says which GRANT would show it', async () => {
    const a = await server.admin(server.database)
    await a.query("CREATE ROLE watcher LOGIN PASSWORD 'watcher-pw' IN ROLE pg_monitor")
    await a.end()
    const c = await connect(`postgresql://watcher@127.0.0.1:${server.port}/${server.database}`, 'watcher-pw')
    try {
      const w = new PostgresWatch(TH, 'watcher')
      await w.once(c)
      const byName = new Map(w.checkStatuses().map((s) => [s.check, s]))
      for (const name of [
        'unused_indexes',
        'duplicate_indexes',
        'invalid_indexes',
        'seq_scan_tables',
        'dead_rows',
        'wraparound',
        'inactive_slots',
        'statements'
      ])
        expect(byName.get(name)?.error, name).toBeNull()
      const f = w.findings()
      expect(objects(f, 'unused_index')).toEqual(['unused_t_val_idx'])
      expect(objects(f, 'seq_scan_table')).toEqual(['seqy'])
      // Since the reset, not over a window: the fixture's own slow DDL counts too.
      expect(f.filter((x) => x.check === 'slow_query').some((x) => x.message.includes('pg_sleep'))).toBe(true)
      expect(byName.get('sequences')!.enable).toBe('GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO watcher;')
      expect(byName.get('bloat')!.error).toMatch(/without visible column statistics/)
    } finally {
      await c.end()
    }
  })

  it('without pg_stat_statements in the database, the statements check names the CREATE EXTENSION; the rest keep working', async () => {
    const a = await server.admin()
    await a.query('CREATE DATABASE noext')
    await a.end()
    const c = await connect(`postgresql://postgres@127.0.0.1:${server.port}/noext`, server.password)
    try {
      const w = new PostgresWatch(TH, 'postgres')
      await w.fast(c)
      await w.medium(c)
      const s = w.checkStatuses().find((x) => x.check === 'statements')!
      expect(s.enable).toBe('pg_stat_statements is not installed in database noext: run CREATE EXTENSION pg_stat_statements;')
      expect(w.statements({ window: '5m', sort: 'total', search: '', user: null, database: null, limit: 5 })).toMatchObject({
        available: false,
        unavailable: expect.stringContaining('CREATE EXTENSION')
      })
      await w.slow(c)
      expect(w.checkStatuses().find((x) => x.check === 'database_size')!.error).toBeNull()
      expect(w.details().databaseSizeBytes).toBeGreaterThan(0)
    } finally {
      await c.end()
    }
  })

  it('a server without pg_stat_statements preloaded says which setting to change', async () => {
    const bare = await startPostgres({ statStatements: false })
    const c = await connect(bare.dsn)
    try {
      const w = new PostgresWatch(TH, 'postgres')
      await w.fast(c)
      await w.medium(c)
      expect(w.checkStatuses().find((x) => x.check === 'statements')!.enable).toMatch(
        /shared_preload_libraries = 'pg_stat_statements'.*restart/
      )
    } finally {
      await c.end()
      await bare.stop()
    }
  })
})

describe('the windowed and server-wide checks, each made to fire for real', () => {
  /** Runs statements in a session of its own and flushes its statistics when it goes idle. */
  const inSession = async (work: (c: pg.Client) => Promise<void>) => {
    const c = await server.admin(server.database)
    try {
      await work(c)
      await c.query('SELECT pg_stat_force_next_flush()')
      await c.query('SELECT 1')
    } finally {
      await c.end()
    }
  }

  it('a real deadlock, a sort spilling to temp files and forced checkpoints are found over the window', async () => {
    const w = new PostgresWatch(
      pgThresholds({ temp_bytes_per_min: 1, window_min_s: 0, checkpoints_min: 5, checkpoints_requested_ratio: 0.5 }),
      'postgres'
    )
    await w.fast(monitor)
    // Two sessions lock two rows in opposite orders: the server kills one of them.
    const a = await server.admin(server.database)
    const b = await server.admin(server.database)
    try {
      await a.query('BEGIN')
      await b.query('BEGIN')
      await a.query('UPDATE lookup_t SET name = name WHERE id = 1')
      await b.query('UPDATE lookup_t SET name = name WHERE id = 2')
      const results = await Promise.allSettled([
        a.query('UPDATE lookup_t SET name = name WHERE id = 2'),
        b.query('UPDATE lookup_t SET name = name WHERE id = 1')
      ])
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as { code: string }).code : 'ok')).sort()).toEqual(['40P01', 'ok'])
    } finally {
      await a.query('ROLLBACK').catch(() => {})
      await b.query('ROLLBACK').catch(() => {})
      for (const c of [a, b]) {
        await c.query('SELECT pg_stat_force_next_flush()').catch(() => {})
        await c.query('SELECT 1').catch(() => {})
        await c.end()
      }
    }
    await inSession(async (c) => {
      await c.query("SET work_mem = '64kB'")
      await c.query('SELECT * FROM seqy ORDER BY payload DESC OFFSET 49000')
    })
    await inSession(async (c) => {
      for (let i = 0; i < 6; i++) await c.query('CHECKPOINT')
    })
    await eventuallyAsync('deadlocks and temp files in the window', async () => {
      await w.fast(monitor)
      const checks = new Set(w.findings().map((f) => f.check))
      return checks.has('deadlocks') && checks.has('temp_files') ? true : null
    })
    const f = w.findings()
    expect(f.find((x) => x.check === 'deadlocks')).toMatchObject({ value: 1, severity: 'warning' })
    expect(w.details().window.tempFiles).toBeGreaterThanOrEqual(1)
    expect(f.find((x) => x.check === 'checkpoints_requested')!.message).toMatch(/forced by WAL volume/)
  })

  it('cache hit and wraparound checks compute their figures from the real server (thresholds set to fire)', async () => {
    const w = new PostgresWatch(
      pgThresholds({ cache_hit_ratio: 1.01, cache_hit_min_blocks: 1, wraparound_warning_ratio: 1e-9 }),
      'postgres'
    )
    await w.fast(monitor)
    await inSession(async (c) => void (await c.query('SELECT count(*) FROM seqy')))
    const hit = await eventuallyAsync('a cache hit finding', async () => {
      await w.fast(monitor)
      return w.findings().find((f) => f.check === 'cache_hit_rate')
    })
    expect(hit.value).toBeGreaterThan(0)
    expect(hit.value).toBeLessThanOrEqual(100)
    await w.slow(monitor)
    const wrap = w.findings().filter((f) => f.check === 'xid_wraparound')
    expect(wrap.map((f) => f.object)).toContain(server.database)
    // The fix names the tables holding the freeze horizon back, in the current database.
    expect(wrap.find((f) => f.object === server.database)!.fixSql).toMatch(/^VACUUM \(FREEZE, VERBOSE\) /)
  })
})

describe('heap and index cache hit totals', () => {
  it('equal the sums of pg_statio_user_tables, read from the statistics functions directly', async () => {
    const { readStatioTotals } = await import('../../src/main/core/postgres/checks/health')
    // The totals and the view in one snapshot: the statistics do not move inside a transaction.
    await monitor.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    try {
      const ours = await readStatioTotals(monitor)
      const { rows } = await monitor.query(`SELECT sum(heap_blks_hit)::float8 AS hh, sum(heap_blks_read)::float8 AS hr,
        sum(idx_blks_hit)::float8 AS ih, sum(idx_blks_read)::float8 AS ir FROM pg_statio_user_tables`)
      expect(ours).toEqual({ heapHit: rows[0].hh, heapRead: rows[0].hr, idxHit: rows[0].ih, idxRead: rows[0].ir })
      expect(ours.heapHit + ours.heapRead).toBeGreaterThan(0)
      expect(ours.idxHit + ours.idxRead).toBeGreaterThan(0)
    } finally {
      await monitor.query('ROLLBACK')
    }
  })
})
