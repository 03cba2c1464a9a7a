import { createHash } from 'node:crypto'
import type pg from 'pg'
import { ApiError, type RequestContext } from '../../../shared/api'
import { errorMessage } from '../collector'
import { LOOKOUT_APPLICATION_NAME } from './connection'
import { queryRows, str, strOrNull } from './sql'

export type BackendSignal = 'cancel' | 'terminate'

/** The session as it is right now, read fresh: the pid may have been reused since the view was drawn. */
export const SESSION_SQL = `/* lookout */ SELECT pid, usename, datname, application_name, backend_type, state, query
FROM pg_stat_activity WHERE pid = $1`

export const SIGNAL_SQL: Record<BackendSignal, string> = {
  cancel: '/* lookout */ SELECT pg_cancel_backend($1) AS ok',
  terminate: '/* lookout */ SELECT pg_terminate_backend($1) AS ok'
}

/** What the audit log keeps of a query: a digest that identifies it, never its text (it may hold data). */
export function queryDigest(query: string): string {
  return createHash('sha256').update(query).digest('hex').slice(0, 16)
}

export interface SignalRequest {
  endpoint: string
  pid: number
  action: BackendSignal
}

/**
 * Cancels the statement of a backend or terminates it. The dispatcher has applied the profile's
 * guardrails (from the request's declaration) and audits the outcome; this adds what the audit
 * keeps: the pid, role, database and a digest of the query, never its text.
 */
export async function signalBackend(
  open: () => Promise<pg.Client>,
  req: SignalRequest,
  ctx: Pick<RequestContext, 'audit' | 'setTarget'>
): Promise<{ signalled: boolean }> {
  ctx.setTarget(`${req.endpoint} pid ${req.pid}`)
  ctx.audit({ pid: req.pid })
  let client: pg.Client | null = null
  try {
    client = await open()
    const [s] = await queryRows(client, SESSION_SQL, [req.pid])
    if (!s) throw new ApiError('not_found', `no session with pid ${req.pid} on ${req.endpoint}: it has ended`)
    ctx.audit({
      user: strOrNull(s.usename),
      database: strOrNull(s.datname),
      application: str(s.application_name),
      state: strOrNull(s.state),
      queryDigest: queryDigest(str(s.query))
    })
    if (s.backend_type !== 'client backend')
      throw new ApiError(
        'refused',
        `pid ${req.pid} is a ${str(s.backend_type)}, not a client session: Lookout only signals client sessions`
      )
    if (s.application_name === LOOKOUT_APPLICATION_NAME)
      throw new ApiError('refused', `pid ${req.pid} is one of Lookout's own monitoring sessions`)
    const [r] = await queryRows(client, SIGNAL_SQL[req.action], [req.pid])
    if (r?.ok !== true)
      throw new ApiError(
        'refused',
        `the server did not ${req.action} pid ${req.pid}: it ended meanwhile, or the connecting user is neither a member of its role nor of pg_signal_backend`
      )
    return { signalled: true }
  } catch (err) {
    if (err instanceof ApiError) throw err
    throw new ApiError('unavailable', errorMessage(err))
  } finally {
    client?.end().catch(() => {})
  }
}
