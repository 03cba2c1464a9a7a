import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createMonitorClient } from '../../src/main/core/postgres/connection'
import { pgThresholds } from '../../src/main/core/postgres/thresholds'
import { PostgresWatch } from '../../src/main/core/postgres/watch'
import { eventuallyAsync, startPostgres, startStandby, type PostgresHandle, type StandbyHandle } from '../harness'

let primary: PostgresHandle
let standby: StandbyHandle

const connect = async (dsn: string) => {
  const c = createMonitorClient({ dsn, password: null, connectTimeoutMs: 5000 })
  await c.connect()
  return c
}

beforeAll(async () => {
  primary = await startPostgres()
  standby = await startStandby(primary)
})

afterAll(async () => {
  await standby?.stop()
  await primary?.stop()
})

describe('replication on a real primary and standby', () => {
  it('the primary lists its streaming standby; with replay paused the lag crosses the threshold on both sides', async () => {
    const th = pgThresholds({ replication_lag_s: 1 })
    const onPrimary = new PostgresWatch(th, 'postgres')
    const onStandby = new PostgresWatch(th, 'postgres')
    const p = await connect(primary.dsn)
    const s = await connect(standby.dsn)
    const sAdmin = await standby.admin()
    const pAdmin = await primary.admin(primary.database)
    try {
      await eventuallyAsync('the standby streaming', async () => {
        await onPrimary.fast(p)
        return (
          onPrimary.findings().length === 0 && (await p.query("SELECT 1 FROM pg_stat_replication WHERE state = 'streaming'")).rowCount === 1
        )
      })
      const r = await onStandby.fast(s)
      expect(r.counters.inRecovery).toBe(true)
      expect(onStandby.findings().filter((f) => f.category === 'replication')).toEqual([])

      // A transaction replayed before the pause: the delay is measured from the last one replayed.
      await pAdmin.query('CREATE TABLE ticks (t timestamptz)')
      await eventuallyAsync('the table on the standby', async () => {
        const c = await standby.admin(primary.database)
        try {
          return (await c.query("SELECT to_regclass('ticks') IS NOT NULL AS ok")).rows[0].ok === true
        } finally {
          await c.end()
        }
      })
      await sAdmin.query('SELECT pg_wal_replay_pause()')
      // Transactions keep arriving; the paused standby receives them and replays none.
      const writer = setInterval(() => void pAdmin.query('INSERT INTO ticks VALUES (now())').catch(() => {}), 100)
      try {
        const delay = await eventuallyAsync('replay delay on the standby', async () => {
          await onStandby.fast(s)
          return onStandby.findings().find((f) => f.check === 'replay_delay')
        })
        expect(delay.value).toBeGreaterThanOrEqual(1)
        expect(r.replicationLagS).toBe(0)
        const lag = await eventuallyAsync('replication lag on the primary', async () => {
          await onPrimary.fast(p)
          return onPrimary.findings().find((f) => f.check === 'replication_lag')
        })
        expect(lag.message).toMatch(/WAL to replay/)
        expect(lag.sizeBytes).toBeGreaterThan(0)
      } finally {
        clearInterval(writer)
        await sAdmin.query('SELECT pg_wal_replay_resume()')
      }
      await eventuallyAsync('the standby caught up', async () => {
        await onStandby.fast(s)
        return !onStandby.findings().some((f) => f.check === 'replay_delay')
      })
      // A standby has no slots of its own to report and never calls pg_current_wal_lsn().
      await onStandby.slow(s)
      expect(onStandby.checkStatuses().filter((x) => x.error)).toEqual([])
    } finally {
      await Promise.allSettled([p.end(), s.end(), sAdmin.end(), pAdmin.end()])
    }
  })
})
