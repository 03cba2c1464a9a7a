import type { HistoryInfo, HistoryRetention, TimelineEvent, TimelineQuery } from '../../../shared/history'
import type { Downsampled } from './tiers'

/** A statement's cumulative figures at one medium-tier poll, keyed as `StatementHistory` keys it. */
export interface StoredStatement {
  key: string
  queryid: string
  user: string
  database: string
  values: Float64Array
}

/** What the store holds of a target's statements over a range: enough to rebuild a `StatementHistory`. */
export interface StatementRange {
  /** Snapshot times: the last at or before the range's start, then those inside it. `first` marks the first of a recording. */
  snapshots: { t: number; first: boolean }[]
  /** Per statement, its rows from the last at or before the start to the range's end, oldest first. */
  rows: Map<string, { queryid: string; user: string; database: string; times: number[]; values: Float64Array[] }>
  texts: Map<string, string>
}

export type NewTimelineEvent = Omit<TimelineEvent, 'id'>

/**
 * The history port: what the core asks of its embedded store. One adapter (SQLite, sqlite-store.ts)
 * implements it; the app, `serve`, the CLI and the tests all use that same code.
 *
 * Writes are buffered and committed together by `flush()`, which the recorder calls once per
 * turn of the event loop: one transaction per poll tick, whatever number of series it carries.
 */
export interface HistoryStore {
  readonly path: string
  /** One poll of a target: every series' value at `t` (NaN: missing). */
  appendTick(profile: string, targetId: string, t: number, names: readonly string[], values: Float64Array): void
  appendEvent(e: NewTimelineEvent): void
  /** A medium-tier sample of pg_stat_statements; only statements whose figures changed are written. */
  appendStatements(profile: string, targetId: string, t: number, rows: StoredStatement[], texts: ReadonlyMap<string, string>): void
  flush(): void
  readSeries(
    profile: string,
    targetId: string,
    seriesId: string,
    from: number,
    to: number,
    points: number
  ): { tier: 'raw' | 'minute' | 'quarter'; data: Downsampled }
  /** A target's raw points since `from`, for the live charts' rings after a restart. */
  recentRaw(profile: string, targetId: string, from: number): { seriesId: string; t: Float64Array; v: Float64Array }[]
  /** The ids of every series the store holds for a target (its collector's, and those watched in the explorer). */
  seriesNames(profile: string, targetId: string): string[]
  statements(profile: string, targetId: string, from: number, to: number): StatementRange
  /** The oldest statement snapshot held for a target, or null. */
  statementsSince(profile: string, targetId: string): number | null
  timeline(q: TimelineQuery): TimelineEvent[]
  info(): HistoryInfo
  retention(): HistoryRetention
  setRetention(r: HistoryRetention): void
  /** Drops what is older than the retention (and compacts what is due); run by the recorder. */
  maintain(now: number): void
  /** Deletes history: everything before `before`, of one profile or all, then gives the space back. */
  prune(opts: { before: number | null; profile: string | null }): { deleted: number; bytesBefore: number; bytesAfter: number }
  close(): void
}
