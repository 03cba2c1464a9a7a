import Database from 'better-sqlite3'
import { chmodSync, closeSync, openSync, statSync } from 'node:fs'
import { DEFAULT_RETENTION, HistoryRetention, type HistoryInfo, type TimelineEvent, type TimelineQuery } from '../../../shared/history'
import { packColumns, unpackColumns } from './codec'
import type { HistoryStore, NewTimelineEvent, StatementRange, StoredStatement } from './port'
import {
  bucketOf,
  bucketPoints,
  downsample,
  downsamplePoints,
  emptyBuckets,
  mergeBuckets,
  MINUTE_MS,
  QUARTER_MS,
  rebucket,
  sliceBuckets,
  type Buckets,
  type Downsampled
} from './tiers'

/** Raw points are compacted per target in chunks of this span (the ticks of the chunk under way stay one row each). */
export const RAW_CHUNK_MS = 10 * MINUTE_MS
/** A row of 1-minute buckets spans six hours; a row of 15-minute buckets four days. */
const TIER_CHUNK_MS = { 1: 6 * 3_600_000, 2: 4 * 86_400_000 } as const
const TIER_WIDTH_MS = { 1: MINUTE_MS, 2: QUARTER_MS } as const
/** Rows of buckets packed into one segment per maintenance (each takes well under a millisecond). */
const REPACK_ROWS_PER_MAINTENANCE = 50
/** Pages given back to the file system per maintenance (4 KiB each). */
const VACUUM_PAGES_PER_MAINTENANCE = 512
/** Statement rows older than the raw retention are thinned to the last of each 15 minutes. */
const STATEMENT_THIN_MS = QUARTER_MS

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS target (
  id INTEGER PRIMARY KEY, profile TEXT NOT NULL, target TEXT NOT NULL,
  compacted_to INTEGER NOT NULL DEFAULT 0, UNIQUE (profile, target));
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, name TEXT NOT NULL, UNIQUE (target_id, name));
-- The chunk under way: one row per poll of a target, its series ids and float64 values.
CREATE TABLE IF NOT EXISTS tick (target_id INTEGER NOT NULL, t INTEGER NOT NULL, ids BLOB NOT NULL, vals BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS tick_by_target ON tick (target_id, t);
-- Compacted raw chunks: a target's poll times once, each series' values beside them.
CREATE TABLE IF NOT EXISTS raw_time (
  target_id INTEGER NOT NULL, chunk INTEGER NOT NULL, first_t INTEGER NOT NULL, last_t INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (target_id, chunk));
CREATE TABLE IF NOT EXISTS raw (series_id INTEGER NOT NULL, chunk INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (series_id, chunk));
-- Retention drops rows by age: these keep it from scanning the tables once a minute.
CREATE INDEX IF NOT EXISTS raw_by_chunk ON raw (chunk);
CREATE INDEX IF NOT EXISTS raw_time_by_chunk ON raw_time (chunk);
-- Buckets: tier 1 is 1 minute, tier 2 is 15 minutes.
CREATE TABLE IF NOT EXISTS agg (
  series_id INTEGER NOT NULL, tier INTEGER NOT NULL, chunk INTEGER NOT NULL, segments INTEGER NOT NULL, data BLOB NOT NULL,
  PRIMARY KEY (series_id, tier, chunk));
CREATE INDEX IF NOT EXISTS agg_by_chunk ON agg (tier, chunk);
CREATE TABLE IF NOT EXISTS event (
  id INTEGER PRIMARY KEY, t INTEGER NOT NULL, profile TEXT NOT NULL, target TEXT, kind TEXT NOT NULL,
  change TEXT NOT NULL, severity TEXT, title TEXT NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS event_by_time ON event (t);
CREATE TABLE IF NOT EXISTS stmt_text (target_id INTEGER NOT NULL, queryid TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (target_id, queryid));
CREATE TABLE IF NOT EXISTS stmt_snap (target_id INTEGER NOT NULL, t INTEGER NOT NULL, first INTEGER NOT NULL, PRIMARY KEY (target_id, t));
-- A statement (user, database, queryid, top level) once; its cumulative figures per change (9 float64s).
CREATE TABLE IF NOT EXISTS stmt_key (
  id INTEGER PRIMARY KEY, target_id INTEGER NOT NULL, key TEXT NOT NULL, queryid TEXT NOT NULL,
  usr TEXT NOT NULL, db TEXT NOT NULL, UNIQUE (target_id, key));
CREATE TABLE IF NOT EXISTS stmt (key_id INTEGER NOT NULL, t INTEGER NOT NULL, vals BLOB NOT NULL, PRIMARY KEY (key_id, t)) WITHOUT ROWID;
`

interface TargetRow {
  id: number
  profile: string
  target: string
  compactedTo: number
  /** The chunk of the oldest tick not compacted yet, or null. */
  pendingChunk: number | null
  series: Map<string, number>
}

const chunkOf = (t: number) => Math.floor(t / RAW_CHUNK_MS) * RAW_CHUNK_MS
const f64 = (b: Buffer) => new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
const i32 = (b: Buffer) => new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))
const blob = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

/**
 * A row of buckets is a sequence of segments, each one compaction's buckets packed on its own
 * (a 4-byte length, then packColumns' bytes): a compaction appends a segment without decoding
 * what the row holds, so its cost does not grow with the row. Once the row's span is over,
 * maintenance packs its segments into one (`repack`). Segments may share a bucket (a 15-minute
 * bucket split by a 10-minute chunk): reading merges them by start, sums and counts adding up.
 */
function packBuckets(b: Buckets, chunk: number, width: number): Buffer {
  const idx = new Int32Array(b.start.length)
  for (let i = 0; i < idx.length; i++) idx[i] = (b.start[i]! - chunk) / width
  const count = new Int32Array(b.count.length)
  for (let i = 0; i < count.length; i++) count[i] = b.count[i]!
  const body = packColumns([idx, b.min, b.max, b.sum, count])
  const head = Buffer.alloc(4)
  head.writeUInt32LE(body.length, 0)
  return Buffer.concat([head, body])
}

function unpackBuckets(data: Buffer, chunk: number, width: number): Buckets {
  let out = emptyBuckets()
  let at = 0
  while (at < data.length) {
    if (at + 4 > data.length) throw new Error('a stored row of buckets ends inside a segment header')
    const len = data.readUInt32LE(at)
    if (at + 4 + len > data.length) throw new Error('a stored row of buckets is shorter than its segments say')
    const [idx, min, max, sum, count] = unpackColumns(data.subarray(at + 4, at + 4 + len)) as [
      Int32Array,
      Float64Array,
      Float64Array,
      Float64Array,
      Int32Array
    ]
    const start = new Float64Array(idx.length)
    for (let i = 0; i < idx.length; i++) start[i] = chunk + idx[i]! * width
    out = mergeBuckets(out, { start, min, max, sum, count: Float64Array.from(count) })
    at += 4 + len
  }
  return out
}

/**
 * The history in one SQLite file (better-sqlite3, synchronous: a transaction of a poll's points
 * takes well under a millisecond, and no promise sits between a write and its commit).
 * Write-ahead logging with `synchronous=NORMAL`: a killed process loses nothing it committed
 * and the file is never left half-written; a power cut may lose the last ticks, never the file.
 */
export class SqliteHistoryStore implements HistoryStore {
  private readonly db: Database.Database
  private readonly targets = new Map<string, TargetRow>()
  private readonly lastStatements = new Map<number, Map<string, { values: Float64Array; keyId: number }>>()
  private batch: (() => void)[] = []
  private retentionNow: HistoryRetention
  private dataVersion: number | null = null
  /** Statement rows are thinned up to here (in memory: after a restart the last minute is looked at again). */
  private thinnedTo: number | null = null
  /** Ticks refused because their chunk was already compacted (the clock went back). */
  late = 0
  private readonly q

  constructor(
    readonly path: string,
    private readonly now: () => number
  ) {
    // Owner-only, as every file in the data directory (SQLite gives its -wal and -shm files the same mode).
    closeSync(openSync(path, 'a', 0o600))
    chmodSync(path, 0o600)
    this.db = new Database(path)
    this.db.pragma('auto_vacuum = INCREMENTAL')
    this.db.pragma('journal_mode = WAL')
    this.db.pragma('synchronous = NORMAL')
    this.db.exec(SCHEMA)
    const db = this.db
    this.q = {
      target: db.prepare<[string, string], { id: number; compacted_to: number }>(
        'INSERT INTO target (profile, target) VALUES (?, ?) ON CONFLICT (profile, target) DO UPDATE SET profile = profile RETURNING id, compacted_to'
      ),
      findTarget: db.prepare<[string, string], { id: number }>('SELECT id FROM target WHERE profile = ? AND target = ?'),
      pendingChunk: db.prepare<[number], { t: number | null }>('SELECT MIN(t) AS t FROM tick WHERE target_id = ?'),
      seriesOf: db.prepare<[number], { id: number; name: string }>('SELECT id, name FROM series WHERE target_id = ?'),
      addSeries: db.prepare<[number, string], { id: number }>(
        'INSERT INTO series (target_id, name) VALUES (?, ?) ON CONFLICT (target_id, name) DO UPDATE SET name = name RETURNING id'
      ),
      tick: db.prepare('INSERT INTO tick (target_id, t, ids, vals) VALUES (?, ?, ?, ?)'),
      ticksBefore: db.prepare<[number, number], { t: number; ids: Buffer; vals: Buffer }>(
        'SELECT t, ids, vals FROM tick WHERE target_id = ? AND t < ? ORDER BY t'
      ),
      ticksIn: db.prepare<[number, number, number], { t: number; ids: Buffer; vals: Buffer }>(
        'SELECT t, ids, vals FROM tick WHERE target_id = ? AND t >= ? AND t < ? ORDER BY t'
      ),
      dropTicks: db.prepare('DELETE FROM tick WHERE target_id = ? AND t < ?'),
      setCompacted: db.prepare('UPDATE target SET compacted_to = ? WHERE id = ?'),
      putRawTime: db.prepare('INSERT OR REPLACE INTO raw_time (target_id, chunk, first_t, last_t, data) VALUES (?, ?, ?, ?, ?)'),
      putRaw: db.prepare('INSERT OR REPLACE INTO raw (series_id, chunk, data) VALUES (?, ?, ?)'),
      rawTimes: db.prepare<[number, number, number], { chunk: number; data: Buffer }>(
        'SELECT chunk, data FROM raw_time WHERE target_id = ? AND chunk >= ? AND chunk < ? ORDER BY chunk'
      ),
      rawValues: db.prepare<[number, number, number], { chunk: number; data: Buffer }>(
        'SELECT chunk, data FROM raw WHERE series_id = ? AND chunk >= ? AND chunk < ? ORDER BY chunk'
      ),
      // A segment appended in place (|| concatenates as text: the CAST makes the bytes a blob again), or the row's first.
      appendAgg: db.prepare(
        'INSERT INTO agg (series_id, tier, chunk, segments, data) VALUES (?, ?, ?, 1, ?) ON CONFLICT (series_id, tier, chunk) DO UPDATE SET data = CAST(data || excluded.data AS BLOB), segments = segments + 1'
      ),
      toRepack: db.prepare<[number, number, number], { series_id: number; tier: number; chunk: number; data: Buffer }>(
        'SELECT series_id, tier, chunk, data FROM agg WHERE tier = ? AND segments > 1 AND chunk <= ? LIMIT ?'
      ),
      repacked: db.prepare('UPDATE agg SET data = ?, segments = 1 WHERE series_id = ? AND tier = ? AND chunk = ?'),
      aggIn: db.prepare<[number, number, number, number], { chunk: number; data: Buffer }>(
        'SELECT chunk, data FROM agg WHERE series_id = ? AND tier = ? AND chunk >= ? AND chunk < ? ORDER BY chunk'
      ),
      event: db.prepare(
        'INSERT INTO event (t, profile, target, kind, change, severity, title, detail) VALUES (@t, @profile, @targetId, @kind, @change, @severity, @title, @detail)'
      ),
      snap: db.prepare('INSERT OR REPLACE INTO stmt_snap (target_id, t, first) VALUES (?, ?, ?)'),
      stmtKey: db.prepare<[number, string, string, string, string], { id: number }>(
        'INSERT INTO stmt_key (target_id, key, queryid, usr, db) VALUES (?, ?, ?, ?, ?) ON CONFLICT (target_id, key) DO UPDATE SET key = key RETURNING id'
      ),
      stmt: db.prepare('INSERT OR REPLACE INTO stmt (key_id, t, vals) VALUES (?, ?, ?)'),
      stmtText: db.prepare('INSERT OR IGNORE INTO stmt_text (target_id, queryid, text) VALUES (?, ?, ?)'),
      meta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)')
    }
    this.retentionNow = this.readRetention()
  }

  private readRetention(): HistoryRetention {
    const row = this.q.meta.get('retention')
    if (!row) return DEFAULT_RETENTION
    const parsed = HistoryRetention.safeParse(JSON.parse(row.value))
    return parsed.success ? parsed.data : DEFAULT_RETENTION
  }

  retention(): HistoryRetention {
    return this.retentionNow
  }

  setRetention(r: HistoryRetention): void {
    this.q.setMeta.run('retention', JSON.stringify(r))
    this.retentionNow = r
  }

  private targetRow(profile: string, target: string): TargetRow {
    const key = `${profile}\u0000${target}`
    let row = this.targets.get(key)
    if (!row) {
      const r = this.q.target.get(profile, target)!
      const pending = this.q.pendingChunk.get(r.id)?.t ?? null
      row = {
        id: r.id,
        profile,
        target,
        compactedTo: r.compacted_to,
        pendingChunk: pending === null ? null : chunkOf(pending),
        series: new Map(this.q.seriesOf.all(r.id).map((s) => [s.name, s.id]))
      }
      this.targets.set(key, row)
    }
    return row
  }

  private seriesId(row: TargetRow, name: string): number {
    let id = row.series.get(name)
    if (id === undefined) {
      id = this.q.addSeries.get(row.id, name)!.id
      row.series.set(name, id)
    }
    return id
  }

  appendTick(profile: string, targetId: string, t: number, names: readonly string[], values: Float64Array): void {
    const vals = Float64Array.from(values)
    const ts = Math.round(t)
    this.batch.push(() => {
      const row = this.targetRow(profile, targetId)
      if (ts < row.compactedTo) {
        this.late++
        return
      }
      const ids = new Int32Array(names.length)
      for (let i = 0; i < names.length; i++) ids[i] = this.seriesId(row, names[i]!)
      // The first tick of a new chunk compacts the ticks of the chunks before it.
      const chunk = chunkOf(ts)
      if (row.pendingChunk !== null && row.pendingChunk < chunk) this.compact(row, chunk)
      this.q.tick.run(row.id, ts, blob(ids), blob(vals))
      if (row.pendingChunk === null) row.pendingChunk = chunk
    })
  }

  appendEvent(e: NewTimelineEvent): void {
    this.batch.push(() => this.q.event.run({ ...e, t: Math.round(e.t) }))
  }

  appendStatements(profile: string, targetId: string, t: number, rows: StoredStatement[], texts: ReadonlyMap<string, string>): void {
    const ts = Math.round(t)
    this.batch.push(() => {
      const target = this.targetRow(profile, targetId)
      let last = this.lastStatements.get(target.id)
      const first = !last
      if (!last) this.lastStatements.set(target.id, (last = new Map()))
      this.q.snap.run(target.id, ts, first ? 1 : 0)
      for (const [id, text] of texts) this.q.stmtText.run(target.id, id, text)
      for (const r of rows) {
        const prev = last.get(r.key)
        if (prev && prev.values.length === r.values.length && prev.values.every((x, i) => x === r.values[i])) continue
        const keyId = prev?.keyId ?? this.q.stmtKey.get(target.id, r.key, r.queryid, r.user, r.database)!.id
        last.set(r.key, { values: Float64Array.from(r.values), keyId })
        this.q.stmt.run(keyId, ts, blob(Float64Array.from(r.values)))
      }
    })
  }

  /**
   * Another process (`lookout history prune` beside the app) may have deleted rows this one holds
   * ids of: SQLite's data_version changes when another connection commits, and the caches go.
   */
  private checkOthers(): void {
    const v = this.db.pragma('data_version', { simple: true }) as number
    if (this.dataVersion !== null && v !== this.dataVersion) {
      this.targets.clear()
      this.lastStatements.clear()
    }
    this.dataVersion = v
  }

  flush(): void {
    if (this.batch.length === 0) return
    this.checkOthers()
    const ops = this.batch
    this.batch = []
    this.db.transaction(() => {
      for (const op of ops) op()
    })()
  }

  /** The ticks of every chunk before `before` into raw chunks and buckets; their rows go. */
  private compact(row: TargetRow, before: number): void {
    const ticks = this.q.ticksBefore.all(row.id, before)
    let i = 0
    while (i < ticks.length) {
      const chunk = chunkOf(ticks[i]!.t)
      let j = i
      while (j < ticks.length && chunkOf(ticks[j]!.t) === chunk) j++
      this.writeChunk(row, chunk, ticks.slice(i, j))
      i = j
    }
    this.q.dropTicks.run(row.id, before)
    row.compactedTo = before
    row.pendingChunk = null
    this.q.setCompacted.run(before, row.id)
  }

  private writeChunk(row: TargetRow, chunk: number, ticks: { t: number; ids: Buffer; vals: Buffer }[]): void {
    const n = ticks.length
    const times = new Int32Array(n)
    const t64 = new Float64Array(n)
    const columns = new Map<number, Float64Array>()
    for (let k = 0; k < n; k++) {
      const tick = ticks[k]!
      times[k] = tick.t - chunk
      t64[k] = tick.t
      const ids = i32(tick.ids)
      const vals = f64(tick.vals)
      for (let s = 0; s < ids.length; s++) {
        let col = columns.get(ids[s]!)
        if (!col) columns.set(ids[s]!, (col = new Float64Array(n).fill(NaN)))
        col[k] = vals[s]!
      }
    }
    this.q.putRawTime.run(row.id, chunk, ticks[0]!.t, ticks[n - 1]!.t, packColumns([times]))
    for (const [sid, col] of columns) {
      // Raw points keep float32's 7 significant digits; the buckets below are computed from the full values.
      this.q.putRaw.run(sid, chunk, packColumns([Float32Array.from(col)]))
      const minutes = bucketPoints(t64, col, MINUTE_MS)
      this.mergeTier(sid, 1, minutes)
      this.mergeTier(sid, 2, rebucket(minutes, QUARTER_MS))
    }
  }

  private mergeTier(seriesId: number, tier: 1 | 2, add: Buckets): void {
    if (add.start.length === 0) return
    const span = TIER_CHUNK_MS[tier]
    const width = TIER_WIDTH_MS[tier]
    let i = 0
    while (i < add.start.length) {
      const chunk = bucketOf(add.start[i]!, span)
      let j = i
      while (j < add.start.length && bucketOf(add.start[j]!, span) === chunk) j++
      const part = sliceBuckets(add, chunk, chunk + span)
      this.q.appendAgg.run(seriesId, tier, chunk, packBuckets(part, chunk, width))
      i = j
    }
  }

  private findTarget(profile: string, targetId: string): TargetRow | null {
    return this.q.findTarget.get(profile, targetId) ? this.targetRow(profile, targetId) : null
  }

  /** A series' raw points in [from, to): compacted chunks, then the ticks of the chunk under way. */
  private rawPoints(row: TargetRow, seriesId: number, from: number, to: number): { t: Float64Array; v: Float64Array } {
    const t: number[] = []
    const v: number[] = []
    const first = chunkOf(from)
    const times = new Map(this.q.rawTimes.all(row.id, first, to).map((r) => [r.chunk, r.data]))
    for (const r of this.q.rawValues.all(seriesId, first, to)) {
      const tb = times.get(r.chunk)
      if (!tb) continue
      const [offsets] = unpackColumns(tb) as [Int32Array]
      const [vals] = unpackColumns(r.data) as [Float32Array]
      for (let i = 0; i < offsets.length; i++) {
        const ti = r.chunk + offsets[i]!
        if (ti >= from && ti < to) {
          t.push(ti)
          v.push(vals[i]!)
        }
      }
    }
    let lastIds: Buffer | null = null
    let at = -1
    for (const tick of this.q.ticksIn.all(row.id, from, to)) {
      if (!lastIds || !tick.ids.equals(lastIds)) {
        lastIds = tick.ids
        at = i32(tick.ids).indexOf(seriesId)
      }
      if (at < 0) continue
      t.push(tick.t)
      v.push(tick.vals.readDoubleLE(at * 8))
    }
    return { t: Float64Array.from(t), v: Float64Array.from(v) }
  }

  private tierBuckets(row: TargetRow, seriesId: number, tier: 1 | 2, from: number, to: number): Buckets {
    const span = TIER_CHUNK_MS[tier]
    const width = TIER_WIDTH_MS[tier]
    let out = emptyBuckets()
    for (const r of this.q.aggIn.all(seriesId, tier, bucketOf(from, span), to))
      out = mergeBuckets(out, sliceBuckets(unpackBuckets(r.data, r.chunk, width), bucketOf(from, width), to))
    // The chunk under way is not in the buckets yet: bucket its ticks now.
    const live = this.rawPoints(row, seriesId, Math.max(from, row.compactedTo), to)
    const liveBuckets = bucketPoints(live.t, live.v, MINUTE_MS)
    return mergeBuckets(out, tier === 1 ? liveBuckets : rebucket(liveBuckets, QUARTER_MS))
  }

  readSeries(profile: string, targetId: string, seriesName: string, from: number, to: number, points: number) {
    const row = this.findTarget(profile, targetId)
    const sid = row?.series.get(seriesName)
    const empty: Downsampled = { t: new Float64Array(0), avg: new Float64Array(0), min: new Float64Array(0), max: new Float64Array(0) }
    if (!row || sid === undefined) return { tier: 'raw' as const, data: empty }
    const now = this.now()
    const r = this.retentionNow
    // Rows are dropped a chunk at a time; what is past the retention is not shown even while its row stays.
    from = Math.max(from, now - r.quarterMs)
    if (from >= to) return { tier: 'quarter' as const, data: empty }
    // Raw points while they are finer than the buckets asked for; else the coarsest tier that is
    // still at least as fine, and that reaches back far enough.
    const width = (to - from) / points
    if (from >= now - r.rawMs && width < MINUTE_MS) {
      const raw = this.rawPoints(row, sid, from, to)
      return { tier: 'raw' as const, data: downsamplePoints(raw.t, raw.v, from, to, points) }
    }
    const tier = from >= now - r.minuteMs && width < QUARTER_MS ? 1 : 2
    const b = this.tierBuckets(row, sid, tier, from, to)
    return { tier: tier === 1 ? ('minute' as const) : ('quarter' as const), data: downsample(b, from, to, points, TIER_WIDTH_MS[tier]) }
  }

  recentRaw(profile: string, targetId: string, from: number): { seriesId: string; t: Float64Array; v: Float64Array }[] {
    const row = this.findTarget(profile, targetId)
    if (!row) return []
    const to = this.now() + 1
    return [...row.series].map(([name, sid]) => ({ seriesId: name, ...this.rawPoints(row, sid, from, to) }))
  }

  seriesNames(profile: string, targetId: string): string[] {
    const row = this.findTarget(profile, targetId)
    return row ? [...row.series.keys()].sort() : []
  }

  statements(profile: string, targetId: string, from: number, to: number): StatementRange {
    const out: StatementRange = { snapshots: [], rows: new Map(), texts: new Map() }
    const row = this.findTarget(profile, targetId)
    if (!row) return out
    const db = this.db
    const start =
      db
        .prepare<[number, number], { t: number | null }>('SELECT MAX(t) AS t FROM stmt_snap WHERE target_id = ? AND t <= ?')
        .get(row.id, from)?.t ?? from
    out.snapshots = db
      .prepare<[number, number, number], { t: number; first: number }>(
        'SELECT t, first FROM stmt_snap WHERE target_id = ? AND t >= ? AND t <= ? ORDER BY t'
      )
      .all(row.id, start, to)
      .map((s) => ({ t: s.t, first: s.first === 1 }))
    type Row = { key: string; queryid: string; usr: string; db: string; t: number; vals: Buffer }
    const base = db
      .prepare<[number, number], Row>(
        `SELECT k.key, k.queryid, k.usr, k.db, s.t, s.vals FROM stmt_key k
         JOIN stmt s ON s.key_id = k.id AND s.t = (SELECT MAX(t) FROM stmt WHERE key_id = k.id AND t <= ?)
         WHERE k.target_id = ?`
      )
      .all(start, row.id)
    const inRange = db
      .prepare<[number, number, number], Row>(
        'SELECT k.key, k.queryid, k.usr, k.db, s.t, s.vals FROM stmt_key k JOIN stmt s ON s.key_id = k.id WHERE k.target_id = ? AND s.t > ? AND s.t <= ? ORDER BY s.t'
      )
      .all(row.id, start, to)
    for (const r of [...base, ...inRange]) {
      let e = out.rows.get(r.key)
      if (!e) out.rows.set(r.key, (e = { queryid: r.queryid, user: r.usr, database: r.db, times: [], values: [] }))
      e.times.push(r.t)
      e.values.push(f64(r.vals))
    }
    const ids = JSON.stringify([...new Set([...out.rows.values()].map((r) => r.queryid))])
    for (const tx of db
      .prepare<[number, string], { queryid: string; text: string }>(
        'SELECT queryid, text FROM stmt_text WHERE target_id = ? AND queryid IN (SELECT value FROM json_each(?))'
      )
      .all(row.id, ids))
      out.texts.set(tx.queryid, tx.text)
    return out
  }

  statementsSince(profile: string, targetId: string): number | null {
    const row = this.findTarget(profile, targetId)
    if (!row) return null
    return this.db.prepare<[number], { t: number | null }>('SELECT MIN(t) AS t FROM stmt_snap WHERE target_id = ?').get(row.id)?.t ?? null
  }

  timeline(q: TimelineQuery): TimelineEvent[] {
    const like = q.search.trim() ? `%${q.search.trim().replace(/[\\%_]/g, (c) => '\\' + c)}%` : null
    const rows = this.db
      .prepare<
        unknown[],
        {
          id: number
          t: number
          profile: string
          target: string | null
          kind: string
          change: string
          severity: string | null
          title: string
          detail: string | null
        }
      >(
        `SELECT id, t, profile, target, kind, change, severity, title, detail FROM event
         WHERE t >= ? AND t < ?
           AND (? = '[]' OR profile IN (SELECT value FROM json_each(?)))
           AND (? = '[]' OR kind IN (SELECT value FROM json_each(?)))
           AND (? = '[]' OR severity IN (SELECT value FROM json_each(?)))
           AND (? IS NULL OR title LIKE ? ESCAPE '\\' OR detail LIKE ? ESCAPE '\\')
         ORDER BY t DESC, id DESC LIMIT ?`
      )
      .all(
        q.range.from,
        q.range.to,
        ...[q.profiles, q.kinds, q.severities].flatMap((a) => [JSON.stringify(a), JSON.stringify(a)]),
        like,
        like,
        like,
        q.limit
      )
    // The newest `limit` of the range (in an incident the last events matter most), oldest first.
    rows.reverse()
    return rows.map((r) => ({
      id: r.id,
      t: r.t,
      profile: r.profile,
      targetId: r.target,
      kind: r.kind as TimelineEvent['kind'],
      change: r.change,
      severity: r.severity as TimelineEvent['severity'],
      title: r.title,
      detail: r.detail
    }))
  }

  private bytes(): number {
    let total = 0
    for (const p of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(p).size
      } catch {
        /* no write-ahead log right now */
      }
    }
    return total
  }

  info(): HistoryInfo {
    const db = this.db
    const profiles = db
      .prepare<
        [],
        {
          profile: string
          series: number
          rawChunks: number
          events: number
          statementRows: number
          oldest: number | null
          newest: number | null
        }
      >(
        `SELECT p.profile,
           (SELECT COUNT(*) FROM series s JOIN target t ON t.id = s.target_id WHERE t.profile = p.profile) AS series,
           (SELECT COUNT(*) FROM raw_time r JOIN target t ON t.id = r.target_id WHERE t.profile = p.profile) AS rawChunks,
           (SELECT COUNT(*) FROM event e WHERE e.profile = p.profile) AS events,
           (SELECT COUNT(*) FROM stmt x JOIN stmt_key k ON k.id = x.key_id JOIN target t ON t.id = k.target_id WHERE t.profile = p.profile) AS statementRows,
           -- The oldest point: a raw chunk, a tick, an event or a statement snapshot; the buckets' rows only when nothing finer is left.
           COALESCE((SELECT MIN(m) FROM (
              SELECT MIN(r.first_t) AS m FROM raw_time r JOIN target t ON t.id = r.target_id WHERE t.profile = p.profile
              UNION ALL SELECT MIN(k.t) FROM tick k JOIN target t ON t.id = k.target_id WHERE t.profile = p.profile
              UNION ALL SELECT MIN(x.t) FROM stmt_snap x JOIN target t ON t.id = x.target_id WHERE t.profile = p.profile
              UNION ALL SELECT MIN(e.t) FROM event e WHERE e.profile = p.profile)),
             (SELECT MIN(a.chunk) FROM agg a JOIN series s ON s.id = a.series_id JOIN target t ON t.id = s.target_id WHERE t.profile = p.profile)) AS oldest,
           (SELECT MAX(m) FROM (
              SELECT MAX(k.t) AS m FROM tick k JOIN target t ON t.id = k.target_id WHERE t.profile = p.profile
              UNION ALL SELECT MAX(r.last_t) FROM raw_time r JOIN target t ON t.id = r.target_id WHERE t.profile = p.profile
              UNION ALL SELECT MAX(e.t) FROM event e WHERE e.profile = p.profile)) AS newest
         FROM (SELECT profile FROM target UNION SELECT profile FROM event) p ORDER BY p.profile`
      )
      .all()
    return { path: this.path, bytes: this.bytes(), retention: this.retentionNow, profiles, problem: null }
  }

  maintain(now: number): void {
    this.flush()
    const r = this.retentionNow
    this.db.transaction(() => {
      // A target no longer polled (its profile stopped) still gets its last chunk compacted.
      for (const row of this.db
        .prepare<[], { id: number; profile: string; target: string }>('SELECT id, profile, target FROM target')
        .all()) {
        const t = this.targetRow(row.profile, row.target)
        if (t.pendingChunk !== null && t.pendingChunk + RAW_CHUNK_MS <= chunkOf(now)) this.compact(t, chunkOf(now))
      }
      const db = this.db
      // Written so that each delete seeks an index (no expression on a column, the key's first column given).
      db.prepare('DELETE FROM raw_time WHERE chunk <= ?').run(now - r.rawMs - RAW_CHUNK_MS)
      db.prepare('DELETE FROM raw WHERE chunk <= ?').run(now - r.rawMs - RAW_CHUNK_MS)
      db.prepare('DELETE FROM tick WHERE target_id IN (SELECT id FROM target) AND t < ?').run(now - r.rawMs)
      db.prepare('DELETE FROM agg WHERE tier = 1 AND chunk <= ?').run(now - r.minuteMs - TIER_CHUNK_MS[1])
      db.prepare('DELETE FROM agg WHERE tier = 2 AND chunk <= ?').run(now - r.quarterMs - TIER_CHUNK_MS[2])
      db.prepare('DELETE FROM event WHERE t < ?').run(now - r.quarterMs)
      // Statements: past the raw retention, the last row of each 15 minutes per statement is
      // enough to answer any window of 15-minute steps; past the minute tier's, nothing. Rows
      // are thinned once, as they pass the raw retention (the span since the last maintenance).
      const thinTo = now - r.rawMs
      const thinFrom = Math.min(this.thinnedTo ?? thinTo - MINUTE_MS, thinTo)
      db.prepare(
        `DELETE FROM stmt WHERE key_id IN (SELECT id FROM stmt_key) AND t >= ? AND t < ? AND EXISTS (SELECT 1 FROM stmt n
           WHERE n.key_id = stmt.key_id AND n.t > stmt.t AND n.t < (stmt.t / ${STATEMENT_THIN_MS} + 1) * ${STATEMENT_THIN_MS})`
      ).run(thinFrom - STATEMENT_THIN_MS, thinTo)
      db.prepare(
        `DELETE FROM stmt_snap WHERE target_id IN (SELECT id FROM target) AND t >= ? AND t < ? AND first = 0 AND EXISTS (SELECT 1 FROM stmt_snap n
           WHERE n.target_id = stmt_snap.target_id AND n.t > stmt_snap.t AND n.t < (stmt_snap.t / ${STATEMENT_THIN_MS} + 1) * ${STATEMENT_THIN_MS})`
      ).run(thinFrom - STATEMENT_THIN_MS, thinTo)
      this.thinnedTo = thinTo
      // Rows of buckets whose span is over: their segments packed into one, a few rows at a time.
      for (const tier of [1, 2] as const)
        for (const row of this.q.toRepack.all(tier, now - TIER_CHUNK_MS[tier], REPACK_ROWS_PER_MAINTENANCE))
          this.q.repacked.run(
            packBuckets(unpackBuckets(row.data, row.chunk, TIER_WIDTH_MS[tier]), row.chunk, TIER_WIDTH_MS[tier]),
            row.series_id,
            tier,
            row.chunk
          )
      db.prepare('DELETE FROM stmt WHERE key_id IN (SELECT id FROM stmt_key) AND t < ?').run(now - r.minuteMs)
      db.prepare('DELETE FROM stmt_snap WHERE target_id IN (SELECT id FROM target) AND t < ?').run(now - r.minuteMs)
    })()
    // Free pages go back to the file system a few at a time, so maintenance never stalls a poll.
    this.db.pragma(`incremental_vacuum(${VACUUM_PAGES_PER_MAINTENANCE})`)
  }

  prune(opts: { before: number | null; profile: string | null }): { deleted: number; bytesBefore: number; bytesAfter: number } {
    this.flush()
    const bytesBefore = this.bytes()
    const before = opts.before ?? Number.MAX_SAFE_INTEGER
    const ids = JSON.stringify(
      this.db
        .prepare<[string | null, string | null], { id: number }>('SELECT id FROM target WHERE ? IS NULL OR profile = ?')
        .all(opts.profile, opts.profile)
        .map((r) => r.id)
    )
    const inTargets = `target_id IN (SELECT value FROM json_each('${ids}'))`
    const inSeries = `series_id IN (SELECT id FROM series WHERE ${inTargets})`
    let deleted = 0
    this.db.transaction(() => {
      const run = (sql: string, ...args: unknown[]) => (deleted += this.db.prepare(sql).run(...args).changes)
      // Compact first, so that what stays keeps its buckets.
      for (const row of this.targets.values()) if (row.pendingChunk !== null && opts.before !== null) this.compact(row, chunkOf(this.now()))
      run(`DELETE FROM tick WHERE ${inTargets} AND t < ?`, before)
      run(`DELETE FROM raw_time WHERE ${inTargets} AND chunk + ? <= ?`, RAW_CHUNK_MS, before)
      run(`DELETE FROM raw WHERE ${inSeries} AND chunk + ? <= ?`, RAW_CHUNK_MS, before)
      run(`DELETE FROM agg WHERE ${inSeries} AND tier = 1 AND chunk + ? <= ?`, TIER_CHUNK_MS[1], before)
      run(`DELETE FROM agg WHERE ${inSeries} AND tier = 2 AND chunk + ? <= ?`, TIER_CHUNK_MS[2], before)
      run(`DELETE FROM stmt WHERE key_id IN (SELECT id FROM stmt_key WHERE ${inTargets}) AND t < ?`, before)
      run(`DELETE FROM stmt_snap WHERE ${inTargets} AND t < ?`, before)
      run('DELETE FROM event WHERE (? IS NULL OR profile = ?) AND t < ?', opts.profile, opts.profile, before)
      if (opts.before === null) {
        run(`DELETE FROM stmt_text WHERE ${inTargets}`)
        run(`DELETE FROM stmt_key WHERE ${inTargets}`)
        run(`DELETE FROM series WHERE ${inTargets}`)
        run(`DELETE FROM target WHERE id IN (SELECT value FROM json_each('${ids}'))`)
      }
    })()
    if (opts.before === null) {
      for (const [k, row] of this.targets) if (opts.profile === null || row.profile === opts.profile) this.targets.delete(k)
      this.lastStatements.clear()
    }
    this.db.exec('VACUUM')
    this.db.pragma('wal_checkpoint(TRUNCATE)')
    return { deleted, bytesBefore, bytesAfter: this.bytes() }
  }

  close(): void {
    try {
      this.flush()
    } finally {
      this.db.close()
    }
  }
}
