import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresCollector } from '../../src/main/core/postgres/collector'
import { startPostgres, type PostgresHandle } from '../harness'

let server: PostgresHandle
let collector: PostgresCollector

// Autovacuum off: its workers' transactions would count as somebody else's on an idle database.
beforeAll(async () => {
  server = await startPostgres({ extraSettings: { autovacuum: 'off' } })
  collector = new PostgresCollector({ id: 'pg', dsn: server.dsn, password: null, connectTimeoutMs: 5000 })
})

afterAll(async () => {
  await collector?.close()
  await server?.stop()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Polls every `everyMs`, as the scheduler would; returns each poll's transactions per second. */
async function poll(times: number, everyMs: number): Promise<(number | null)[]> {
  const tps: (number | null)[] = []
  for (let i = 0; i < times; i++) {
    const r = await collector.collect(new AbortController().signal)
    tps.push(r.figures.find((f) => f.label === 'Transactions/s')!.value)
    await sleep(everyMs)
  }
  return tps
}

describe("Lookout's own transactions are not the database's", () => {
  it('an idle database reads 0 tx/s while Lookout polls it, its background tiers included', async () => {
    // Every 300 ms: faster than a backend reports its counts (once a second), so Lookout's latest
    // statements regularly reach the server's counter one read late.
    const tps = await poll(16, 300)
    await collector.settled()
    expect(tps[0]).toBeNull() // no interval yet
    expect(tps.slice(1)).toEqual(new Array(15).fill(0))
    expect(collector.watch.details().checks.find((c) => c.check === 'statements')?.ranAt).not.toBeNull()
  })

  it("somebody else's commits and rollbacks count exactly, around Lookout's polls", async () => {
    const app = new pg.Client({ connectionString: server.dsn })
    await app.connect()
    await poll(2, 1100) // the app's session start is reported and counted before the window
    const before = collector.watch.latest!
    const work = (async () => {
      for (let i = 0; i < 40; i++) await app.query('SELECT 1')
      for (let i = 0; i < 3; i++) await app.query('SELECT 1/0').catch(() => {})
      // An idle session reports its counts up to 10 s later; the test does not wait that long.
      await app.query('SELECT pg_stat_force_next_flush()')
    })()
    await Promise.all([work, poll(6, 100)])
    await sleep(200)
    await poll(2, 300)
    const after = collector.watch.latest!
    await app.end()
    expect(after.commits - before.commits).toBe(40 + 1) // and the flush request's own
    expect(after.rollbacks - before.rollbacks).toBe(3)
  })
})
