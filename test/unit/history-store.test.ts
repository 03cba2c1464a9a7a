import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { packColumns, unpackColumns } from '../../src/main/core/history/codec'
import { RAW_CHUNK_MS, SqliteHistoryStore } from '../../src/main/core/history/sqlite-store'
import { statementsFromHistory } from '../../src/main/core/postgres/statement-views'
import type { StatementSample } from '../../src/main/core/postgres/checks/statements'
import { statementValues } from '../../src/main/core/postgres/checks/statements'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function open(now: { t: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-history-'))
  dirs.push(dir)
  return new SqliteHistoryStore(join(dir, 'history.db'), () => now.t)
}

/** A value that wanders like a real gauge, with missing points now and then. */
function valueAt(i: number): number {
  if (i % 97 === 13) return NaN
  return 100 + 40 * Math.sin(i / 300) + ((i * 7919) % 113) / 10
}

/** min, avg and max of the points in each bucket of `width`, from the full float64 values. */
function reference(points: { t: number; v: number }[], width: number) {
  const out = new Map<number, { min: number; max: number; sum: number; n: number }>()
  for (const p of points) {
    if (Number.isNaN(p.v)) continue
    const b = Math.floor(p.t / width) * width
    const e = out.get(b) ?? { min: Infinity, max: -Infinity, sum: 0, n: 0 }
    e.min = Math.min(e.min, p.v)
    e.max = Math.max(e.max, p.v)
    e.sum += p.v
    e.n++
    out.set(b, e)
  }
  return out
}

const HOUR = 3_600_000
const DAY = 24 * HOUR

describe('history codec', () => {
  it('round-trips times, float32 and float64 columns, NaN and negative numbers included', () => {
    const times = Int32Array.from([0, 1000, 2001, 2999, 4000, -5, 2_000_000_000])
    const f32 = Float32Array.from([1.5, NaN, -3.25, 1e30, 0, -0, 7])
    const f64 = Float64Array.from([Math.PI, NaN, -1e-300, Infinity, 42, 1 / 3, -7.5])
    const [a, b, c] = unpackColumns(packColumns([times, f32, f64]))
    expect(Array.from(a!)).toEqual(Array.from(times))
    expect(Array.from(b!)).toEqual(Array.from(f32))
    expect(Array.from(c!)).toEqual(Array.from(f64))
  })

  it('names a buffer that is not a chunk', () => {
    expect(() => unpackColumns(Buffer.from('not a chunk at all'))).toThrow(/stored chunk/)
  })
})

describe('history store: tiers', () => {
  it('keeps 1-minute min/avg/max exact against the full values, across chunks and the chunk under way', () => {
    const start = Date.UTC(2026, 0, 1, 0, 0, 0)
    const now = { t: start }
    const store = open(now)
    store.setRetention({ rawMs: HOUR, minuteMs: DAY, quarterMs: 90 * DAY })
    const points: { t: number; v: number }[] = []
    // Three hours and a bit at one poll a second, with jitter on the poll times.
    for (let i = 0; i < 3 * 3600 + 437; i++) {
      const t = start + i * 1000 + (i % 5)
      const v = valueAt(i)
      points.push({ t, v })
      now.t = t
      store.appendTick('p', 'pg', t, ['pg:tps', 'pg:other'], Float64Array.from([v, i]))
      if (i % 50 === 0) store.flush()
    }
    store.flush()
    // From more than the raw retention ago: the minute tier answers, one point per minute.
    const from = start
    const to = now.t + 1
    const r = store.readSeries('p', 'pg', 'pg:tps', from, to, 10_000)
    expect(r.tier).toBe('minute')
    const ref = reference(points, 60_000)
    expect(r.data.t.length).toBe(ref.size)
    for (let k = 0; k < r.data.t.length; k++) {
      const e = ref.get(r.data.t[k]!)!
      expect(e, `bucket ${r.data.t[k]}`).toBeDefined()
      expect(r.data.min[k]).toBe(e.min)
      expect(r.data.max[k]).toBe(e.max)
      expect(r.data.avg[k]).toBeCloseTo(e.sum / e.n, 9)
    }
    // The last hour from the raw tier: every point, float32's precision, the missing ones NaN.
    const raw = store.readSeries('p', 'pg', 'pg:tps', now.t - 30 * 60_000, to, 10_000)
    expect(raw.tier).toBe('raw')
    const expected = points.filter((p) => p.t >= now.t - 30 * 60_000)
    expect(raw.data.t.length).toBe(expected.length)
    expected.forEach((p, k) => {
      expect(raw.data.t[k]).toBe(p.t)
      if (Number.isNaN(p.v)) expect(raw.data.avg[k]).toBeNaN()
      else expect(Math.abs(raw.data.avg[k]! - p.v) / p.v).toBeLessThan(1e-7)
    })
    // Downsampled to 100 points: each bucket's extremes are the points' extremes.
    const down = store.readSeries('p', 'pg', 'pg:tps', now.t - 30 * 60_000, to, 100)
    expect(down.data.t.length).toBe(100)
    const allMax = Math.max(...expected.filter((p) => !Number.isNaN(p.v)).map((p) => Math.fround(p.v)))
    expect(Math.max(...Array.from(down.data.max).filter((x) => !Number.isNaN(x)))).toBe(allMax)
    store.close()
  })

  it('builds 15-minute buckets from the minute buckets exactly, and answers old ranges from them', () => {
    const start = Date.UTC(2026, 0, 1)
    const now = { t: start }
    const store = open(now)
    store.setRetention({ rawMs: HOUR, minuteMs: DAY, quarterMs: 90 * DAY })
    const points: { t: number; v: number }[] = []
    for (let i = 0; i < 2 * 8640 + 100; i++) {
      const t = start + i * 10_000
      const v = valueAt(i)
      points.push({ t, v })
      now.t = t
      store.appendTick('p', 'redis', t, ['redis:hit'], Float64Array.of(v))
      if (i % 200 === 0) store.flush()
    }
    store.flush()
    const r = store.readSeries('p', 'redis', 'redis:hit', start, now.t + 1, 5000)
    expect(r.tier).toBe('quarter')
    const ref = reference(points, 15 * 60_000)
    expect(r.data.t.length).toBe(ref.size)
    for (let k = 0; k < r.data.t.length; k++) {
      const e = ref.get(r.data.t[k]!)!
      expect(r.data.min[k]).toBe(e.min)
      expect(r.data.max[k]).toBe(e.max)
      expect(r.data.avg[k]).toBeCloseTo(e.sum / e.n, 9)
    }
    store.close()
  })

  it('drops each tier past its retention and compacts a target no longer polled', () => {
    const start = Date.UTC(2026, 0, 1)
    const now = { t: start }
    const store = open(now)
    store.setRetention({ rawMs: HOUR, minuteMs: DAY, quarterMs: 2 * DAY })
    for (let i = 0; i < 3 * 360; i++) {
      now.t = start + i * 10_000
      store.appendTick('p', 'pg', now.t, ['pg:tps'], Float64Array.of(i))
    }
    store.flush()
    const chunksBefore = store.info().profiles[0]!.rawChunks
    expect(chunksBefore).toBe(Math.floor((3 * HOUR - 10_000) / RAW_CHUNK_MS))
    // An hour later with no poll: the chunk under way is compacted, raw chunks past an hour go.
    now.t += HOUR
    store.maintain(now.t)
    const info = store.info().profiles[0]!
    expect(info.rawChunks).toBeLessThanOrEqual(HOUR / RAW_CHUNK_MS)
    expect(info.rawChunks).toBeGreaterThan(0)
    // The minute tier still answers for the whole three hours.
    const r = store.readSeries('p', 'pg', 'pg:tps', start, start + 3 * HOUR, 1000)
    expect(r.tier).toBe('minute')
    expect(r.data.t.length).toBe(180)
    // Three days on, everything is past every retention.
    now.t += 3 * DAY
    store.maintain(now.t)
    expect(store.readSeries('p', 'pg', 'pg:tps', start, start + 3 * HOUR, 1000).data.t.length).toBe(0)
    store.close()
  })

  it('packs a row of buckets into one segment once its span is over, the buckets unchanged', () => {
    const start = Date.UTC(2026, 0, 1)
    const now = { t: start }
    const store = open(now)
    store.setRetention({ rawMs: HOUR, minuteMs: DAY, quarterMs: 90 * DAY })
    const points: { t: number; v: number }[] = []
    for (let i = 0; i < 7 * 360; i++) {
      now.t = start + i * 10_000
      const v = valueAt(i)
      points.push({ t: now.t, v })
      store.appendTick('p', 'pg', now.t, ['pg:tps'], Float64Array.of(v))
      if (i % 30 === 0) store.flush()
    }
    store.flush()
    const read = () => store.readSeries('p', 'pg', 'pg:tps', start, start + 6 * HOUR, 10_000)
    const before = read()
    const db = new Database(store.path)
    const segments = () => db.prepare('SELECT segments FROM agg WHERE tier = 1 AND chunk = ?').pluck().get(start) as number
    // One segment per 10-minute compaction of the six hours.
    expect(segments()).toBe(36)
    store.maintain(now.t)
    expect(segments()).toBe(1)
    db.close()
    const after = read()
    expect(after.tier).toBe('minute')
    expect(Array.from(after.data.t)).toEqual(Array.from(before.data.t))
    expect(Array.from(after.data.min)).toEqual(Array.from(before.data.min))
    expect(Array.from(after.data.max)).toEqual(Array.from(before.data.max))
    const ref = reference(points, 60_000)
    after.data.t.forEach((t, k) => expect(after.data.avg[k]).toBeCloseTo(ref.get(t)!.sum / ref.get(t)!.n, 9))
    store.close()
  })

  it('says where the data it holds starts and ends, to the point, not to the chunk', () => {
    const start = Date.UTC(2026, 0, 1) + 7_000
    const now = { t: start }
    const store = open(now)
    for (let i = 0; i < 1500; i++) {
      now.t = start + i * 1000
      store.appendTick('p', 'pg', now.t, ['pg:tps'], Float64Array.of(i))
      store.flush()
    }
    const p = store.info().profiles[0]!
    expect(p.rawChunks).toBe(2)
    expect(p.oldest).toBe(start)
    expect(p.newest).toBe(now.t)
    store.close()
  })

  it('prunes one profile, or what is older than a time, and gives the space back', () => {
    const start = Date.UTC(2026, 0, 1)
    const now = { t: start }
    const store = open(now)
    for (let i = 0; i < 2000; i++) {
      now.t = start + i * 1000
      store.appendTick('a', 'pg', now.t, ['pg:tps'], Float64Array.of(i))
      store.appendTick('b', 'pg', now.t, ['pg:tps'], Float64Array.of(i))
      store.flush()
    }
    store.appendEvent({
      t: now.t,
      profile: 'a',
      targetId: null,
      kind: 'action',
      change: 'invalidate',
      severity: 'info',
      title: 'x',
      detail: null
    })
    const r = store.prune({ before: null, profile: 'a' })
    expect(r.deleted).toBeGreaterThan(0)
    expect(store.info().profiles.map((p) => p.profile)).toEqual(['b'])
    expect(store.readSeries('b', 'pg', 'pg:tps', start, now.t + 1, 5000).data.t.length).toBe(2000)
    store.prune({ before: start + 1000 * 1000, profile: null })
    const left = store.readSeries('b', 'pg', 'pg:tps', start, now.t + 1, 5000).data.t
    expect(left[0]).toBeGreaterThanOrEqual(start + 600_000)
    store.close()
  })
})

describe('history store: the timeline', () => {
  it('answers the newest events of a range, oldest first, filtered in the store', () => {
    const now = { t: Date.UTC(2026, 0, 1) }
    const store = open(now)
    for (let i = 0; i < 50; i++)
      store.appendEvent({
        t: now.t + i * 1000,
        profile: i % 2 ? 'a' : 'b',
        targetId: null,
        kind: i % 5 === 0 ? 'action' : 'finding',
        change: i % 5 === 0 ? 'invalidate keys' : 'appeared',
        severity: i % 3 === 0 ? 'critical' : 'warning',
        title: `event ${i} 100%_done`,
        detail: null
      })
    store.flush()
    const q = (more: Partial<Parameters<typeof store.timeline>[0]>) =>
      store.timeline({
        range: { from: now.t, to: now.t + 60_000 },
        profiles: [],
        kinds: [],
        severities: [],
        search: '',
        limit: 1000,
        ...more
      })
    const newest = q({ limit: 10 })
    expect(newest.map((e) => e.title.split(' ')[1])).toEqual(['40', '41', '42', '43', '44', '45', '46', '47', '48', '49'])
    expect(q({ profiles: ['a'], kinds: ['action'] }).map((e) => e.title.split(' ')[1])).toEqual(['5', '15', '25', '35', '45'])
    expect(q({ severities: ['critical'] }).every((e) => e.severity === 'critical')).toBe(true)
    // The text filter takes % and _ as themselves, not as LIKE's wildcards.
    expect(q({ search: 'event 7 100%_' }).map((e) => e.title)).toEqual(['event 7 100%_done'])
    expect(q({ search: '1_0' })).toEqual([])
    expect(q({ search: '0%d' })).toEqual([])
    store.close()
  })
})

describe('history store: statements', () => {
  const sample = (key: string, calls: number, totalMs: number): StatementSample => ({
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
    execSq: calls ? (totalMs * totalMs) / calls : 0,
    maxMs: calls ? totalMs / calls : 0
  })
  const q = { window: '1h' as const, sort: 'total' as const, search: '', user: null, database: null, limit: 10 }

  it('answers any window with deltas, across a restart, and counts from zero after a reset inside it', () => {
    const t0 = Date.UTC(2026, 0, 1)
    const now = { t: t0 }
    let store = open(now)
    const path = store.path
    const snap = (t: number, rows: StatementSample[]) => {
      now.t = t
      store.appendStatements(
        'p',
        'postgres',
        t,
        rows.map((r) => ({ key: r.key, queryid: r.queryid, user: r.user, database: r.database, values: statementValues(r) })),
        new Map(rows.map((r) => [r.queryid, `SELECT ${r.key}`]))
      )
      store.flush()
    }
    const M = 60_000
    // q1 grows by 10 calls a minute; q2 is reset at minute 30 (its calls go down) and grows again.
    for (let m = 0; m <= 20; m++) snap(t0 + m * M, [sample('q1', 100 + 10 * m, 1000 + 100 * m), sample('q2', 50 + m, 500 + 10 * m)])
    store.close()
    store = new SqliteHistoryStore(path, () => now.t)
    for (let m = 21; m <= 40; m++)
      snap(t0 + m * M, [
        sample('q1', 100 + 10 * m, 1000 + 100 * m),
        sample('q2', m < 30 ? 50 + m : m - 30, m < 30 ? 500 + 10 * m : 10 * (m - 30))
      ])
    const at = (from: number, to: number) => {
      const a = statementsFromHistory(store, 'p', 'postgres', { from: t0 + from * M, to: t0 + to * M }, q, 15_000)
      return new Map(a.statements.map((s) => [s.key, s]))
    }
    // Minutes 5 to 15: q1 ran 100 times (1,000 ms), q2 10 times.
    let w = at(5, 15)
    expect(w.get('q1')!.calls).toBe(100)
    expect(w.get('q1')!.totalMs).toBe(1000)
    expect(w.get('q2')!.calls).toBe(10)
    // Across the restart (minutes 15 to 25): the rows written again at the restart change nothing.
    w = at(15, 25)
    expect(w.get('q1')!.calls).toBe(100)
    expect(w.get('q2')!.calls).toBe(10)
    // Across the reset at minute 30: q2 counts from zero, so only what ran after it (10 calls by minute 40).
    w = at(25, 40)
    expect(w.get('q1')!.calls).toBe(150)
    expect(w.get('q2')!.calls).toBe(10)
    expect(w.get('q2')!.query).toBe('SELECT q2')
    // A window where nothing ran for q2 between minutes 0 and 0.5 has no q2.
    expect(at(0, 0.5).size).toBe(0)
    store.close()
  })
})
