import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { queryDigest } from '../../src/main/core/postgres/actions'
import { MemorySecretStore } from '../../src/main/core/ports'
import { eventually, eventuallyAsync, startPostgres, type PostgresHandle } from '../harness'
import { createFixture } from '../helpers/pg-fixture'
import { tempDir } from '../helpers/temp'
import { coreCaller, jobCaller } from '../helpers/core-call'

let server: PostgresHandle
let core: Core
const dataDir = tempDir()

const call = coreCaller(() => core)

/** A session running a long statement; resolves its query's outcome. */
async function sleeper(name: string) {
  const c = new pg.Client({ connectionString: server.dsn, application_name: name })
  c.on('error', () => {})
  await c.connect()
  const pid = Number((await c.query('SELECT pg_backend_pid() AS p')).rows[0].p)
  const outcome = c.query('SELECT pg_sleep(60)').then(
    () => 'finished',
    (e: { code?: string; message: string }) => e.code ?? e.message
  )
  const stop = async () => {
    const a = await server.admin()
    await a.query('SELECT pg_terminate_backend($1)', [pid]).catch(() => {})
    await a.end()
    await outcome
    await c.end().catch(() => {})
  }
  return { c, pid, outcome, stop }
}

const alive = async (pid: number) => {
  const a = await server.admin()
  try {
    return (await a.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]?.state ?? null
  } finally {
    await a.end()
  }
}

beforeAll(async () => {
  server = await startPostgres()
  await createFixture(server)
  core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  for (const [name, environment, readOnly] of [
    ['pg-dev', 'dev', false],
    ['pg-prod', 'prod', false],
    ['pg-ro', 'dev', true]
  ] as const)
    await call('profiles.save', { profile: { name, environment, readOnly, postgres: server.dsn, pollIntervalMs: 500 } })
})

afterAll(async () => {
  await core?.close()
  await server?.stop()
})

describe('Postgres through the core API', () => {
  it('a started profile serves details, statements and activity; the health card gets the headline figures', async () => {
    const snap = await call('monitor.start', { profile: 'pg-dev' })
    expect(snap.series.map((s: { seriesId: string }) => s.seriesId)).toEqual([
      'postgres:tps',
      'postgres:connections',
      'postgres:cache_hit',
      'postgres:replication_lag'
    ])
    const details = await eventuallyAsync('the slow tier', async () => {
      const d = await call('postgres.details', { profile: 'pg-dev' })
      return d.findings.some((f: { check: string }) => f.check === 'unused_index') ? d : null
    })
    expect(details.serverVersionNum).toBeGreaterThanOrEqual(150000)
    expect(details.checks.find((c: { check: string }) => c.check === 'statements').error).toBeNull()
    const statements = await eventuallyAsync('statements sampled', async () => {
      const s = await call('postgres.statements', { profile: 'pg-dev', window: 'connect' })
      return s.sampledAt ? s : null
    })
    expect(statements.available).toBe(true)
    const activity = await call('postgres.activity', { profile: 'pg-dev' })
    expect(activity.maxConnections).toBe(100)
    const snap2 = await call('monitor.snapshot', { profile: 'pg-dev' })
    const labels = snap2.targets[0].figures.map((f: { label: string }) => f.label)
    expect(labels).toEqual(['Transactions/s', 'Connections', 'Cache hit (5 min)', 'Replication lag', 'Findings', 'Version'])
    const cache = await call('postgres.relationCache', { profile: 'pg-dev', limit: 5 })
    expect(cache.some((r: { relation: string }) => r.relation === 'public.seqy')).toBe(true)
    await call('monitor.stop', { profile: 'pg-dev' })
  })

  it('running the checks now is a job: the request answers with its id first, and job.done says when they ran', async () => {
    await call('monitor.start', { profile: 'pg-dev' })
    try {
      const order: string[] = []
      const off = core.onEvent((name, p) => {
        if (name === 'job.done' && (p as { jobId: string }).jobId === 'checks-now')
          order.push(`done:${JSON.stringify((p as { error: unknown }).error)}`)
      })
      const before = Date.now()
      const reply = await call('postgres.runChecks', { profile: 'pg-dev', jobId: 'checks-now' })
      order.push('reply')
      expect(reply).toEqual({ jobId: 'checks-now' })
      await eventually('the checks done', () => order.length === 2 || null, 60_000)
      off()
      expect(order).toEqual(['reply', 'done:null'])
      const again = await jobCaller(() => core)('postgres.runChecks', { profile: 'pg-dev' })
      expect(again.ranAt).toBeGreaterThanOrEqual(before)
    } finally {
      await call('monitor.stop', { profile: 'pg-dev' })
    }
  })
})

describe('cancel and terminate a backend', () => {
  it('cancel stops the statement of the right pid and is audited with a digest of its query', async () => {
    const s = await sleeper('victim-cancel')
    const other = await sleeper('bystander')
    try {
      await expect(call('postgres.signalBackend', { profile: 'pg-dev', pid: s.pid, action: 'cancel' })).rejects.toMatchObject({
        code: 'refused'
      })
      expect(await call('postgres.signalBackend', { profile: 'pg-dev', pid: s.pid, action: 'cancel', confirmation: 'confirm' })).toEqual({
        signalled: true
      })
      expect(await s.outcome).toBe('57014')
      expect(await alive(other.pid)).toBe('active')
      const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      const ok = audit.find((e: { action: string; outcome: string }) => e.action === 'cancel backend' && e.outcome === 'ok')
      expect(ok).toMatchObject({ profile: 'pg-dev', target: expect.stringContaining(`pid ${s.pid}`) })
      expect(ok.details.queryDigest).toBe(queryDigest('SELECT pg_sleep(60)'))
      expect(JSON.stringify(audit)).not.toContain('pg_sleep')
    } finally {
      await s.stop()
      await other.stop()
    }
  })

  it('terminate ends the session of the right pid; prod needs its name typed', async () => {
    const s = await sleeper('victim-terminate')
    try {
      await expect(
        call('postgres.signalBackend', { profile: 'pg-prod', pid: s.pid, action: 'terminate', confirmation: 'confirm' })
      ).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('needs its name typed') })
      expect(await alive(s.pid)).toBe('active')
      await call('postgres.signalBackend', { profile: 'pg-prod', pid: s.pid, action: 'terminate', confirmation: 'pg-prod' })
      expect(await s.outcome).toBe('57P01')
      await eventuallyAsync('the session gone', async () => (await alive(s.pid)) === null)
    } finally {
      await s.stop()
    }
  })

  it('is refused by the core on a read-only profile, whatever the confirmation; the session lives on', async () => {
    const s = await sleeper('survivor')
    try {
      await expect(
        call('postgres.signalBackend', { profile: 'pg-ro', pid: s.pid, action: 'terminate', confirmation: 'confirm' })
      ).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('read-only') })
      expect(await alive(s.pid)).toBe('active')
      const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
      expect(audit).toContain('"profile":"pg-ro"')
      expect(audit).toMatch(/"profile":"pg-ro".*"outcome":"refused"/)
    } finally {
      await s.stop()
    }
  })

  it('a pid that is no session, or a server process, is refused with a clear message', async () => {
    await expect(
      call('postgres.signalBackend', { profile: 'pg-dev', pid: 999_999, action: 'cancel', confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('no session with pid 999999')
    })
    const a = await server.admin()
    const bg = Number((await a.query("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'")).rows[0].pid)
    await a.end()
    await expect(
      call('postgres.signalBackend', { profile: 'pg-dev', pid: bg, action: 'terminate', confirmation: 'confirm' })
    ).rejects.toMatchObject({
      code: 'refused',
      message: expect.stringContaining('checkpointer, not a client session')
    })
  })
})
