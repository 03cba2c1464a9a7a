import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCheck, type CheckOptions } from '../../src/main/cli/check-command'
import { headlessSecretStore } from '../../src/main/cli/secrets'
import { SECRET_FILE } from '../../src/main/core/profiles/secret-file'
import { startHeadless } from '../../src/main/cli/serve-command'
import { startPostgres, type PostgresHandle } from '../harness'
import { tempDir } from '../helpers/temp'

/**
 * `lookout serve` keeps a profile's password across a restart in the encrypted secret file, and
 * uses it to connect; without the passphrase it has none (and says how to keep it).
 */
let pg: PostgresHandle
const rendererDir = tempDir()
const PASS = 'serve passphrase for the test'

beforeAll(async () => {
  pg = await startPostgres()
  mkdirSync(join(rendererDir, 'assets'))
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Lookout</title>')
})
afterAll(async () => {
  await pg?.stop()
})

const serveWith = async (dataDir: string, env: Record<string, string>) =>
  startHeadless({
    dataDir,
    rendererDir,
    host: '127.0.0.1',
    port: 0,
    quiet: true,
    secrets: await headlessSecretStore(dataDir, { env, keyring: null, prompt: null })
  })

describe('serve with LOOKOUT_SECRET_PASSPHRASE', () => {
  it('keeps the password across a restart, encrypted, and connects with it; without the passphrase it cannot', async () => {
    const dataDir = tempDir()
    const first = await serveWith(dataDir, { LOOKOUT_SECRET_PASSPHRASE: PASS })
    const saved = await first.core.dispatch('profiles.save', { profile: { name: 'db', environment: 'staging', postgres: pg.dsn } })
    expect(saved.ok).toBe(true)
    await first.close()

    const files: string[] = []
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        if (statSync(join(d, f)).isDirectory()) walk(join(d, f))
        else files.push(readFileSync(join(d, f), 'latin1'))
      }
    }
    walk(dataDir)
    expect(files.join('\n')).not.toContain(pg.password)

    const second = await serveWith(dataDir, { LOOKOUT_SECRET_PASSPHRASE: PASS })
    try {
      const listed = await second.core.dispatch('profiles.list', {})
      expect(JSON.stringify(listed)).not.toContain(pg.password)
      const checked = await second.core.dispatch('checks.run', { profile: 'db' })
      expect(checked).toMatchObject({ ok: true, result: { failures: [] } })
    } finally {
      await second.close()
    }

    // The same data directory without the passphrase: no password, so the server refuses us
    // (libpq's PGPASSWORD, which Lookout would fall back to, is kept out of the way).
    const forgetful = await serveWith(dataDir, {})
    const pgpassword = process.env.PGPASSWORD
    delete process.env.PGPASSWORD
    try {
      const checked = await forgetful.core.dispatch('checks.run', { profile: 'db' })
      expect(JSON.stringify(checked)).toMatch(/the server asks for a password and Lookout has none for this profile/)
    } finally {
      if (pgpassword !== undefined) process.env.PGPASSWORD = pgpassword
      await forgetful.close()
    }
  })

  it('the CLI with --profile finds the password serve saved; a wrong passphrase exits 2 and changes nothing', async () => {
    const dataDir = tempDir()
    const server = await serveWith(dataDir, { LOOKOUT_SECRET_PASSPHRASE: PASS })
    expect((await server.core.dispatch('profiles.save', { profile: { name: 'kept', environment: 'dev', postgres: pg.dsn } })).ok).toBe(true)
    await server.close()
    const file = readFileSync(join(dataDir, SECRET_FILE))
    const saved = { passphrase: process.env.LOOKOUT_SECRET_PASSPHRASE, pgpassword: process.env.PGPASSWORD }
    delete process.env.PGPASSWORD
    const run = async (passphrase: string) => {
      process.env.LOOKOUT_SECRET_PASSPHRASE = passphrase
      let out = ''
      let err = ''
      const code = await runCheck({ profile: 'kept', dataDir, json: true, failOn: 'never' } satisfies CheckOptions, {
        out: (t) => (out += t),
        err: (t) => (err += t)
      })
      return { code, out, err }
    }
    try {
      const ok = await run(PASS)
      expect(ok.err).toBe('')
      expect(ok.code).toBe(0)
      expect(JSON.parse(ok.out)).toMatchObject({ findings: expect.any(Array) })
      const wrong = await run('not it')
      expect(wrong.code).toBe(2)
      expect(wrong.err).toMatch(/^lookout check: wrong passphrase for .*secrets\.enc\.json: nothing was read or changed/)
      expect(readFileSync(join(dataDir, SECRET_FILE)).equals(file)).toBe(true)
    } finally {
      if (saved.passphrase === undefined) delete process.env.LOOKOUT_SECRET_PASSPHRASE
      else process.env.LOOKOUT_SECRET_PASSPHRASE = saved.passphrase
      if (saved.pgpassword !== undefined) process.env.PGPASSWORD = saved.pgpassword
    }
  })
})
