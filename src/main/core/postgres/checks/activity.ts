import type pg from 'pg'
import type { PgFinding, PgSession } from '../../../../shared/postgres'
import { LOOKOUT_APPLICATION_NAME } from '../connection'
import type { PgThresholds } from '../thresholds'
import { num, numOrNull, queryRows, str, strOrNull } from '../sql'
import { redactStatement } from '../redact'

/** Query text shown per session: enough to recognise it, bounded so a huge statement is not shipped every poll. */
export const SESSION_QUERY_CHARS = 2000

/**
 * Client sessions other than Lookout's own. pg_blocking_pids is only asked for sessions waiting
 * on a lock: it takes the lock manager's partition locks, so it is not free.
 */
export const ACTIVITY_SQL = `/* lookout */ SELECT pid, usename, datname, application_name, client_addr::text AS client,
  state, wait_event_type, wait_event,
  (extract(epoch FROM now() - xact_start) * 1000)::float8 AS xact_age_ms,
  (extract(epoch FROM now() - query_start) * 1000)::float8 AS query_age_ms,
  (extract(epoch FROM now() - state_change) * 1000)::float8 AS state_age_ms,
  left(query, ${SESSION_QUERY_CHARS}) AS query,
  CASE WHEN wait_event_type = 'Lock' THEN pg_blocking_pids(pid) ELSE '{}'::int[] END AS blocked_by
FROM pg_stat_activity
WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> $1
ORDER BY xact_start NULLS LAST`

export async function readActivity(client: pg.Client): Promise<PgSession[]> {
  const rows = await queryRows(client, ACTIVITY_SQL, [LOOKOUT_APPLICATION_NAME])
  return rows.map((r) => ({
    pid: num(r.pid),
    user: strOrNull(r.usename),
    database: strOrNull(r.datname),
    application: str(r.application_name),
    client: strOrNull(r.client),
    state: strOrNull(r.state),
    waitEventType: strOrNull(r.wait_event_type),
    waitEvent: strOrNull(r.wait_event),
    xactAgeMs: numOrNull(r.xact_age_ms),
    queryAgeMs: numOrNull(r.query_age_ms),
    stateAgeMs: numOrNull(r.state_age_ms),
    query: redactStatement(str(r.query)),
    blockedBy: Array.isArray(r.blocked_by) ? r.blocked_by.map(Number) : []
  }))
}

export function sessionsByState(sessions: PgSession[]): Record<string, number> {
  const out: Record<string, number> = {}
  for (const s of sessions) {
    const k = s.state ?? 'unknown'
    out[k] = (out[k] ?? 0) + 1
  }
  return out
}

const oneLine = (q: string, n = 120) => {
  const s = q.replace(/\s+/g, ' ').trim()
  return s.length > n ? s.slice(0, n - 1) + '…' : s
}
const seconds = (ms: number) => Math.round(ms / 100) / 10

export function checkIdleInTransaction(sessions: PgSession[], th: PgThresholds): PgFinding[] {
  return sessions
    .filter((s) => s.state?.startsWith('idle in transaction') && (s.stateAgeMs ?? 0) >= th.idle_in_transaction_s * 1000)
    .map((s) => ({
      check: 'idle_in_transaction',
      category: 'activity' as const,
      object: `pid ${s.pid}`,
      severity: 'warning' as const,
      value: seconds(s.stateAgeMs!),
      threshold: th.idle_in_transaction_s,
      unit: 's',
      message: `pid ${s.pid} (${s.user ?? '?'}, ${s.application || 'no application_name'}) idle in transaction for ${seconds(s.stateAgeMs!)} s: it holds its locks and its snapshot keeps vacuum from cleaning; last statement: ${oneLine(s.query)}`,
      fixSql: `SELECT pg_terminate_backend(${s.pid});  -- or set idle_in_transaction_session_timeout`,
      sizeBytes: null
    }))
}

export function checkLongRunningQueries(sessions: PgSession[], th: PgThresholds): PgFinding[] {
  return (
    sessions
      // A session waiting on a lock is reported as blocked, with its blocker, not here.
      .filter((s) => s.state === 'active' && s.blockedBy.length === 0 && (s.queryAgeMs ?? 0) >= th.long_running_query_s * 1000)
      .map((s) => ({
        check: 'long_running_query',
        category: 'activity' as const,
        object: `pid ${s.pid}`,
        severity: 'warning' as const,
        value: seconds(s.queryAgeMs!),
        threshold: th.long_running_query_s,
        unit: 's',
        message: `pid ${s.pid} (${s.user ?? '?'}) has run one statement for ${seconds(s.queryAgeMs!)} s: ${oneLine(s.query)}`,
        fixSql: `SELECT pg_cancel_backend(${s.pid});`,
        sizeBytes: null
      }))
  )
}

/** Sessions waiting on a lock held by another, with the session at the root of their chain. */
export function checkBlockedSessions(sessions: PgSession[], th: PgThresholds): PgFinding[] {
  const byPid = new Map(sessions.map((s) => [s.pid, s]))
  return sessions
    .filter((s) => s.blockedBy.length > 0 && (s.stateAgeMs ?? 0) >= th.blocked_s * 1000)
    .map((s) => {
      const roots = blockingRoots(s.pid, sessions)
      const root = roots.map((p) => byPid.get(p)).find(Boolean)
      return {
        check: 'blocked_session',
        category: 'activity' as const,
        object: `pid ${s.pid}`,
        severity: 'warning' as const,
        value: seconds(s.stateAgeMs ?? 0),
        threshold: th.blocked_s,
        unit: 's',
        message: `pid ${s.pid} waits ${seconds(s.stateAgeMs ?? 0)} s on a lock held by pid ${s.blockedBy.join(', ')}${
          root ? ` (at the root: pid ${root.pid}, ${root.state ?? '?'}: ${oneLine(root.query, 80)})` : ''
        }: ${oneLine(s.query, 80)}`,
        fixSql: roots.length ? roots.map((p) => `SELECT pg_cancel_backend(${p});`).join('\n') : null,
        sizeBytes: null
      }
    })
}

/** The sessions at the top of a blocking chain: blocking others, blocked by nobody. Cycles end the walk. */
export function blockingRoots(pid: number, sessions: PgSession[]): number[] {
  const blockers = new Map(sessions.map((s) => [s.pid, s.blockedBy]))
  const roots = new Set<number>()
  const seen = new Set<number>([pid])
  const stack = [...(blockers.get(pid) ?? [])]
  while (stack.length) {
    const p = stack.pop()!
    if (seen.has(p)) continue
    seen.add(p)
    const up = blockers.get(p) ?? []
    if (up.length === 0) roots.add(p)
    else stack.push(...up)
  }
  return [...roots]
}

/**
 * The blocking tree, flattened depth-first for display: roots are sessions that block others and
 * wait on nobody; each blocked session follows its blocker one level deeper. Iterative, cycle-safe.
 */
export function blockingTree(sessions: PgSession[]): { pid: number; depth: number }[] {
  const children = new Map<number, number[]>()
  const blocked = new Set<number>()
  for (const s of sessions)
    for (const b of s.blockedBy) {
      blocked.add(s.pid)
      children.set(b, [...(children.get(b) ?? []), s.pid])
    }
  const out: { pid: number; depth: number }[] = []
  const seen = new Set<number>()
  for (const root of [...children.keys()].filter((p) => !blocked.has(p)).sort((a, b) => a - b)) {
    const stack = [{ pid: root, depth: 0 }]
    while (stack.length) {
      const n = stack.pop()!
      if (seen.has(n.pid)) continue
      seen.add(n.pid)
      out.push(n)
      const kids = children.get(n.pid) ?? []
      for (let i = kids.length - 1; i >= 0; i--) stack.push({ pid: kids[i]!, depth: n.depth + 1 })
    }
  }
  return out
}
