import Database from 'better-sqlite3'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { SqliteHistoryStore } from '../src/main/core/history/sqlite-store'
import { statementValues, type StatementSample } from '../src/main/core/postgres/checks/statements'
import type { BenchResult } from './benchmarks'

/** The measure: 200 series at one point a second for 24 hours, with statement snapshots. */
const SERIES = 200
/** As a profile has them: a Postgres, a Redis, a Prometheus server and a /metrics page, 50 series each. */
const TARGETS = 4
const HOURS = Number(process.env.BENCH_HISTORY_HOURS ?? 24)
const TICKS = HOURS * 3600
/** pg_stat_statements every 15 s: 500 statements, a tenth of them busy (their figures change). */
const STATEMENTS = 500
const BUSY_STATEMENTS = 50
const STATEMENT_EVERY = 15
/** The peer, the obvious schema (a row per point), is filled with this many hours: its size per point does not depend on the span. */
const PEER_HOURS = 1
const READS = 20

const GOAL_BYTES_PER_POINT = 4
const GOAL_TICK_MS = 2
const GOAL_READ_MS = 50

/**
 * Values as collectors make them: rates from counter deltas over measured poll intervals (full
 * float64 noise), ratios of counts, integer gauges walking, latencies in ms, and near-constant
 * series (up, lag 0, slowly growing memory). Deterministic.
 */
function makeSeries(): ((i: number, dt: number) => number)[] {
  const out: ((i: number, dt: number) => number)[] = []
  for (let s = 0; s < SERIES; s++) {
    const kind = s % 5
    let state = 1000 + s * 37
    if (kind === 0) out.push((i, dt) => Math.round(800 + 200 * Math.sin(i / 900 + s) + ((i * 31 + s) % 17)) / (dt / 1000))
    else if (kind === 1) out.push((i) => (100 * (9000 + ((i * 13 + s) % 997))) / (9000 + ((i * 13 + s) % 997) + 40 + ((i * 7) % 61)))
    else if (kind === 2)
      out.push((i) => {
        if ((i * 2654435761 + s) % 7 === 0) state += ((i + s) % 3) - 1
        return state
      })
    else if (kind === 3) out.push((i) => Math.round((2 + Math.abs(Math.sin(i / 120 + s)) * 8 + ((i * 17) % 13) / 10) * 1000) / 1000)
    else out.push((i) => (s % 2 === 0 ? 1 : 2_000_000_000 + Math.floor(i / 60) * 4096))
  }
  return out
}

function statementRows(i: number): StatementSample[] {
  const rows: StatementSample[] = []
  for (let q = 0; q < STATEMENTS; q++) {
    const calls = q < BUSY_STATEMENTS ? 1000 + i * (q + 1) : 1000 + q
    const total = calls * (1.5 + q / 100)
    rows.push({
      key: `10:5:${q}:t`,
      queryid: String(q),
      user: 'app',
      database: 'shop',
      calls,
      totalMs: total,
      rows: calls,
      hit: calls * 3,
      read: q,
      temp: 0,
      execMs: total * 0.9,
      execSq: calls * 4,
      maxMs: 50 + q
    })
  }
  return rows
}

const r3 = (x: number) => Math.round(x * 1000) / 1000
const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!
const quantile = (a: number[], q: number) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(a.length * q))]!
const fileBytes = (path: string) => [path, `${path}-wal`].reduce((n, p) => n + (statSync(p, { throwIfNoEntry: false })?.size ?? 0), 0)

/**
 * `npm run bench history`: the store itself (SqliteHistoryStore, the code the core runs), fed a
 * day of 200 series at one point a second, one transaction per tick, with statement snapshots
 * every 15 s; then its size on disk, the cost of a tick (the compaction of each 10-minute chunk
 * included), and reading one series over the 24 hours downsampled to 1,000 points. Each figure
 * is compared with the goal, and the first two also with the obvious schema (a SQLite row
 * per point, in the same run).
 */
export async function historyBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-history-'))
  try {
    const start = Date.UTC(2026, 0, 1)
    const now = { t: start }
    const store = new SqliteHistoryStore(join(dir, 'history.db'), () => now.t)
    const series = makeSeries()
    const names = Array.from({ length: TARGETS }, (_, k) => Array.from({ length: SERIES / TARGETS }, (_, j) => `t${k}:s${j}`))
    const values = Array.from({ length: TARGETS }, () => new Float64Array(SERIES / TARGETS))
    const tickMs: number[] = []
    let t = start
    for (let i = 0; i < TICKS; i++) {
      const dt = 1000 + ((i * 7) % 7) - 3
      t += dt
      now.t = t
      const t0 = performance.now()
      for (let k = 0; k < TARGETS; k++) {
        const v = values[k]!
        for (let j = 0; j < v.length; j++) v[j] = series[k * v.length + j]!(i, dt)
        store.appendTick('bench', `t${k}`, t, names[k]!, v)
      }
      if (i % STATEMENT_EVERY === 0)
        store.appendStatements(
          'bench',
          't0',
          t,
          statementRows(i).map((r) => ({ key: r.key, queryid: r.queryid, user: r.user, database: r.database, values: statementValues(r) })),
          i === 0
            ? new Map(Array.from({ length: STATEMENTS }, (_, q) => [String(q), `SELECT * FROM orders WHERE id = $1 /* ${q} */`]))
            : new Map()
        )
      store.flush()
      if (i % 60 === 0) store.maintain(t)
      tickMs.push(performance.now() - t0)
    }
    store.maintain(t + 1)
    // Bytes on disk once the write-ahead log is folded in.
    const path = join(dir, 'history.db')
    store.close()
    const db = new Database(path)
    db.pragma('wal_checkpoint(TRUNCATE)')
    const rawBlobBytes = (db.prepare('SELECT SUM(length(data)) AS n FROM raw').get() as { n: number }).n
    const timeBlobBytes = (db.prepare('SELECT SUM(length(data)) AS n FROM raw_time').get() as { n: number }).n
    const aggBytes = (db.prepare('SELECT SUM(length(data)) AS n FROM agg').get() as { n: number }).n
    db.close()
    const bytes = fileBytes(path)
    const points = SERIES * TICKS
    const reopened = new SqliteHistoryStore(path, () => now.t)
    const readMs: number[] = []
    let readPoints = 0
    for (let r = 0; r < READS; r++) {
      const k = r % TARGETS
      const t0 = performance.now()
      const got = reopened.readSeries('bench', `t${k}`, `t${k}:s${(r * 7) % (SERIES / TARGETS)}`, t - HOURS * 3_600_000, t + 1, 1000)
      readMs.push(performance.now() - t0)
      readPoints = got.data.t.length
    }
    reopened.close()

    // The peer: a row per point, one transaction per tick, for an hour.
    const peerPath = join(dir, 'peer.db')
    const peer = new Database(peerPath)
    peer.pragma('journal_mode = WAL')
    peer.pragma('synchronous = NORMAL')
    peer.exec('CREATE TABLE point (series_id INTEGER NOT NULL, t INTEGER NOT NULL, v REAL, PRIMARY KEY (series_id, t)) WITHOUT ROWID')
    const ins = peer.prepare('INSERT INTO point (series_id, t, v) VALUES (?, ?, ?)')
    const peerTick = peer.transaction((tt: number, i: number) => {
      for (let s = 0; s < SERIES; s++) ins.run(s, tt, series[s]!(i, 1000))
    })
    const peerMs: number[] = []
    for (let i = 0; i < PEER_HOURS * 3600; i++) {
      const t0 = performance.now()
      peerTick(start + i * 1000, i)
      peerMs.push(performance.now() - t0)
    }
    peer.pragma('wal_checkpoint(TRUNCATE)')
    peer.close()
    const peerBytesPerPoint = fileBytes(peerPath) / (SERIES * PEER_HOURS * 3600)

    const bytesPerPoint = bytes / points
    const common = { series: SERIES, hours: HOURS, ticks: TICKS, statements: STATEMENTS }
    return [
      {
        measure: 'bytes per raw point on disk (the whole file: raw, 1-minute and 15-minute tiers, statements, indexes)',
        ours_ms: r3(bytesPerPoint),
        ref: `goal: under ${GOAL_BYTES_PER_POINT} bytes`,
        ref_ms: GOAL_BYTES_PER_POINT,
        ratio: r3(bytesPerPoint / GOAL_BYTES_PER_POINT),
        unit: 'bytes',
        file_bytes: bytes,
        raw_value_bytes_per_point: r3(rawBlobBytes / points),
        raw_time_bytes_per_point: r3(timeBlobBytes / points),
        tier_bytes: aggBytes,
        peer: 'a SQLite row per point (series_id, t, v), WITHOUT ROWID',
        peer_bytes_per_point: r3(peerBytesPerPoint),
        ratio_to_peer: r3(bytesPerPoint / peerBytesPerPoint),
        ...common
      },
      {
        measure: 'ingest per tick: 200 points in one transaction, chunk compaction and statement snapshots included',
        ours_ms: r3(tickMs.reduce((a, b) => a + b, 0) / tickMs.length),
        ref: `goal: under ${GOAL_TICK_MS} ms`,
        ref_ms: GOAL_TICK_MS,
        ratio: r3(tickMs.reduce((a, b) => a + b, 0) / tickMs.length / GOAL_TICK_MS),
        ours_median_ms: r3(median(tickMs)),
        ours_p99_ms: r3(quantile(tickMs, 0.99)),
        ours_max_ms: r3(Math.max(...tickMs)),
        peer: 'a SQLite row per point, one transaction per tick',
        peer_ms: r3(peerMs.reduce((a, b) => a + b, 0) / peerMs.length),
        ...common
      },
      {
        measure: `reading one series over ${HOURS} h downsampled to 1,000 points`,
        ours_ms: r3(median(readMs)),
        ref: `goal: under ${GOAL_READ_MS} ms`,
        ref_ms: GOAL_READ_MS,
        ratio: r3(median(readMs) / GOAL_READ_MS),
        ours_max_ms: r3(Math.max(...readMs)),
        points_returned: readPoints,
        reads: READS,
        ...common
      }
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
