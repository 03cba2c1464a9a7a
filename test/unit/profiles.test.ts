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
    expect(summary.secrets).toEqual({ postgres: true, redis: true })
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
    await expect(store.list()).rejects.toThrow(/not valid JSON at line 4/)
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
          { name: 'bad', environment: 'qa' }
        ]
      })
    )
    await expect(new ProfileStore(d, new MemorySecretStore()).list()).rejects.toThrow(/profiles\.1\.environment/)
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
