import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { ImportPlan } from '../../src/shared/schemas'
import { startPostgres, type PostgresHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

/**
 * Profiles imported from the files a libpq user already has, in a throw-away HOME: the service
 * file and .pgpass, matched as libpq matches them, against a real server.
 */
let pg: PostgresHandle
let core: Core
const home = tempDir()
const dataDir = tempDir()
const call = coreCaller(() => core)
const traffic: string[] = []

const serviceFile = (port: number) => `# the team's services
[orders-prod]
host=127.0.0.1
port=${port}
dbname=app
user=postgres
sslmode=disable
application_name=psql

[reports]
host=127.0.0.1
port=${port}
dbname=app
user=postgres

[local-socket]
host=/var/run/postgresql
dbname=app
`
const writePgpass = (password: string, mode = 0o600) => {
  writeFileSync(join(home, '.pgpass'), `# passwords\n*:*:*:nobody:unused\n127.0.0.1:${pg.port}:app:postgres:${password}\n`)
  chmodSync(join(home, '.pgpass'), mode)
}
const plan = async (): Promise<ImportPlan> => {
  const p = await call('profiles.importPlan', { from: 'pg-service' })
  traffic.push(JSON.stringify(p))
  return p
}
const byName = (p: ImportPlan, name: string) => p.items.find((i) => i.name === name)!

beforeAll(async () => {
  pg = await startPostgres()
  writeFileSync(join(home, '.pg_service.conf'), serviceFile(pg.port))
  writePgpass(pg.password)
  core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket', env: { HOME: home } })
})
afterAll(async () => {
  await core?.close()
  await pg?.stop()
})

describe('importing profiles from pg_service.conf and .pgpass', () => {
  it('shows what it would create and skip, and why, before anything is created; never a password', async () => {
    const p = await plan()
    expect(p.sources).toEqual([join(home, '.pg_service.conf'), join(home, '.pgpass')])
    expect(byName(p, 'orders-prod')).toMatchObject({
      action: 'create',
      environment: 'prod',
      environmentGuessed: true,
      postgres: `127.0.0.1:${pg.port}/app`,
      passwordFrom: `${join(home, '.pgpass')}, line 3`,
      notes: ['not used by Lookout: application_name']
    })
    // No environment in the name: the strictest is assumed, and the plan says so.
    expect(byName(p, 'reports')).toMatchObject({ action: 'create', environment: 'prod', notes: [expect.stringContaining('prod assumed')] })
    expect(byName(p, 'local-socket')).toMatchObject({ action: 'skip', reason: expect.stringContaining('Unix socket') })
    expect(JSON.stringify(p)).not.toContain(pg.password)
    expect((await call('profiles.list', {})).length).toBe(0)
  })

  it('creates the profiles, which connect with the .pgpass password, kept out of profiles.json', async () => {
    const r = await call('profiles.import', { from: 'pg-service', names: ['orders-prod'] })
    traffic.push(JSON.stringify(r))
    expect(r.created).toEqual(['orders-prod'])
    expect(r.updated).toEqual([])
    const saved = process.env.PGPASSWORD
    delete process.env.PGPASSWORD
    try {
      expect(await call('checks.run', { profile: 'orders-prod' })).toMatchObject({ failures: [] })
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved
    }
    const files = readdirSync(dataDir)
      .filter((f) => statSync(join(dataDir, f)).isFile())
      .map((f) => readFileSync(join(dataDir, f), 'utf8'))
    expect(files.join('\n')).not.toContain(pg.password)
    expect(traffic.join('\n')).not.toContain(pg.password)
  })

  it('importing again changes nothing and never duplicates', async () => {
    await call('profiles.import', { from: 'pg-service' })
    const p = await plan()
    expect(byName(p, 'orders-prod').action).toBe('unchanged')
    expect(byName(p, 'reports').action).toBe('unchanged')
    await call('profiles.import', { from: 'pg-service' })
    expect((await call('profiles.list', {})).map((x: { name: string }) => x.name).sort()).toEqual(['orders-prod', 'reports'])
  })

  it('a new password for a prod profile needs its name typed; a changed server is never changed by an import', async () => {
    writePgpass('rotated-password')
    expect(byName(await plan(), 'orders-prod')).toMatchObject({ action: 'update', changes: ['password'] })
    for (const confirmation of [undefined, 'confirm'])
      await expect(call('profiles.import', { from: 'pg-service', names: ['orders-prod'], confirmation })).rejects.toMatchObject({
        code: 'refused',
        reason: 'confirmation_required'
      })
    const [refusal] = await call('audit.recent', { limit: 1 })
    expect(refusal).toMatchObject({ action: 'import profiles', outcome: 'refused' })
    const r = await call('profiles.import', { from: 'pg-service', names: ['orders-prod'], confirmation: 'orders-prod' })
    expect(r.updated).toEqual(['orders-prod'])
    writePgpass(pg.password)
    await call('profiles.import', { from: 'pg-service', names: ['orders-prod'], confirmation: 'orders-prod' })

    writeFileSync(
      join(home, '.pg_service.conf'),
      serviceFile(pg.port).replace(`port=${pg.port}\ndbname=app\nuser=postgres\nsslmode`, 'port=1\ndbname=app\nuser=postgres\nsslmode')
    )
    expect(byName(await plan(), 'orders-prod')).toMatchObject({ action: 'skip', reason: expect.stringContaining('would change postgres') })
    writeFileSync(join(home, '.pg_service.conf'), serviceFile(pg.port))
  })

  it('a .pgpass its group may read is ignored, as libpq ignores it, and the plan says so', async () => {
    writePgpass(pg.password, 0o640)
    try {
      const p = await plan()
      expect(p.problems).toContainEqual(expect.stringContaining('readable by its group or others: libpq ignores it'))
      expect(byName(p, 'orders-prod').passwordFrom).toBeNull()
    } finally {
      writePgpass(pg.password)
    }
  })

  it('a malformed service file is refused with its line', async () => {
    writeFileSync(join(home, '.pg_service.conf'), '[a]\nhost=x\nnot a line\n')
    try {
      await expect(call('profiles.importPlan', { from: 'pg-service' })).rejects.toMatchObject({
        code: 'bad_request',
        message: `${join(home, '.pg_service.conf')}, line 3: expected keyword=value, found "not a line"`
      })
    } finally {
      writeFileSync(join(home, '.pg_service.conf'), serviceFile(pg.port))
    }
  })

  it('from the PG* variables: one profile, named by PGSERVICE or the host, its password from .pgpass', async () => {
    const env = { HOME: home, PGHOST: '127.0.0.1', PGPORT: String(pg.port), PGDATABASE: 'app', PGUSER: 'postgres', PGSSLMODE: 'disable' }
    const other = createCore({
      dataDir: tempDir(),
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      transport: 'websocket',
      env
    })
    try {
      const r = await other.dispatch('profiles.importPlan', { from: 'env', environment: 'staging' })
      expect(r).toMatchObject({
        ok: true,
        result: {
          sources: ['PG* environment variables', join(home, '.pgpass')],
          items: [
            {
              name: 'env-127.0.0.1',
              action: 'create',
              environment: 'staging',
              environmentGuessed: false,
              postgres: `127.0.0.1:${pg.port}/app`,
              passwordFrom: `${join(home, '.pgpass')}, line 3`
            }
          ]
        }
      })
      const none = createCore({
        dataDir: tempDir(),
        secrets: new MemorySecretStore(),
        notifier: { notify() {} },
        transport: 'websocket',
        env: { HOME: home }
      })
      expect(await none.dispatch('profiles.importPlan', { from: 'env' })).toMatchObject({
        ok: false,
        error: { code: 'not_found', message: expect.stringContaining('no PG* variable') }
      })
      await none.close()
    } finally {
      await other.close()
    }
  })

  it('from .pgpass alone: a line naming one server is a profile; a pattern line only gives passwords', async () => {
    const p: ImportPlan = await call('profiles.importPlan', { from: 'pgpass', environment: 'dev' })
    expect(p.items.map((i) => [i.name, i.action, i.postgres])).toEqual([['127.0.0.1-app', 'create', `127.0.0.1:${pg.port}/app`]])
    expect(p.problems).toEqual([
      `${join(home, '.pgpass')}, line 2: a pattern (*), not one server: it gives passwords to the profiles it matches`
    ])
  })

  it('exports without secrets; importing that file elsewhere recreates the profiles, which ask for their password', async () => {
    const exported = await call('profiles.export', {})
    expect(exported.count).toBe(2)
    expect(exported.text).not.toContain(pg.password)
    expect(JSON.parse(exported.text).version).toBe(2)
    const team = createCore({
      dataDir: tempDir(),
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      transport: 'websocket',
      env: {}
    })
    const teamCall = coreCaller(() => team)
    try {
      const p: ImportPlan = await teamCall('profiles.importPlan', { from: 'file', text: exported.text })
      expect(p.items.map((i) => [i.name, i.action, i.environment, i.passwordFrom])).toEqual([
        ['orders-prod', 'create', 'prod', null],
        ['reports', 'create', 'prod', null]
      ])
      expect(p.items[0]!.notes).toEqual([expect.stringContaining('asked for when the profile first connects')])
      await teamCall('profiles.import', { from: 'file', text: exported.text })
      // No password came with the file: the connection test says the server asks for one.
      const saved = process.env.PGPASSWORD
      delete process.env.PGPASSWORD
      try {
        const [t] = await teamCall('profiles.testConnection', { profile: 'reports' })
        expect(t.steps.at(-1)).toMatchObject({ step: 'authentication', ok: false, detail: expect.stringMatching(/password/) })
      } finally {
        if (saved !== undefined) process.env.PGPASSWORD = saved
      }
      // Importing the same file again changes nothing.
      expect(
        ((await teamCall('profiles.importPlan', { from: 'file', text: exported.text })) as ImportPlan).items.map((i) => i.action)
      ).toEqual(['unchanged', 'unchanged'])
      await expect(
        teamCall('profiles.importPlan', { from: 'file', text: '{"version": 2, "profiles": [{"name": 1}]}' })
      ).rejects.toMatchObject({
        code: 'bad_request',
        message: expect.stringMatching(/^not a file of exported profiles: line 1, column \d+: profiles\[0\]\.name/)
      })
    } finally {
      await team.close()
    }
  })

  it('from URLs: Postgres, Redis and Prometheus, each a profile; a password in a URL goes to the secret store and never into the plan', async () => {
    const urls = [pg.dsn, 'rediss://:s3cret@cache.staging.example:6380/0', 'http://prom.dev.example:9090', 'ftp://nope', 'not a url']
    const p: ImportPlan = await call('profiles.importPlan', { from: 'url', urls })
    expect(p.items.map((i) => [i.name, i.action, i.environment, i.passwordFrom])).toEqual([
      ['127.0.0.1-app', 'create', 'prod', 'the URL'],
      ['cache.staging.example', 'create', 'staging', 'the URL'],
      ['prom.dev.example', 'create', 'dev', null]
    ])
    expect(p.items[1]!.endpoints).toEqual(['rediss://cache.staging.example:6380/0'])
    expect(p.problems).toEqual([expect.stringContaining('ftp: is not postgres://'), 'not a url: not a URL'])
    expect(JSON.stringify(p)).not.toContain('s3cret')
    expect(JSON.stringify(p)).not.toContain(pg.password)
    const r = await call('profiles.import', { from: 'url', urls, names: ['cache.staging.example'] })
    expect(r.created).toEqual(['cache.staging.example'])
    const [summary] = (await call('profiles.list', {})).filter((x: { name: string }) => x.name === 'cache.staging.example')
    expect(summary).toMatchObject({ redis: 'rediss://cache.staging.example:6380/0', secrets: { redis: true } })
    expect(readFileSync(join(dataDir, 'profiles.json'), 'utf8')).not.toContain('s3cret')
  })
})
