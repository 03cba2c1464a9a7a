import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresHandle } from '../../src/main/harness/postgres'
import { eventuallyAsync } from '../harness'
import { startRedis, type RedisHandle } from '../../src/main/harness/redis'
import { freePort } from '../../src/main/harness/net'
import { createFixture, scanSequentially } from '../helpers/pg-fixture'
import { tempDir } from '../helpers/temp'
import { ROOT } from './browser'

let pgServer: PostgresHandle
let redis: RedisHandle
const dataDir = tempDir()
const BIN = join(ROOT, 'bin/lookout.js')

function lookout(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...process.env, ...env }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  pgServer = await startPostgres()
  await createFixture(pgServer)
  await scanSequentially(pgServer, 12)
  redis = await startRedis()
})

afterAll(async () => {
  await pgServer?.stop()
  await redis?.stop()
})

describe('lookout check', () => {
  it('prints every Postgres finding as JSON with check, object, figure, threshold and severity; exits 1 at --fail-on', () => {
    const r = lookout(['check', '--postgres', pgServer.dsn, '--json', '--fail-on', 'warning'])
    expect(r.code).toBe(1)
    const out = JSON.parse(r.stdout)
    const by = (check: string) => out.findings.filter((f: { check: string }) => f.check === check).map((f: { object: string }) => f.object)
    expect(by('unused_index')).toEqual(['unused_t_val_idx'])
    expect(by('duplicate_index')).toEqual(['dup_t_a_idx'])
    expect(by('invalid_index')).toEqual(['inv_t_v_idx'])
    expect(by('seq_scan_table')).toEqual(['seqy'])
    expect(by('sequence_exhaustion').sort()).toEqual(['nearly_done', 'wide_seq'])
    const seq = out.findings.find((f: { object: string }) => f.object === 'nearly_done')
    expect(seq).toMatchObject({
      severity: 'critical',
      value: 99,
      threshold: 80,
      unit: '%',
      target: expect.stringMatching(/^postgres 127\.0\.0\.1:\d+\/app$/)
    })
    // The password never appears in what the command prints.
    expect(r.stdout + r.stderr).not.toContain(pgServer.password)
  })

  it('a readable table by default; --fail-on never exits 0; the password may come from PGPASSWORD', () => {
    const r = lookout(['check', '--postgres', pgServer.dsnNoPassword, '--fail-on', 'never'], { PGPASSWORD: pgServer.password })
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^SEVERITY\s+TARGET\s+CHECK\s+OBJECT\s+VALUE\s+THRESHOLD/)
    expect(r.stdout).toContain('fix: DROP INDEX CONCURRENTLY unused_t_val_idx;')
    // The critical sequence is listed first.
    expect(r.stdout.split('\n')[1]).toMatch(/^CRITICAL/)
  })

  it('adds the Redis findings: a cache near maxmemory is critical', async () => {
    const admin = new Redis(redis.url)
    try {
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))![1])
      await admin.config('SET', 'maxmemory', String(Math.round(used * 1.01)))
      const r = lookout(['check', '--redis', redis.url, '--json'])
      expect(r.code).toBe(1)
      const memory = JSON.parse(r.stdout).findings.find((f: { check: string }) => f.check === 'memory')
      expect(memory).toMatchObject({ severity: 'critical', target: `redis://127.0.0.1:${redis.port}/0` })
    } finally {
      await admin.config('SET', 'maxmemory', '0')
      admin.disconnect()
    }
  })

  it('an unreachable target exits 2 with the reason', async () => {
    const port = await freePort()
    const r = lookout(['check', '--postgres', `postgresql://postgres:secret@127.0.0.1:${port}/app`])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`connection refused (is PostgreSQL running and listening on 127.0.0.1:${port}?)`)
    expect(r.stderr).not.toContain('secret')
    expect(lookout(['check']).code).toBe(2)
  })
})

describe('lookout explain', () => {
  it('EXPLAIN ANALYZE on a target: the advice with its index proposal; --json gives the analysed model', () => {
    const r = lookout(['explain', '--postgres', pgServer.dsn, '--query', 'SELECT * FROM seqy WHERE code = 7', '--analyze'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^1\. \[warning\] Sequential scan on seqy discards/)
    expect(r.stdout).toContain('CREATE INDEX CONCURRENTLY ON seqy (code);')
    expect(r.stdout).toMatch(/rolled back/)
    const j = lookout(['explain', '--postgres', pgServer.dsn, '--query', 'SELECT * FROM seqy WHERE code = 7', '--analyze', '--json'])
    const out = JSON.parse(j.stdout)
    expect(out.plan.nodes[0]).toMatchObject({ type: expect.any(String), rowsActual: expect.any(Number), loops: expect.any(Number) })
    expect(out.advice[0].rule).toBe('seq_scan_filter')
  })

  it('a statement that writes needs --yes, and is rolled back', async () => {
    const refused = lookout(['explain', '--postgres', pgServer.dsn, '--query', 'DELETE FROM seqy', '--analyze'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('this statement writes')
    const done = lookout(['explain', '--postgres', pgServer.dsn, '--query', 'DELETE FROM seqy', '--analyze', '--yes'])
    expect(done.code).toBe(0)
    const a = await pgServer.admin(pgServer.database)
    try {
      expect(Number((await a.query('SELECT count(*) AS n FROM seqy')).rows[0].n)).toBe(50000)
    } finally {
      await a.end()
    }
  })

  it('refuses, like the app, a statement that would act outside its transaction: another backend survives', async () => {
    const victim = await pgServer.admin(pgServer.database)
    try {
      const pid = Number((await victim.query('SELECT pg_backend_pid() AS p')).rows[0].p)
      const r = lookout(['explain', '--postgres', pgServer.dsn, '--query', `SELECT pg_terminate_backend(${pid})`, '--analyze', '--yes'])
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(/EXPLAIN ANALYZE refused: .*pg_catalog\.pg_terminate_backend\(/)
      expect(Number((await victim.query('SELECT pg_backend_pid() AS p')).rows[0].p)).toBe(pid)
    } finally {
      await victim.end()
    }
  })

  it('Ctrl-C cancels a running EXPLAIN ANALYZE on the server, and the command says so', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'explain', '--postgres', pgServer.dsn, '--query', 'SELECT pg_sleep(600)', '--analyze', '--data-dir', dataDir],
      {
        cwd: ROOT
      }
    )
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    const admin = await pgServer.admin(pgServer.database)
    const sleeping = async () =>
      Number(
        (
          await admin.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(600)%' AND pid <> pg_backend_pid()"
          )
        ).rows[0].n
      )
    try {
      await eventuallyAsync('the statement running on the server', async () => (await sleeping()) === 1 || null, 60_000)
      child.kill('SIGINT')
      expect(await exited).toBe(1)
      expect(stderr).toMatch(/cancelling the statement on the server/)
      expect(stderr).toMatch(/EXPLAIN was cancelled/)
      await eventuallyAsync('the statement gone from the server', async () => (await sleeping()) === 0 || null)
    } finally {
      child.kill('SIGKILL')
      await admin.end()
    }
  })

  it('--plan-file analyses a saved text plan offline; a broken one names the line', () => {
    const dir = tempDir()
    const good = join(dir, 'plan.txt')
    writeFileSync(
      good,
      ` Seq Scan on orders  (cost=0.00..3583.00 rows=10 width=20) (actual time=0.010..41.900 rows=9 loops=1)
   Filter: (customer_id = 42)
   Rows Removed by Filter: 199991
 Planning Time: 0.100 ms
 Execution Time: 42.000 ms
`
    )
    const r = lookout(['explain', '--plan-file', good])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('CREATE INDEX CONCURRENTLY ON orders (customer_id);')
    const bad = join(dir, 'bad.txt')
    writeFileSync(bad, 'Seq Scan on t  (cost=0.00..1.00 rows=1 width=4)\n  @@@ nonsense\n')
    const b = lookout(['explain', '--plan-file', bad])
    expect(b.code).toBe(1)
    expect(b.stderr).toContain('line 2: expected "Key: value" or a plan node')
  })
})
