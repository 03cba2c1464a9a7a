import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp'
import { describe, expect, it } from 'vitest'
import { MemorySecretStore } from '../../src/main/core/ports'
import { ProfileStore } from '../../src/main/core/profiles/store'
import { splitPassword } from '../../src/main/core/profiles/secrets'

const dir = () => tempDir()

describe('ProfileStore', () => {
  it('moves passwords to the secret store and never writes them to disk', async () => {
    const d = dir()
    const secrets = new MemorySecretStore()
    const store = new ProfileStore(d, secrets)
    await store.save(
      {
        name: 'prod-eu',
        environment: 'prod',
        postgres: 'postgresql://mon:s%40cret!@db:5432/app',
        redis: 'rediss://u:redispw@cache:6380/1',
        metrics: []
      },
      false
    )
    const text = readFileSync(join(d, 'profiles.json'), 'utf8')
    expect(text).not.toContain('s%40cret')
    expect(text).not.toContain('s@cret')
    expect(text).not.toContain('redispw')
    expect(text).toContain('postgresql://mon@db:5432/app')
    expect(await secrets.get('profile/prod-eu/postgres')).toBe('s@cret!')
    expect(await secrets.get('profile/prod-eu/redis')).toBe('redispw')
    expect(statSync(join(d, 'profiles.json')).mode & 0o077).toBe(0)
    const summary = await store.summary(await store.get('prod-eu'))
    expect(summary.secrets).toEqual({
      postgres: true,
      redis: true,
      redisReplica: false,
      prometheus: false,
      alertmanager: false,
      ssh: false
    })
    expect(JSON.stringify(summary)).not.toContain('redispw')
  })

  it('refuses to overwrite a profile unless asked to replace it', async () => {
    const store = new ProfileStore(dir(), new MemorySecretStore())
    await store.save({ name: 'a', environment: 'dev' }, false)
    await expect(store.save({ name: 'a', environment: 'prod' }, false)).rejects.toThrow(/exists/)
    await store.save({ name: 'a', environment: 'prod' }, true)
    expect((await store.get('a')).environment).toBe('prod')
  })

  it('says where a malformed file is broken and never overwrites it', async () => {
    const d = dir()
    const broken = '{\n  "version": 1,\n  "profiles": [\n    { "name": "x", }\n  ]\n}\n'
    writeFileSync(join(d, 'profiles.json'), broken)
    const store = new ProfileStore(d, new MemorySecretStore())
    await expect(store.list()).rejects.toThrow(/line 4, column 20: not valid JSON \(PropertyNameExpected\)/)
    await expect(store.save({ name: 'b', environment: 'dev' }, false)).rejects.toThrow(/not valid JSON/)
    expect(readFileSync(join(d, 'profiles.json'), 'utf8')).toBe(broken)
  })

  it('names the field of a profile that fails validation', async () => {
    const d = dir()
    writeFileSync(
      join(d, 'profiles.json'),
      JSON.stringify({
        version: 1,
        profiles: [
          { name: 'ok', environment: 'dev' },
          { name: 'bad', environment: 'Q A' }
        ]
      })
    )
    // Line, column and field: the file is one line here, the second profile’s environment value starts at column 88.
    await expect(new ProfileStore(d, new MemorySecretStore()).list()).rejects.toThrow(
      /line 1, column 88: profiles\[1\]\.environment: an environment is dev, staging, prod/
    )
  })

  it('migrates a version 1 file on read, and on the first save keeps it as profiles.json.v1 and the previous file as .bak', async () => {
    const d = dir()
    const v1 = JSON.stringify({ version: 1, profiles: [{ name: 'old', environment: 'dev', metrics: ['http://h:9100/metrics'] }] })
    writeFileSync(join(d, 'profiles.json'), v1)
    const store = new ProfileStore(d, new MemorySecretStore())
    expect((await store.get('old')).metrics).toEqual([{ url: 'http://h:9100/metrics', auth: 'none', insecureSkipVerify: false }])
    // Reading never writes.
    expect(readFileSync(join(d, 'profiles.json'), 'utf8')).toBe(v1)
    await store.save({ name: 'new', environment: 'dev' }, false)
    expect(JSON.parse(readFileSync(join(d, 'profiles.json'), 'utf8')).version).toBe(2)
    expect(readFileSync(join(d, 'profiles.json.v1'), 'utf8')).toBe(v1)
    expect(readFileSync(join(d, 'profiles.json.bak'), 'utf8')).toBe(v1)
    await store.save({ name: 'third', environment: 'dev' }, false)
    // The backup is always the file as it was before the last save; the v1 copy is kept once.
    expect(JSON.parse(readFileSync(join(d, 'profiles.json.bak'), 'utf8')).profiles.map((p: { name: string }) => p.name)).toEqual([
      'old',
      'new'
    ])
    expect(readFileSync(join(d, 'profiles.json.v1'), 'utf8')).toBe(v1)
  })

  it('refuses a file from a newer Lookout and never rewrites it in an older shape', async () => {
    const d = dir()
    const future = JSON.stringify({ version: 9, profiles: [] }, null, 2)
    writeFileSync(join(d, 'profiles.json'), future)
    const store = new ProfileStore(d, new MemorySecretStore())
    await expect(store.list()).rejects.toThrow(
      /line 2, column 14: version: written by a newer Lookout \(version 9\); this one reads up to version 2/
    )
    await expect(store.save({ name: 'x', environment: 'dev' }, false)).rejects.toThrow(/newer Lookout/)
    expect(readFileSync(join(d, 'profiles.json'), 'utf8')).toBe(future)
  })

  it('offers the backup of a corrupt file, restores it and keeps the bad file aside', async () => {
    const d = dir()
    const store = new ProfileStore(d, new MemorySecretStore())
    await store.save({ name: 'a', environment: 'dev' }, false)
    await store.save({ name: 'b', environment: 'dev' }, false)
    const broken = '{"version": 2, "profiles": [ {"name": "a", "environment": "dev"} '
    writeFileSync(join(d, 'profiles.json'), broken)
    const status = await store.fileStatus()
    expect(status).toMatchObject({ ok: false, problem: { line: 1, field: null }, backup: { profiles: 1, problem: null } })
    expect(status.problem!.message).toMatch(/not valid JSON/)
    const r = await store.restoreBackup()
    expect(r.restored).toBe(1)
    expect(readFileSync(r.keptAside!, 'utf8')).toBe(broken)
    expect((await store.list()).map((p) => p.name)).toEqual(['a'])
    expect((await store.fileStatus()).ok).toBe(true)
  })

  it('refuses an allowed action that is not an action on a server, naming the ones that are', async () => {
    const store = new ProfileStore(dir(), new MemorySecretStore())
    await expect(store.save({ name: 'a', environment: 'dev', allowedActions: ['profiles.delete'] }, false)).rejects.toThrow(
      /allowedActions: profiles\.delete is not an action on a server; choose from .*cache\.invalidate/
    )
    await store.save({ name: 'a', environment: 'dev', allowedActions: ['cache.invalidate'], notes: 'owned by team payments' }, false)
    expect(await store.get('a')).toMatchObject({ allowedActions: ['cache.invalidate'], notes: 'owned by team payments' })
  })

  it('applies concurrent saves and deletes one after the other: none is lost, no write steals another’s temp file', async () => {
    const d = dir()
    const store = new ProfileStore(d, new MemorySecretStore())
    await Promise.all(Array.from({ length: 12 }, (_, i) => store.save({ name: `p${i}`, environment: 'dev' }, false)))
    await Promise.all([store.delete('p0'), store.save({ name: 'p1', environment: 'dev', pollIntervalMs: 5000 }, true), store.delete('p2')])
    const names = (await new ProfileStore(d, new MemorySecretStore()).list()).map((p) => p.name).sort()
    expect(names).toEqual(['p1', 'p10', 'p11', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9'])
    expect((await store.get('p1')).pollIntervalMs).toBe(5000)
  })

  it('a production profile is read-only unless it says otherwise', async () => {
    const store = new ProfileStore(dir(), new MemorySecretStore())
    const saved = async (input: Parameters<ProfileStore['save']>[0]) => (await store.save(input, false)).profile.readOnly
    expect(await saved({ name: 'p', environment: 'prod' })).toBe(true)
    expect(await saved({ name: 'eu', environment: 'eu-prod' })).toBe(true)
    expect(await saved({ name: 'perf', environment: 'perf', production: false })).toBe(false)
    expect(await saved({ name: 's', environment: 'staging' })).toBe(false)
    expect(await saved({ name: 'p2', environment: 'prod', readOnly: false })).toBe(false)
  })

  it('deletes a profile with its secrets', async () => {
    const secrets = new MemorySecretStore()
    const store = new ProfileStore(dir(), secrets)
    await store.save({ name: 'a', environment: 'dev', redis: 'redis://:pw@h:6379/0' }, false)
    expect(await store.delete('a')).toBe(true)
    expect(await secrets.get('profile/a/redis')).toBeNull()
    expect(await store.delete('a')).toBe(false)
  })
})

describe('splitPassword', () => {
  it('decodes percent-encoded passwords and leaves URLs without one untouched', () => {
    expect(splitPassword('postgresql://u:p%2Fw@h/db')).toEqual({ url: 'postgresql://u@h/db', password: 'p/w' })
    expect(splitPassword('redis://h:6379')).toEqual({ url: 'redis://h:6379', password: null })
  })
})

describe('metrics endpoint secrets', () => {
  it('moves basic-auth passwords and bearer tokens to the secret store and marks the auth kind', async () => {
    const d = dir()
    const secrets = new MemorySecretStore()
    const store = new ProfileStore(d, secrets)
    await store.save(
      {
        name: 'm',
        environment: 'prod',
        metrics: [
          'https://scraper:hunter2@app:8443/metrics',
          { url: 'https://node:9100/metrics', bearerToken: 'tok-SECRET', caFile: '/etc/ca.pem' },
          'http://plain:9100/metrics'
        ]
      },
      false
    )
    const onDisk = readFileSync(join(d, 'profiles.json'), 'utf8')
    expect(onDisk).not.toContain('hunter2')
    expect(onDisk).not.toContain('tok-SECRET')
    const saved = await store.get('m')
    expect(saved.metrics).toEqual([
      { url: 'https://scraper@app:8443/metrics', auth: 'basic', insecureSkipVerify: false },
      { url: 'https://node:9100/metrics', auth: 'bearer', caFile: '/etc/ca.pem', insecureSkipVerify: false },
      { url: 'http://plain:9100/metrics', auth: 'none', insecureSkipVerify: false }
    ])
    expect(await secrets.get('profile/m/metrics:https://scraper@app:8443/metrics')).toBe('hunter2')
    expect(await secrets.get('profile/m/metrics:https://node:9100/metrics')).toBe('tok-SECRET')
    await store.delete('m')
    expect(await secrets.get('profile/m/metrics:https://node:9100/metrics')).toBeNull()
  })

  it('refuses a password and a bearer token on the same endpoint', async () => {
    const store = new ProfileStore(dir(), new MemorySecretStore())
    await expect(
      store.save({ name: 'x', environment: 'dev', metrics: [{ url: 'https://u:p@h/metrics', bearerToken: 't' }] }, false)
    ).rejects.toThrow(/give a password or a bearer token, not both/)
  })
})

describe('secrets in every field', () => {
  const fields = {
    postgres: 'postgresql://mon@db:5432/app?sslmode=require&password=PG-QUERY-SECRET',
    redis: 'rediss://u:REDIS-SECRET@cache:6380/1',
    redisReplica: 'redis://u:REPLICA-SECRET@replica:6379/1',
    prometheus: 'https://ops:PROM-SECRET@prom:9090/?token=PROM-TOKEN',
    alertmanager: 'https://ops:AM-SECRET@am:9093/',
    metrics: ['https://scrape:METRICS-SECRET@app:8443/metrics?access_token=METRICS-TOKEN']
  }
  const SECRETS = [
    'PG-QUERY-SECRET',
    'REDIS-SECRET',
    'REPLICA-SECRET',
    'PROM-SECRET',
    'PROM-TOKEN',
    'AM-SECRET',
    'METRICS-SECRET',
    'METRICS-TOKEN'
  ]

  it('are moved out of every URL field before the file is written, and come back only to connect', async () => {
    const d = dir()
    const store = new ProfileStore(d, new MemorySecretStore())
    const { profile } = await store.save({ name: 'all', environment: 'staging', ...fields }, false)
    const text = readFileSync(join(d, 'profiles.json'), 'utf8')
    const summary = JSON.stringify(await store.summary(profile))
    for (const s of SECRETS) {
      expect(text).not.toContain(s)
      expect(summary).not.toContain(s)
    }
    expect(profile.prometheus).toBe('https://ops@prom:9090/')
    expect(profile.metrics[0]).toMatchObject({ url: 'https://scrape@app:8443/metrics', auth: 'basic' })
    const conn = await store.secretsOf(profile)
    expect(conn.postgres).toBe('PG-QUERY-SECRET')
    expect(conn.redis).toBe('REDIS-SECRET')
    expect(conn.redisReplica).toBe('REPLICA-SECRET')
    expect(conn.urls.prometheus).toBe('https://ops:PROM-SECRET@prom:9090/?token=PROM-TOKEN')
    expect(conn.urls.alertmanager).toBe('https://ops:AM-SECRET@am:9093/')
    expect(conn.metrics.get('https://scrape@app:8443/metrics')).toEqual({
      url: 'https://scrape@app:8443/metrics?access_token=METRICS-TOKEN',
      secret: 'METRICS-SECRET'
    })
  })

  it('a secret is dropped when its endpoint moves to another host, port or user, and kept otherwise', async () => {
    const store = new ProfileStore(dir(), new MemorySecretStore())
    const { profile } = await store.save({ name: 'mv', environment: 'dev', ...fields }, false)
    // The same endpoints re-saved (the renderer sends back what it got): every secret kept.
    const same = await store.save({ ...profile }, true)
    expect(same.droppedSecrets).toEqual([])
    expect((await store.secretsOf(same.profile)).redis).toBe('REDIS-SECRET')
    const moved = await store.save(
      {
        ...profile,
        redis: 'rediss://u@evil.example:6380/1',
        postgres: 'postgresql://mon@db:5432/app?sslmode=require&host=elsewhere',
        prometheus: 'https://other@prom:9090/',
        alertmanager: 'https://ops@am:9094/'
      },
      true
    )
    expect(moved.droppedSecrets.sort()).toEqual(['alertmanager', 'postgres', 'prometheus', 'prometheus?token', 'redis'].sort())
    const conn = await store.secretsOf(moved.profile)
    expect(conn.redis).toBeNull()
    expect(conn.postgres).toBeNull()
    expect(conn.urls.prometheus).toBe('https://other@prom:9090/')
    expect(conn.urls.alertmanager).toBe('https://ops@am:9094/')
    expect(conn.redisReplica).toBe('REPLICA-SECRET')
    // A new password given with the move is kept: it was given for the new host.
    const regiven = await store.save({ ...moved.profile, redis: 'rediss://u:NEW@other:6380/1' }, true)
    expect(regiven.droppedSecrets).toEqual([])
    expect((await store.secretsOf(regiven.profile)).redis).toBe('NEW')
  })
})
