import { execFileSync } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { eventuallyAsync, startPostgres, type PostgresHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { makePki } from '../helpers/pki'
import { tempDir } from '../helpers/temp'

/**
 * PostgreSQL over TLS with certificates made by openssl: `sslmode=verify-full` with the profile's
 * own CA connects; a certificate for another name, or from a CA the profile does not name, is
 * refused before any password is sent.
 */
let good: PostgresHandle
let wrongName: PostgresHandle
/** Logs postgres in by its client certificate alone (pg_hba `cert`): no password is accepted. */
let certOnly: PostgresHandle
let core: Core
const call = coreCaller(() => core)
const pki = makePki(tempDir())

/** The server's certificate and key where the postgres user may read them, as the server demands (0600). */
function serverFiles(which: 'good' | 'wrong'): Record<string, string> {
  const dir = tempDir()
  const files = { ssl_cert_file: join(dir, 'server.pem'), ssl_key_file: join(dir, 'server.key') }
  mkdirSync(dir, { recursive: true })
  copyFileSync(pki[which].cert, files.ssl_cert_file)
  copyFileSync(pki[which].key, files.ssl_key_file)
  chmodSync(files.ssl_key_file, 0o600)
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    for (const f of [dir, ...Object.values(files)]) chownSync(f, uid, gid)
  }
  return { ssl: 'on', ...files }
}

const tlsDsn = (pg: PostgresHandle, query: string) => {
  const u = new URL(pg.dsn)
  return `${u.protocol}//${u.username}:${u.password}@127.0.0.1:${pg.port}${u.pathname}?${query}`
}

beforeAll(async () => {
  good = await startPostgres({ extraSettings: serverFiles('good') })
  wrongName = await startPostgres({ extraSettings: serverFiles('wrong') })
  const ca = serverFiles('good')
  const caDir = join(ca.ssl_cert_file!, '..')
  copyFileSync(pki.ca, join(caDir, 'ca.pem'))
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    chownSync(join(caDir, 'ca.pem'), uid, Number(execFileSync('id', ['-g', 'postgres']).toString().trim()))
  }
  certOnly = await startPostgres({
    extraSettings: { ...ca, ssl_ca_file: join(caDir, 'ca.pem') },
    hbaFirst: ['hostssl all postgres 127.0.0.1/32 cert', 'host all postgres 127.0.0.1/32 reject']
  })
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
})
afterAll(async () => {
  await core?.close()
  await Promise.allSettled([good?.stop(), wrongName?.stop(), certOnly?.stop()])
})

const check = async (name: string, dsn: string) => {
  await call('profiles.save', { profile: { name, environment: 'dev', postgres: dsn }, replace: true, confirmation: 'confirm' })
  return (await call('checks.run', { profile: name })) as { failures: string[] }
}

describe('PostgreSQL over TLS', () => {
  it('verify-full with the profile’s CA connects, and the session really is encrypted', async () => {
    const r = await check('tls-ok', tlsDsn(good, `sslmode=verify-full&sslrootcert=${encodeURIComponent(pki.ca)}`))
    expect(r.failures).toEqual([])
    const admin = await good.admin(good.database)
    try {
      // The checks' session is gone by now; the monitor's, through the same path, shows TLS in pg_stat_ssl.
      await call('profiles.save', {
        profile: {
          name: 'tls-watch',
          environment: 'dev',
          postgres: tlsDsn(good, `sslmode=verify-full&sslrootcert=${encodeURIComponent(pki.ca)}`)
        }
      })
      await call('monitor.start', { profile: 'tls-watch' })
      const sessions = await eventuallyAsync('Lookout’s monitoring session on the server', async () => {
        const r = await admin.query(
          "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'lookout'"
        )
        return r.rows.length ? r.rows : null
      })
      expect(sessions.every((x: { ssl: boolean }) => x.ssl)).toBe(true)
      expect(sessions[0].version).toMatch(/^TLSv1\.[23]$/)
    } finally {
      await call('monitor.stop', { profile: 'tls-watch' })
      await admin.end()
    }
  })

  it('a certificate for another host name is refused', async () => {
    const r = await check('tls-wrong-name', tlsDsn(wrongName, `sslmode=verify-full&sslrootcert=${encodeURIComponent(pki.ca)}`))
    expect(r.failures.join('\n')).toMatch(
      /Postgres 127\.0\.0\.1:\d+ .*TLS refused: the server's certificate is not for this host name \(Hostname\/IP does not match/
    )
  })

  it('a server certificate from a CA the profile does not name is refused', async () => {
    const r = await check('tls-unknown-ca', tlsDsn(good, 'sslmode=verify-full'))
    expect(r.failures.join('\n')).toMatch(
      /Postgres 127\.0\.0\.1:\d+ .*TLS refused: the server's certificate is not signed by a CA Lookout trusts: name yours with sslrootcert=FILE/
    )
  })

  it('a client certificate logs in where the server takes only certificates; without it the server refuses', async () => {
    const base = `postgresql://postgres@127.0.0.1:${certOnly.port}/${certOnly.database}?sslmode=verify-full&sslrootcert=${encodeURIComponent(pki.ca)}`
    const saved = process.env.PGPASSWORD
    delete process.env.PGPASSWORD
    try {
      const withCert = await check(
        'tls-client-cert',
        `${base}&sslcert=${encodeURIComponent(pki.client.cert)}&sslkey=${encodeURIComponent(pki.client.key)}`
      )
      expect(withCert.failures).toEqual([])
      const [t] = await call('profiles.testConnection', { profile: 'tls-client-cert' })
      expect(t.steps.find((x: { step: string }) => x.step === 'authentication')).toMatchObject({
        ok: true,
        detail: 'as "postgres", over TLS'
      })
      const without = await check('tls-no-client-cert', base)
      expect(without.failures.join('\n')).toMatch(
        /Postgres 127\.0\.0\.1:\d+ as user "postgres", database "app": connection requires a valid client certificate/
      )
    } finally {
      if (saved !== undefined) process.env.PGPASSWORD = saved
    }
  })
})
