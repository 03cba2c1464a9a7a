import { connect, createServer, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PostgresCollector } from '../../src/main/core/postgres/collector'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import type { TargetState } from '../../src/shared/schemas'
import { eventually, startPostgres, type PostgresHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

/** Several databases of one server in one profile: each a target of its own, with the DSN's credentials. */
let pg: PostgresHandle
let core: Core
const call = coreCaller(() => core)
const states: TargetState[] = []
const points: string[] = []
const latest = (id: string) => [...states].reverse().find((s) => s.targetId === id)

beforeAll(async () => {
  pg = await startPostgres()
  const admin = await pg.admin()
  await admin.query('CREATE DATABASE analytics')
  await admin.end()
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  core.onEvent((name, payload) => {
    if (name === 'target.state') states.push(payload as TargetState)
    if (name === 'series.delta') for (const p of (payload as EventPayload<'series.delta'>).points) if (p.v !== null) points.push(p.seriesId)
  })
})
afterAll(async () => {
  await core?.close()
  await pg?.stop()
})

describe('several databases on one Postgres server', () => {
  it('watches each as a target with its own figures; a database that does not exist is named', async () => {
    await call('profiles.save', {
      profile: { name: 'cluster', environment: 'dev', postgres: pg.dsn, postgresDatabases: ['analytics', 'missing'], pollIntervalMs: 500 }
    })
    const snap = await call('monitor.start', { profile: 'cluster' })
    expect(snap.targets.map((t: TargetState) => [t.targetId, t.endpoint])).toEqual([
      ['postgres', `127.0.0.1:${pg.port}/app`],
      ['postgres-analytics', `127.0.0.1:${pg.port}/analytics`],
      ['postgres-missing', `127.0.0.1:${pg.port}/missing`]
    ])
    await eventually(
      'app and analytics up',
      () => latest('postgres')?.health === 'up' && latest('postgres-analytics')?.health === 'up',
      30_000
    )
    await eventually('analytics has its own points', () => points.includes('postgres-analytics:connections'), 30_000)
    await eventually('the missing database down', () => latest('postgres-missing')?.health === 'down', 30_000)
    expect(latest('postgres-missing')!.lastError).toMatch(/database "missing" does not exist/)
    // The password came from the DSN, for every database.
    expect(JSON.stringify(snap)).not.toContain(pg.password)
  })

  it('a collector closed while its background session is still connecting closes at once, not when a lost connect gives up', async () => {
    // A proxy that passes the first connection (the poll's session) and holds every later one
    // open without a byte (the background session's connect then waits).
    let first = true
    const held: Socket[] = []
    const proxy = createServer((client) => {
      if (!first) {
        held.push(client)
        return
      }
      first = false
      const upstream = connect(pg.port, '127.0.0.1')
      client.pipe(upstream).pipe(client)
      client.on('error', () => upstream.destroy())
      upstream.on('error', () => client.destroy())
    })
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()))
    const u = new URL(pg.dsn)
    u.port = String((proxy.address() as { port: number }).port)
    const c = new PostgresCollector({ id: 'postgres', dsn: u.toString(), password: pg.password, connectTimeoutMs: 60_000 })
    try {
      await c.collect(AbortSignal.timeout(10_000))
      await eventually('the background session waiting on the proxy', () => held.length > 0)
      // Before the fix this waited for the connect timeout (a minute here), or for ever.
      await c.close()
    } finally {
      for (const h of held) h.destroy()
      proxy.close()
    }
  }, 20_000)
})
