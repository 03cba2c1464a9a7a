import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresHandle } from '../../src/main/harness/postgres'
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
