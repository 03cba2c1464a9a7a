import type { PgFinding, StatementsAnswer, StatementSort } from '../../../shared/postgres'
import { checkChattyQueries, checkSlowQueries, StatementHistory, windowStatements, type StatementSample } from './checks/statements'
import type { HistoryStore } from '../history/port'
import { quoteIdent } from './sql'
import type { PgThresholds } from './thresholds'

/** Statements the slow and chatty checks look at, the heaviest first. */
const STATEMENT_CHECK_LIMIT = 500

/** Points of a statement's sparkline in the Slow queries view. */
export const SPARKLINE_POINTS = 40

/** Slow and chatty statements over a window (null: since the history began). */
export function statementFindings(history: StatementHistory, th: PgThresholds, windowMs: number | null, over: string): PgFinding[] {
  const { statements } = windowStatements(history, {
    windowMs,
    sort: 'total',
    search: '',
    user: null,
    database: null,
    limit: STATEMENT_CHECK_LIMIT,
    sparklinePoints: 0
  })
  return [...checkSlowQueries(statements, th, over), ...checkChattyQueries(statements, th, over)]
}

/** What to tell when other users' statement texts are hidden from the monitoring role, or null. */
export function hiddenTextNote(
  history: StatementHistory,
  samples: StatementSample[],
  user: string
): { error: string; enable: string } | null {
  const hidden = samples.filter((s) => history.text(s.queryid) === '<insufficient privilege>').length
  if (hidden === 0) return null
  return {
    error: `the text of ${hidden} statement(s) of other users is hidden from ${user}`,
    enable: `GRANT pg_read_all_stats TO ${quoteIdent(user)};`
  }
}

/** A named window's length (null: since connect). */
export function windowOf(w: StatementsQuery['window']): number | null {
  return w === '5m' ? 5 * 60_000 : w === '1h' ? 3_600_000 : null
}

export interface StatementsQuery {
  window: '5m' | '1h' | 'connect'
  sort: StatementSort
  search: string
  user: string | null
  database: string | null
  limit: number
}

/** The Slow queries view's answer: deltas over the window, filtered and sorted, and who and where ran them. */
export function statementsAnswer(
  history: StatementHistory,
  q: StatementsQuery,
  unavailable: string | null,
  sampleIntervalMs: number,
  source: StatementsAnswer['source'] = 'memory'
): Pick<StatementsAnswer, keyof StatementsAnswer> {
  const windowMs = source === 'history' ? null : windowOf(q.window)
  const r = windowStatements(history, { ...q, windowMs, sparklinePoints: SPARKLINE_POINTS })
  const users = new Set<string>()
  const databases = new Set<string>()
  for (const k of history.keys()) {
    const s = history.sample(k)!
    users.add(s.user)
    databases.add(s.database)
  }
  return {
    available: unavailable === null && history.lastSampleAt !== null,
    unavailable,
    windowSeconds: r.windowSeconds,
    sampledAt: history.lastSampleAt,
    sampleIntervalMs,
    total: r.total,
    statements: r.statements,
    users: [...users].sort(),
    databases: [...databases].sort(),
    source
  }
}

/** The Slow queries answer over an absolute range, from the history store's snapshots. */
export function statementsFromHistory(
  store: HistoryStore,
  profile: string,
  targetId: string,
  range: { from: number; to: number },
  q: StatementsQuery,
  sampleIntervalMs: number
): Pick<StatementsAnswer, keyof StatementsAnswer> {
  const h = StatementHistory.fromStored(store.statements(profile, targetId, range.from, range.to), SPARKLINE_POINTS + 1)
  return statementsAnswer(h, q, null, sampleIntervalMs, 'history')
}
