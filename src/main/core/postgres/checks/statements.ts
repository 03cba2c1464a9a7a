import type pg from 'pg'
import type { PgFinding, PgStatement, StatementSort } from '../../../../shared/postgres'
import type { PgThresholds } from '../thresholds'
import { hasStatementsInfo, statementTimeColumns } from '../version'
import { redactStatement } from '../redact'
import { LOOKOUT_SQL_MARKER, num, queryRows, quoteIdent, str, timeOrNull } from '../sql'

/**
 * pg_stat_statements without the query texts: reading the texts means reading the server's whole
 * query-text file, so texts are fetched only for statements not seen before.
 */
export function statementsSql(versionNum: number): string {
  const t = statementTimeColumns(versionNum)
  const toplevel = versionNum >= 140000 ? 's.toplevel' : 'true'
  // Raw ids, no joins and no string building per row: 5,000 rows a poll add up on the server.
  return `/* lookout */ SELECT s.userid::int8 AS userid, s.dbid::int8 AS dbid, s.queryid::text AS queryid, ${toplevel} AS toplevel,
  ${t.calls}::float8 AS calls, ${t.total}::float8 AS total_ms, s.rows::float8 AS rows,
  s.shared_blks_hit::float8 AS hit, s.shared_blks_read::float8 AS read,
  (s.temp_blks_read + s.temp_blks_written)::float8 AS temp,
  ${t.exec}::float8 AS exec_ms, (${t.calls} * (${t.stddev} * ${t.stddev} + ${t.mean} * ${t.mean}))::float8 AS exec_sq,
  ${t.max}::float8 AS max_ms
FROM pg_stat_statements(false) s
WHERE s.queryid IS NOT NULL`
}

/** Role and database names, to label statements: two small catalogs, read once a sample. */
export const NAMES_SQL = `/* lookout */ SELECT 'r' AS kind, oid::int8 AS oid, rolname AS name FROM pg_roles
UNION ALL SELECT 'd', oid::int8, datname FROM pg_database`

export const STATEMENT_TEXTS_SQL = `/* lookout */ SELECT s.queryid::text AS queryid, s.query FROM pg_stat_statements(true) s WHERE s.queryid::text = ANY($1)`

/** Whether pg_stat_statements can be read here, and if not, exactly what would make it readable. */
export const STATEMENTS_AVAILABLE_SQL = `/* lookout */ SELECT
  EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS installed,
  current_setting('shared_preload_libraries', true) AS preload,
  current_database() AS db`

export async function statementsUnavailable(client: pg.Client): Promise<string | null> {
  const [r] = await queryRows(client, STATEMENTS_AVAILABLE_SQL)
  const preload = r?.preload === null || r?.preload === undefined ? null : String(r.preload)
  const loaded = preload === null ? null : /(^|[\s,"])pg_stat_statements([\s,"]|$)/.test(preload)
  if (loaded === false)
    return "pg_stat_statements is not loaded: run ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'; (keep any libraries already listed), restart the server, then CREATE EXTENSION pg_stat_statements;"
  if (!r?.installed)
    return `pg_stat_statements is not installed in database ${quoteIdent(str(r?.db))}: run CREATE EXTENSION pg_stat_statements;`
  return null
}

export interface StatementSample {
  key: string
  queryid: string
  user: string
  database: string
  calls: number
  totalMs: number
  rows: number
  hit: number
  read: number
  temp: number
  /** Execution time alone (totalMs adds planning), its sum of squares (calls × (stddev² + mean²)) and its maximum, all since reset. */
  execMs: number
  execSq: number
  maxMs: number
}

export async function readStatements(client: pg.Client, versionNum: number): Promise<StatementSample[]> {
  const rows = await queryRows(client, statementsSql(versionNum))
  const roles = new Map<string, string>()
  const dbs = new Map<string, string>()
  for (const n of await queryRows(client, NAMES_SQL)) (n.kind === 'r' ? roles : dbs).set(str(n.oid), str(n.name))
  return rows.map((r) => ({
    key: `${str(r.userid)}:${str(r.dbid)}:${str(r.queryid)}:${r.toplevel === false ? 'f' : 't'}`,
    queryid: str(r.queryid),
    user: roles.get(str(r.userid)) ?? str(r.userid),
    database: dbs.get(str(r.dbid)) ?? str(r.dbid),
    calls: num(r.calls),
    totalMs: num(r.total_ms),
    rows: num(r.rows),
    hit: num(r.hit),
    read: num(r.read),
    temp: num(r.temp),
    execMs: num(r.exec_ms),
    execSq: num(r.exec_sq),
    maxMs: num(r.max_ms)
  }))
}

export async function readStatementTexts(client: pg.Client, queryids: string[]): Promise<Map<string, string>> {
  if (queryids.length === 0) return new Map()
  const rows = await queryRows(client, STATEMENT_TEXTS_SQL, [queryids])
  // Redacted here, before anything shows, checks or keeps a text (see redact.ts).
  return new Map(rows.map((r) => [str(r.queryid), redactStatement(str(r.query))]))
}

/** When pg_stat_statements was last reset (14+), to turn cumulative calls into calls per second. */
export async function readStatementsReset(client: pg.Client, versionNum: number): Promise<number | null> {
  if (!hasStatementsInfo(versionNum)) return null
  const [r] = await queryRows(client, '/* lookout */ SELECT stats_reset FROM pg_stat_statements_info')
  return timeOrNull(r?.stats_reset)
}

const FIELDS = ['calls', 'totalMs', 'rows', 'hit', 'read', 'temp', 'execMs', 'execSq', 'maxMs'] as const
const WIDTH = FIELDS.length
const MAX_FIELD = FIELDS.indexOf('maxMs')

function sampleOf(key: string, r: { queryid: string; user: string; database: string }, v: Float64Array): StatementSample {
  const s = { key, queryid: r.queryid, user: r.user, database: r.database } as StatementSample
  FIELDS.forEach((f, i) => (s[f] = v[i]!))
  return s
}

/** A sample's cumulative figures in the order the history (and the store) keeps them. */
export function statementValues(s: StatementSample): Float64Array {
  const v = new Float64Array(WIDTH)
  FIELDS.forEach((f, i) => (v[i] = s[f]))
  return v
}
type Values = Float64Array

/** One statement's cumulative figures, appended only when they change, so idle statements cost nothing. */
interface Track {
  sample: StatementSample
  /** At connect (or zeros for a statement that appeared later): the "since connect" baseline. */
  baseline: Values
  times: number[]
  values: Values[]
}

/** A window's standard deviation (from the deltas of the sums and sums of squares) and its maximum when it rose inside it. */
function spreadOf(
  calls: number,
  exec: number,
  sq: number,
  maxBefore: number,
  maxAfter: number
): { stddevMs: number | null; maxMs: number | null } {
  const mean = calls > 0 ? exec / calls : 0
  const variance = calls > 0 ? sq / calls - mean * mean : NaN
  return {
    // Rounding in the server's running figures can leave a tiny negative variance: that is zero.
    stddevMs: calls > 0 && Number.isFinite(variance) ? Math.sqrt(Math.max(0, variance)) : null,
    maxMs: maxAfter > maxBefore ? maxAfter : null
  }
}

export interface StatementWindowFigures {
  calls: number
  totalMs: number
  rows: number
  hit: number
  read: number
  temp: number
  /** Execution time's standard deviation over the window's calls, from the sums of squares. */
  stddevMs: number | null
  /** The slowest call, when it happened inside the window (the cumulative maximum rose); null when it did not. */
  maxMs: number | null
}

/**
 * pg_stat_statements samples turned into per-window deltas per statement, the way Prometheus turns
 * counters into rates: a statement whose calls went down was reset or evicted and re-added, so it
 * counts from zero. Keeps an hour of history.
 */
export class StatementHistory {
  private readonly tracks = new Map<string, Track>()
  private readonly texts = new Map<string, string>()
  /** Sample times, for the sparklines; the first is the connect baseline. */
  private readonly sampleTimes: number[] = []
  private firstAt: number | null = null

  constructor(private readonly keepMs = 3_600_000) {}

  get lastSampleAt(): number | null {
    return this.sampleTimes.length ? this.sampleTimes[this.sampleTimes.length - 1]! : null
  }
  get connectedAt(): number | null {
    return this.firstAt
  }

  /** Query ids whose text Lookout does not know yet. */
  missingTexts(samples: StatementSample[]): string[] {
    const out = new Set<string>()
    for (const s of samples) if (!this.texts.has(s.queryid)) out.add(s.queryid)
    return [...out]
  }

  addTexts(texts: Map<string, string>): void {
    for (const [id, q] of texts) this.texts.set(id, q)
  }

  add(t: number, samples: StatementSample[]): void {
    const first = this.firstAt === null
    if (first) this.firstAt = t
    const prevT = this.lastSampleAt
    const seen = new Set<string>()
    for (const s of samples) {
      // Lookout's own monitoring statements are left out of what it shows.
      if (this.texts.get(s.queryid)?.startsWith(LOOKOUT_SQL_MARKER)) continue
      seen.add(s.key)
      const v = statementValues(s)
      const tr = this.tracks.get(s.key)
      if (!tr) {
        const zero = new Float64Array(WIDTH)
        this.tracks.set(s.key, {
          sample: s,
          baseline: first ? v : zero,
          times: first || prevT === null ? [t] : [prevT, t],
          values: first || prevT === null ? [v] : [zero, v]
        })
        continue
      }
      tr.sample = s
      const last = tr.values[tr.values.length - 1]!
      if (v[0]! < last[0]!) {
        // Reset or evicted and re-added: from zero again.
        const zero = new Float64Array(WIDTH)
        tr.baseline = zero
        tr.times = [prevT ?? t, t]
        tr.values = [zero, v]
        continue
      }
      if (v.some((x, i) => x !== last[i])) {
        tr.times.push(t)
        tr.values.push(v)
      }
    }
    for (const k of this.tracks.keys()) if (!seen.has(k)) this.tracks.delete(k)
    this.sampleTimes.push(t)
    this.trim(t)
  }

  private trim(now: number): void {
    const cutoff = now - this.keepMs
    while (this.sampleTimes.length > 2 && this.sampleTimes[1]! <= cutoff) this.sampleTimes.splice(1, 1)
    for (const tr of this.tracks.values()) {
      // Keep the last entry at or before the cutoff: the value at the window's start.
      let drop = 0
      while (drop + 1 < tr.times.length && tr.times[drop + 1]! <= cutoff) drop++
      if (drop > 0) {
        tr.times.splice(0, drop)
        tr.values.splice(0, drop)
      }
    }
  }

  private valueAt(tr: Track, t: number): Values {
    // The last entry at or before t; before the first entry the statement had not run (zeros),
    // unless it was already there at connect.
    let lo = 0
    let hi = tr.times.length - 1
    if (tr.times[0]! > t) return tr.times[0] === this.firstAt ? tr.values[0]! : new Float64Array(WIDTH)
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (tr.times[mid]! <= t) lo = mid
      else hi = mid - 1
    }
    return tr.values[lo]!
  }

  /** Start of a window of `ms` (null: since connect), clamped to what has been watched. */
  windowStart(ms: number | null): number | null {
    const last = this.lastSampleAt
    if (last === null || this.firstAt === null) return null
    return ms === null ? this.firstAt : Math.max(this.firstAt, last - ms)
  }

  figures(key: string, start: number): StatementWindowFigures | null {
    const tr = this.tracks.get(key)
    if (!tr) return null
    const end = tr.values[tr.values.length - 1]!
    const base = start <= this.firstAt! ? tr.baseline : this.valueAt(tr, start)
    const d = (i: number) => Math.max(0, end[i]! - base[i]!)
    return {
      calls: d(0),
      totalMs: d(1),
      rows: d(2),
      hit: d(3),
      read: d(4),
      temp: d(5),
      ...spreadOf(d(0), d(6), d(7), base[MAX_FIELD]!, end[MAX_FIELD]!)
    }
  }

  /** Total time per sample interval over the last `points` intervals, oldest first. */
  sparkline(key: string, points: number): number[] {
    const tr = this.tracks.get(key)
    if (!tr) return []
    const times = this.sampleTimes.slice(-points - 1)
    const out: number[] = []
    for (let i = 1; i < times.length; i++) {
      const a = times[i - 1] === this.firstAt ? tr.baseline : this.valueAt(tr, times[i - 1]!)
      out.push(Math.max(0, this.valueAt(tr, times[i]!)[1]! - a[1]!))
    }
    return out
  }

  get size(): number {
    return this.tracks.size
  }

  keys(): IterableIterator<string> {
    return this.tracks.keys()
  }

  sample(key: string): StatementSample | undefined {
    return this.tracks.get(key)?.sample
  }

  text(queryid: string): string {
    return this.texts.get(queryid) ?? ''
  }

  /**
   * A history rebuilt from the history store's rows over a range (`range` from HistoryStore.statements),
   * answering for that range as the live one answers for its hour: the window starts at the last
   * snapshot at or before the range's start, a statement whose calls went down counts from zero,
   * and a statement first seen when a recording began (Lookout started) counts from there.
   */
  static fromStored(
    range: {
      snapshots: { t: number; first: boolean }[]
      rows: Map<string, { queryid: string; user: string; database: string; times: number[]; values: Float64Array[] }>
      texts: Map<string, string>
    },
    sparklinePoints = 41
  ): StatementHistory {
    const h = new StatementHistory(Number.MAX_SAFE_INTEGER)
    const snaps = range.snapshots
    if (snaps.length === 0) return h
    h.firstAt = snaps[0]!.t
    const firstOfRecording = new Set(snaps.filter((s) => s.first).map((s) => s.t))
    // Sparkline steps: at most `sparklinePoints` snapshot times, evenly spread, the first and last kept.
    const step = Math.max(1, Math.ceil((snaps.length - 1) / Math.max(1, sparklinePoints - 1)))
    for (let i = 0; i < snaps.length; i += step) h.sampleTimes.push(snaps[i]!.t)
    if (h.sampleTimes[h.sampleTimes.length - 1] !== snaps[snaps.length - 1]!.t) h.sampleTimes.push(snaps[snaps.length - 1]!.t)
    h.addTexts(range.texts)
    for (const [key, r] of range.rows) {
      if (h.texts.get(r.queryid)?.startsWith(LOOKOUT_SQL_MARKER)) continue
      const zero = new Float64Array(WIDTH)
      const t0 = r.times[0]!
      const atStart = t0 <= h.firstAt || firstOfRecording.has(t0)
      const tr: Track = {
        sample: sampleOf(key, r, r.values[r.values.length - 1]!),
        baseline: atStart ? r.values[0]! : zero,
        times: atStart ? [t0] : [t0, t0],
        values: atStart ? [r.values[0]!] : [zero, r.values[0]!]
      }
      if (!atStart) tr.times[0] = h.firstAt
      for (let i = 1; i < r.times.length; i++) {
        const v = r.values[i]!
        if (v[0]! < tr.values[tr.values.length - 1]![0]!) {
          tr.baseline = zero
          tr.times = [r.times[i - 1]!, r.times[i]!]
          tr.values = [zero, v]
          continue
        }
        tr.times.push(r.times[i]!)
        tr.values.push(v)
      }
      h.tracks.set(key, tr)
    }
    return h
  }

  /** Forgets everything: a new connection may be a different server. */
  clear(): void {
    this.tracks.clear()
    this.sampleTimes.length = 0
    this.firstAt = null
  }
}

export interface StatementQuery {
  windowMs: number | null
  sort: StatementSort
  search: string
  user: string | null
  database: string | null
  limit: number
  sparklinePoints: number
}

export function sortValue(s: PgStatement, sort: StatementSort): number {
  if (sort === 'mean') return s.meanMs
  if (sort === 'calls') return s.calls
  if (sort === 'io') return s.sharedRead + s.tempBlocks
  return s.totalMs
}

/** The statements that ran in the window, filtered and sorted, with their sparklines. */
export function windowStatements(
  h: StatementHistory,
  q: StatementQuery
): { windowSeconds: number; total: number; statements: PgStatement[] } {
  const start = h.windowStart(q.windowMs)
  const last = h.lastSampleAt
  if (start === null || last === null) return { windowSeconds: 0, total: 0, statements: [] }
  const windowSeconds = (last - start) / 1000
  const search = q.search.trim().toLowerCase()
  const out: PgStatement[] = []
  for (const key of h.keys()) {
    const s = h.sample(key)!
    if (q.user && s.user !== q.user) continue
    if (q.database && s.database !== q.database) continue
    const f = h.figures(key, start)
    // A window where the statement never ran has nothing to say about it.
    if (!f || f.calls === 0) continue
    const query = h.text(s.queryid)
    if (search && !query.toLowerCase().includes(search) && s.queryid !== search) continue
    out.push({
      key,
      queryid: s.queryid,
      query,
      user: s.user,
      database: s.database,
      calls: f.calls,
      callsPerSec: windowSeconds > 0 ? f.calls / windowSeconds : 0,
      totalMs: f.totalMs,
      meanMs: f.totalMs / f.calls,
      rows: f.rows,
      sharedHit: f.hit,
      sharedRead: f.read,
      tempBlocks: f.temp,
      stddevMs: f.stddevMs,
      maxMs: f.maxMs,
      history: []
    })
  }
  out.sort((a, b) => sortValue(b, q.sort) - sortValue(a, q.sort))
  const page = out.slice(0, q.limit)
  for (const s of page) s.history = h.sparkline(s.key, q.sparklinePoints)
  return { windowSeconds, total: out.length, statements: page }
}

const oneLine = (q: string, n = 100) => {
  const s = q.replace(/\s+/g, ' ').trim()
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}

export function checkSlowQueries(statements: PgStatement[], th: PgThresholds, over: string): PgFinding[] {
  return statements
    .filter((s) => s.calls >= th.slow_query_min_calls && s.meanMs >= th.slow_query_mean_ms)
    .map((s) => ({
      check: 'slow_query',
      category: 'queries' as const,
      object: `queryid ${s.queryid}`,
      severity: 'warning' as const,
      value: Math.round(s.meanMs * 10) / 10,
      threshold: th.slow_query_mean_ms,
      unit: 'ms',
      message: `${oneLine(s.query)}: ${Math.round(s.meanMs)} ms per call over ${s.calls} call(s) ${over} (${user(s)}); EXPLAIN it`,
      fixSql: null,
      sizeBytes: null
    }))
}

export function checkChattyQueries(statements: PgStatement[], th: PgThresholds, over: string): PgFinding[] {
  return statements
    .filter((s) => s.callsPerSec >= th.chatty_calls_per_s && s.meanMs <= th.chatty_mean_ms)
    .map((s) => ({
      check: 'chatty_query',
      category: 'queries' as const,
      object: `queryid ${s.queryid}`,
      severity: 'info' as const,
      value: Math.round(s.callsPerSec),
      threshold: th.chatty_calls_per_s,
      unit: 'calls/s',
      message: `${oneLine(s.query)}: ${Math.round(s.callsPerSec)} calls/s at ${s.meanMs.toFixed(3)} ms each ${over} (${user(s)}): the N+1 signature; batch it (WHERE id = ANY($1)) or cache it`,
      fixSql: null,
      sizeBytes: null
    }))
}

const user = (s: PgStatement) => `${s.user}@${s.database}`
