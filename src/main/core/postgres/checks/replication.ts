import type pg from 'pg'
import type { PgFinding } from '../../../../shared/postgres'
import type { PgThresholds } from '../thresholds'
import { num, numOrNull, queryRows, quoteLiteral, str, strOrNull } from '../sql'

/** On a primary: each standby's lag as it reports it, and the WAL it has yet to replay. */
export const STANDBYS_SQL = `/* lookout */ SELECT application_name, client_addr::text AS client, state,
  extract(epoch FROM write_lag)::float8 AS write_lag_s, extract(epoch FROM flush_lag)::float8 AS flush_lag_s,
  extract(epoch FROM replay_lag)::float8 AS replay_lag_s,
  pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8 AS replay_bytes
FROM pg_stat_replication`

/** On a standby: how far behind the primary replay is (zero when it has replayed all it received). */
export const REPLAY_DELAY_SQL = `/* lookout */ SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
  ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8 AS delay_s`

export interface Standby {
  name: string
  client: string | null
  state: string
  writeLagS: number | null
  flushLagS: number | null
  replayLagS: number | null
  replayBytes: number | null
}

export interface ReplicationState {
  role: 'primary' | 'standby'
  standbys: Standby[]
  /** On a standby, its replay delay; on a primary, the worst standby's replay lag; null when none. */
  lagS: number | null
}

export async function readReplication(client: pg.Client, inRecovery: boolean): Promise<ReplicationState> {
  if (inRecovery) {
    const [r] = await queryRows(client, REPLAY_DELAY_SQL)
    return { role: 'standby', standbys: [], lagS: numOrNull(r?.delay_s) }
  }
  const rows = await queryRows(client, STANDBYS_SQL)
  const standbys = rows.map((r) => ({
    name: str(r.application_name),
    client: strOrNull(r.client),
    state: str(r.state),
    writeLagS: numOrNull(r.write_lag_s),
    flushLagS: numOrNull(r.flush_lag_s),
    replayLagS: numOrNull(r.replay_lag_s),
    replayBytes: numOrNull(r.replay_bytes)
  }))
  const lags = standbys.map((s) => s.replayLagS ?? 0)
  return { role: 'primary', standbys, lagS: lags.length ? Math.max(...lags) : null }
}

export function checkReplicationLag(r: ReplicationState, th: PgThresholds): PgFinding[] {
  if (r.role === 'standby') {
    if (r.lagS === null || r.lagS < th.replication_lag_s) return []
    return [
      {
        check: 'replay_delay',
        category: 'replication',
        object: 'this standby',
        severity: 'warning',
        value: Math.round(r.lagS),
        threshold: th.replication_lag_s,
        unit: 's',
        message: `this standby replays ${Math.round(r.lagS)} s behind the primary: reads here are stale (long queries on it, or a slow disk?)`,
        fixSql: null,
        sizeBytes: null
      }
    ]
  }
  return r.standbys
    .filter((s) => (s.replayLagS ?? 0) >= th.replication_lag_s)
    .map((s) => ({
      check: 'replication_lag',
      category: 'replication',
      object: s.name || s.client || 'standby',
      severity: 'warning',
      value: Math.round(s.replayLagS!),
      threshold: th.replication_lag_s,
      unit: 's',
      message: `standby ${s.name || s.client} (${s.state}) lags: write ${s.writeLagS ?? '?'} s, flush ${s.flushLagS ?? '?'} s, replay ${s.replayLagS} s, ${Math.round((s.replayBytes ?? 0) / 1048576)} MiB of WAL to replay`,
      fixSql: null,
      sizeBytes: s.replayBytes
    }))
}

/** Slots nobody consumes: the primary keeps every WAL segment they still need, until the disk fills. */
export const INACTIVE_SLOTS_SQL = `/* lookout */ SELECT slot_name, slot_type, database,
  pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::float8 AS retained_bytes
FROM pg_replication_slots WHERE NOT active`

export async function checkInactiveSlots(client: pg.Client, inRecovery: boolean): Promise<PgFinding[]> {
  // pg_current_wal_lsn() cannot run during recovery; slots on a standby are a rarer, later concern.
  if (inRecovery) return []
  const rows = await queryRows(client, INACTIVE_SLOTS_SQL)
  return rows.map((r) => ({
    check: 'inactive_replication_slot',
    category: 'replication',
    object: str(r.slot_name),
    severity: 'warning',
    value: numOrNull(r.retained_bytes),
    threshold: 0,
    unit: 'B',
    message: `replication slot ${str(r.slot_name)} (${str(r.slot_type)}) is inactive and holds ${Math.round(num(r.retained_bytes ?? 0) / 1048576)} MiB of WAL: it grows until the disk fills. Drop it if its consumer is gone`,
    fixSql: `SELECT pg_drop_replication_slot(${quoteLiteral(str(r.slot_name))});`,
    sizeBytes: numOrNull(r.retained_bytes)
  }))
}
