import type pg from 'pg'
import { errorMessage } from '../collector'
import { MONITOR_LOCK_TIMEOUT_MS } from './connection'

/** The marker every monitoring statement starts with, so Lookout can leave its own queries out. */
export const LOOKOUT_SQL_MARKER = '/* lookout */'

export type Row = Record<string, unknown>

export async function queryRows(client: pg.Client, sql: string, params: unknown[] = []): Promise<Row[]> {
  const res = await client.query(sql, params)
  return res.rows as Row[]
}

export const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v))
export const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v))
export const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v))
export const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v))
export const timeOrNull = (v: unknown): number | null => (v instanceof Date ? v.getTime() : v ? Date.parse(String(v)) : null)

/** An identifier as SQL would need it quoted, for the fix statements Lookout shows. */
export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`
}
export const qualified = (schema: string, name: string): string =>
  schema === 'public' ? quoteIdent(name) : `${quoteIdent(schema)}.${quoteIdent(name)}`
export const quoteLiteral = (s: string): string => `'${s.replace(/'/g, "''")}'`

/** Why a check could not run, in words, and what would let it run. */
export function checkFailure(err: unknown, user: string): { error: string; enable: string | null } {
  const code = (err as { code?: string })?.code
  if (code === '55P03')
    return {
      error: `lock not available within lock_timeout (${MONITOR_LOCK_TIMEOUT_MS} ms): another session holds a strong lock on a relation this check reads (a migration or VACUUM FULL?); it retries on the next run`,
      enable: null
    }
  if (code === '57014') return { error: 'cancelled by statement_timeout: the catalog is too large or the server too busy', enable: null }
  if (code === '42501') return { error: `permission denied: ${errorMessage(err)}`, enable: `GRANT pg_monitor TO ${quoteIdent(user)};` }
  return { error: errorMessage(err), enable: null }
}
