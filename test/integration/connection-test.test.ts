import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { ConnectionTest } from '../../src/shared/schemas'
import {
  freePort,
  startAlertmanager,
  startPostgres,
  startPrometheus,
  startRedis,
  type AlertmanagerHandle,
  type PostgresHandle,
  type PrometheusHandle,
  type RedisHandle
} from '../harness'
import { coreCaller } from '../helpers/core-call'
import { makePki } from '../helpers/pki'
import { tempDir } from '../helpers/temp'

/** "Test connection": each target reached step by step on real servers; a failure names its step. */
let pg: PostgresHandle
let redis: RedisHandle
let tlsRedis: RedisHandle
let prom: PrometheusHandle
let am: AlertmanagerHandle
let core: Core
const call = coreCaller(() => core)
const pki = makePki(tempDir())

beforeAll(async () => {
  pg = await startPostgres()
  const admin = await pg.admin(pg.database)
  await admin.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
  await admin.end()
  redis = await startRedis()
  tlsRedis = await startRedis([], { certFile: pki.good.cert, keyFile: pki.good.key, caFile: pki.ca })
  ;[prom, am] = await Promise.all([startPrometheus([]), startAlertmanager()])
  const r = new Redis(redis.url, { maxRetriesPerRequest: 1 })
  // A monitoring user that may read INFO but not the slowlog or the latency monitor.
  await r.call(
    'ACL',
    'SETUSER',
    'partial',
    'on',
    '>partial-pw',
    '~*',
    '+@read',
    '+info',
    '+ping',
    '+client',
    '+hello',
    '+auth',
    '-slowlog',
    '-latency'
  )
  r.disconnect()
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
})
afterAll(async () => {
  await core?.close()
  await Promise.allSettled([pg?.stop(), redis?.stop(), tlsRedis?.stop(), prom?.stop(), am?.stop()])
})

const test = async (name: string, profile: Record<string, unknown>): Promise<ConnectionTest[]> => {
  await call('profiles.save', { profile: { name, environment: 'dev', ...profile } })
  return call('profiles.testConnection', { profile: name })
}
const steps = (t: ConnectionTest) => t.steps.map((s) => [s.step, s.ok])

describe('test connection', () => {
  it('walks a healthy Postgres and Redis through every step, each timed', async () => {
    const [p, r] = await test('healthy', { postgres: pg.dsn, redis: redis.url })
    expect(steps(p!)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['authentication', true],
      ['version', true],
      ['privileges', true]
    ])
    expect(p!.steps.find((s) => s.step === 'version')!.detail).toMatch(/^PostgreSQL 1\d\./)
    expect(r!.ok).toBe(true)
    expect(r!.steps.find((s) => s.step === 'version')!.detail).toMatch(/^Redis 7\./)
    for (const s of [...p!.steps, ...r!.steps]) expect(s.ms).toBeGreaterThanOrEqual(0)
  })

  it('names the step that failed: a host that does not resolve, a closed port, a wrong password', async () => {
    const dsn = new URL(pg.dsn)
    const at = async (name: string, postgres: string) => (await test(name, { postgres }))[0]!
    const noHost = await at('no-host', postgres('nowhere.invalid', pg.port, dsn.password))
    expect(steps(noHost)).toEqual([['dns', false]])
    const closed = await at('closed', postgres('127.0.0.1', await freePort(), dsn.password))
    expect(steps(closed)).toEqual([
      ['dns', true],
      ['tcp', false]
    ])
    expect(closed.steps[1]!.detail).toMatch(/ECONNREFUSED/)
    const wrong = await at('wrong-password', postgres('127.0.0.1', pg.port, 'not-the-password'))
    expect(steps(wrong)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['authentication', false]
    ])
    expect(wrong.steps[2]!.detail).toMatch(/password authentication failed .*28P01: wrong password/)
    expect(JSON.stringify(wrong)).not.toContain('not-the-password')
  })

  it('says which Redis commands the ACL user lacks, and the grant that allows them', async () => {
    const [r] = await test('partial', { redis: redis.url.replace('redis://', 'redis://partial:partial-pw@') })
    expect(steps(r!).at(-1)).toEqual(['privileges', false])
    expect(r!.steps.at(-1)!.detail).toBe(
      'connected, but the ACL user may not run SLOWLOG LEN (+slowlog), LATENCY LATEST (+latency): ACL SETUSER partial +slowlog +latency'
    )
  })

  it('checks a rediss:// server’s certificate in its own step', async () => {
    const [ok] = await test('tls-ok', { redis: tlsRedis.url, redisCaFile: pki.ca })
    expect(steps(ok!).slice(0, 3)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', true]
    ])
    expect(ok!.steps[2]!.detail).toMatch(/^TLSv1\.[23], certificate verified$/)
    const [unknownCa] = await test('tls-unknown-ca', { redis: tlsRedis.url })
    expect(steps(unknownCa!)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['tls', false]
    ])
    expect(unknownCa!.steps[2]!.detail).toMatch(/self[- ]signed|unable to verify/i)
  })

  it('reaches a Prometheus server and an Alertmanager over HTTP and reads their versions; a server that is not one is named', async () => {
    const [p, a] = await test('http-targets', { prometheus: prom.url, alertmanager: am.url })
    expect(steps(p!)).toEqual([
      ['dns', true],
      ['tcp', true],
      ['authentication', true],
      ['version', true]
    ])
    expect(p!.steps[3]!.detail).toMatch(/^Prometheus 2\.\d+\.\d+/)
    expect(a!.target).toBe('alertmanager')
    expect(a!.steps.at(-1)!.detail).toMatch(/^Alertmanager \d+\.\d+\.\d+/)
    // Only the one asked for.
    expect(
      (await call('profiles.testConnection', { profile: 'http-targets', target: 'alertmanager' })).map((t: ConnectionTest) => t.target)
    ).toEqual(['alertmanager'])
    // An Alertmanager given as the Prometheus server: the version step says what it is not.
    const [wrong] = await test('http-wrong', { prometheus: am.url })
    expect(steps(wrong!).at(-1)).toEqual(['authentication', false])
    expect(wrong!.steps.at(-1)!.detail).toMatch(/HTTP 404 from \/api\/v1\/status\/buildinfo: is this a Prometheus server\?/)
    const [closed] = await test('http-closed', { prometheus: `http://127.0.0.1:${await freePort()}` })
    expect(steps(closed!)).toEqual([
      ['dns', true],
      ['tcp', false]
    ])
  })
})

function postgres(host: string, port: number, password: string): string {
  const u = new URL(pg.dsn)
  u.hostname = host
  u.port = String(port)
  u.password = password
  return u.toString()
}
