import type pg from 'pg'
import type { PgFinding, PgSetting } from '../../../shared/postgres'
import { checkDuplicateIndexes, checkInvalidIndexes, checkSeqScanTables, checkUnusedIndexes } from './checks/indexes'
import { checkBloat, checkDeadRows, checkInvalidConstraints, checkSequences, checkWraparound } from './checks/maintenance'
import { checkInactiveSlots } from './checks/replication'
import { readSettings } from './checks/settings'
import { readDatabaseSize } from './checks/health'
import { quoteIdent } from './sql'
import type { PgThresholds } from './thresholds'

/**
 * The slow tier (every 5 minutes): indexes, maintenance, slots, settings and the database size,
 * each check on its own, so one that cannot run leaves the others their findings.
 */
export const SLOW_CHECKS = [
  'unused_indexes',
  'duplicate_indexes',
  'invalid_indexes',
  'seq_scan_tables',
  'dead_rows',
  'wraparound',
  'sequences',
  'invalid_constraints',
  'bloat',
  'database_size',
  'inactive_slots',
  'settings'
] as const

/** How a tier runs one named check and records its findings or its failure (PostgresWatch). */
export interface CheckRunner {
  check<T>(name: string, tier: 'slow', run: () => Promise<T>, findings: (r: T) => PgFinding[]): Promise<T | null>
  note(name: string, tier: 'slow', error: string | null, enable: string | null): void
}

export interface SlowTierContext {
  th: PgThresholds
  user: string
  now: number
  inRecovery: boolean
}

/** What the slow tier reads besides findings: the database size and the settings. */
export interface SlowTierReadings {
  databaseBytes: number | null
  settings: PgSetting[] | null
}

export async function runSlowTier(client: pg.Client, runner: CheckRunner, ctx: SlowTierContext): Promise<SlowTierReadings> {
  const { th, user, now, inRecovery } = ctx
  /** Checks whose result is their findings. */
  const plain: [name: (typeof SLOW_CHECKS)[number], run: () => Promise<PgFinding[]>][] = [
    ['unused_indexes', () => checkUnusedIndexes(client, th)],
    ['duplicate_indexes', () => checkDuplicateIndexes(client)],
    ['invalid_indexes', () => checkInvalidIndexes(client)],
    ['seq_scan_tables', () => checkSeqScanTables(client, th)],
    ['dead_rows', () => checkDeadRows(client, th, now)],
    ['wraparound', () => checkWraparound(client, th)],
    ['invalid_constraints', () => checkInvalidConstraints(client)],
    ['inactive_slots', () => checkInactiveSlots(client, inRecovery)]
  ]
  for (const [name, run] of plain) await runner.check(name, 'slow', run, (f) => f)

  const seq = await runner.check(
    'sequences',
    'slow',
    () => checkSequences(client, th),
    (r) => r.findings
  )
  if (seq?.unreadable.length)
    runner.note(
      'sequences',
      'slow',
      `${seq.unreadable.length} sequence(s) cannot be read by ${user} (${seq.unreadable.slice(0, 3).join(', ')}${seq.unreadable.length > 3 ? ', ...' : ''})`,
      `GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO ${quoteIdent(user)};`
    )
  const bloat = await runner.check(
    'bloat',
    'slow',
    () => checkBloat(client, th),
    (r) => r.findings
  )
  if (bloat?.withoutStats.length)
    runner.note(
      'bloat',
      'slow',
      `bloat not estimated for ${bloat.withoutStats.length} relation(s) without visible column statistics (${bloat.withoutStats.slice(0, 3).join(', ')})`,
      `ANALYZE them; pg_stats shows only columns ${quoteIdent(user)} may read`
    )
  const databaseBytes = await runner.check(
    'database_size',
    'slow',
    () => readDatabaseSize(client),
    () => []
  )
  const settings = await runner.check(
    'settings',
    'slow',
    () => readSettings(client),
    () => []
  )
  return { databaseBytes, settings }
}
