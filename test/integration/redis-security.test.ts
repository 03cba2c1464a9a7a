import { readFileSync } from 'node:fs'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { TargetState } from '../../src/shared/schemas'
import { eventually, startRedis, type RedisHandle } from '../harness'
import { makePki } from '../helpers/pki'
import { tempDir } from '../helpers/temp'

let pki: ReturnType<typeof makePki>
let good: RedisHandle
let wrongName: RedisHandle
/** Asks every client for a certificate (tls-auth-clients yes). */
let mutual: RedisHandle
let core: Core
const states: TargetState[] = []
const latest = (profile: string) => [...states].reverse().find((s) => s.profile === profile && s.targetId === 'redis')

beforeAll(async () => {
  pki = makePki(tempDir())
  good = await startRedis([], { certFile: pki.good.cert, keyFile: pki.good.key, caFile: pki.ca })
  wrongName = await startRedis([], { certFile: pki.wrong.cert, keyFile: pki.wrong.key, caFile: pki.ca })
  mutual = await startRedis([], { certFile: pki.good.cert, keyFile: pki.good.key, caFile: pki.ca, clientCert: pki.client })
  // An ACL user that may only read INFO-level data and scan, as a monitoring role would.
  const admin = new Redis(good.url, { tls: { ca: readFileSync(pki.ca), rejectUnauthorized: true }, maxRetriesPerRequest: 1 })
  await admin.call('ACL', 'SETUSER', 'monitor', 'on', '>m0nitor-pw', '~*', '+@read', '+info', '+ping', '+client')
  admin.disconnect()
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  core.onEvent((n, p) => n === 'target.state' && states.push(p as TargetState))
})

afterAll(async () => {
  await core?.close()
  await Promise.allSettled([good?.stop(), wrongName?.stop(), mutual?.stop()])
})

async function watch(name: string, redis: string, caFile?: string, client?: { cert: string; key: string }) {
  const r = await core.dispatch('profiles.save', {
    profile: {
      name,
      environment: 'prod',
      redis,
      ...(caFile ? { redisCaFile: caFile } : {}),
      ...(client ? { redisCertFile: client.cert, redisKeyFile: client.key } : {}),
      pollIntervalMs: 500
    }
  })
  if (!r.ok) throw new Error(r.error.message)
  await core.dispatch('monitor.start', { profile: name })
  return eventually(
    `${name} polled`,
    () => (latest(name)?.health === 'up' || latest(name)?.health === 'down' ? latest(name) : null),
    10_000
  )
}

describe('Redis over TLS with ACL users', () => {
  it('connects over rediss:// with the profile CA and an ACL user', async () => {
    const s = await watch('tls-acl', good.url.replace('rediss://', 'rediss://monitor:m0nitor-pw@'), pki.ca)
    expect(s.health).toBe('up')
    expect(s.endpoint).toBe(`rediss://127.0.0.1:${good.port}/0`)
    // This monitoring role has no admin commands: the rest works, and Lookout says what to grant.
    const d = await core.dispatch('cache.details', { profile: 'tls-acl' })
    expect(
      d.ok &&
        (d.result as { findings: { check: string; message: string }[] }).findings
          .filter((f) => f.check === 'permissions')
          .map((f) => f.message)
    ).toEqual([
      'the ACL user "monitor" may not run SLOWLOG GET: ACL SETUSER monitor +slowlog to see it',
      'the ACL user "monitor" may not run LATENCY LATEST: ACL SETUSER monitor +latency to see it'
    ])
  })

  it('presents the profile’s client certificate to a server that asks for one; without it the server refuses', async () => {
    const s = await watch('mutual-tls', mutual.url, pki.ca, pki.client)
    expect(s.health).toBe('up')
    const t = await core.dispatch('profiles.testConnection', { profile: 'mutual-tls' })
    expect(t.ok && (t.result as { ok: boolean }[])[0]!.ok).toBe(true)
    const without = await watch('mutual-no-cert', mutual.url, pki.ca)
    expect(without.health).toBe('down')
    // The server's alert says so; when it resets first, the reset is explained the same way.
    expect(without.lastError).toMatch(
      /TLS refused: the server asks for a client certificate: give the profile its redisCertFile and redisKeyFile|ECONNRESET \(the server closed the TLS connection: if it asks for client certificates, give the profile its redisCertFile and redisKeyFile\)/
    )
  })

  it('refuses a server whose certificate no trusted CA signed', async () => {
    const s = await watch('no-ca', good.url)
    expect(s.health).toBe('down')
    expect(s.lastError).toMatch(/certificate/)
    expect(s.lastError).toContain('give the profile its Redis CA file')
  })

  it('refuses a certificate issued for another host name', async () => {
    const s = await watch('wrong-host', wrongName.url, pki.ca)
    expect(s.health).toBe('down')
    expect(s.lastError).toMatch(/Hostname\/IP does not match certificate's altnames/)
  })

  it('names the ACL user, never the password, when it is wrong', async () => {
    const s = await watch('wrong-pw', good.url.replace('rediss://', 'rediss://monitor:not-it@'), pki.ca)
    expect(s.health).toBe('down')
    expect(s.lastError).toMatch(new RegExp(`^Redis 127\\.0\\.0\\.1:${good.port} as user "monitor": WRONGPASS`))
    expect(JSON.stringify(states)).not.toContain('not-it')
    expect(JSON.stringify(states)).not.toContain('m0nitor-pw')
  })
})
