import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

let core: Core
const call = coreCaller(() => core)
afterEach(async () => core?.close())

describe('a corrupt profiles.json, through the API', () => {
  it('says what is wrong and where, offers the backup, and restores it only with the word typed', async () => {
    const dataDir = tempDir()
    core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    await call('profiles.save', { profile: { name: 'kept', environment: 'dev' } })
    await call('profiles.save', { profile: { name: 'later', environment: 'dev' } })
    const bad = '{\n  "version": 2,\n  "profiles": [\n    {"name": "kept", "environment": "Q A"}\n  ]\n}\n'
    writeFileSync(join(dataDir, 'profiles.json'), bad)
    await expect(call('profiles.list', {})).rejects.toMatchObject({
      code: 'unavailable',
      message: expect.stringContaining('line 4, column 37: profiles[0].environment')
    })
    const status = await call('profiles.fileStatus', {})
    expect(status).toMatchObject({
      ok: false,
      problem: { line: 4, column: 37, field: 'profiles[0].environment' },
      backup: { path: join(dataDir, 'profiles.json.bak'), profiles: 1, problem: null }
    })
    for (const confirmation of [undefined, 'kept', 'yes'])
      await expect(call('profiles.restoreBackup', { confirmation })).rejects.toMatchObject({
        code: 'refused',
        reason: 'confirmation_required'
      })
    expect(readFileSync(join(dataDir, 'profiles.json'), 'utf8')).toBe(bad)
    const r = await call('profiles.restoreBackup', { confirmation: 'confirm' })
    expect(r.restored).toBe(1)
    expect(readFileSync(r.keptAside, 'utf8')).toBe(bad)
    expect((await call('profiles.list', {})).map((p: { name: string }) => p.name)).toEqual(['kept'])
    const audit = await call('audit.recent', { limit: 10, action: 'restore profiles backup' })
    expect(audit.map((a: { outcome: string }) => a.outcome)).toEqual(['ok', 'refused', 'refused', 'refused'])
  })
})

describe('duplicating a profile', () => {
  it('copies its secrets in the core for the endpoints named alike, and only with the source’s confirmation', async () => {
    const secrets = new MemorySecretStore()
    core = createCore({ dataDir: tempDir(), secrets, notifier: { notify() {} }, transport: 'websocket' })
    await call('profiles.save', {
      profile: {
        name: 'shop-prod',
        environment: 'prod',
        redis: 'redis://:hunter2@cache:6379/0',
        postgres: 'postgres://mon:pgpw@db:5432/app'
      }
    })
    const copy = { name: 'shop-copy', environment: 'dev', redis: 'redis://cache:6379/0', postgres: 'postgres://mon@other-db:5432/app' }
    for (const confirmation of [undefined, 'confirm'])
      await expect(call('profiles.save', { profile: copy, copySecretsFrom: 'shop-prod', confirmation })).rejects.toMatchObject({
        reason: 'confirmation_required'
      })
    await expect(call('profiles.list', {})).resolves.toHaveLength(1)
    const saved = await call('profiles.save', { profile: copy, copySecretsFrom: 'shop-prod', confirmation: 'shop-prod' })
    // The same Redis: its password came along; another Postgres host: its password did not.
    expect(saved.secrets).toMatchObject({ redis: true, postgres: false })
    expect(await secrets.get('profile/shop-copy/redis')).toBe('hunter2')
    expect(await secrets.get('profile/shop-copy/postgres')).toBeNull()
    const [line] = await call('audit.recent', { limit: 1 })
    expect(line).toMatchObject({ action: 'save profile', outcome: 'ok', profile: 'shop-copy' })
  })
})
