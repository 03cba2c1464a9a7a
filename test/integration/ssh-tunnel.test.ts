import { execFileSync, spawn } from 'node:child_process'
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { ConnectionTest, TargetState } from '../../src/shared/schemas'
import { eventually, startPostgres, startRedis, startSshd, type PostgresHandle, type RedisHandle, type SshdHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'
import { makePki } from '../helpers/pki'

const POLL_MS = 400

let pg: PostgresHandle
let redis: RedisHandle
let sshd: SshdHandle
/** A second server whose client key has a passphrase. */
let sshdLocked: SshdHandle
let home: string
let dataDir: string
let core: Core
const states: TargetState[] = []
const call = coreCaller(() => core)
const PASSPHRASE = 'correct horse battery staple'

const latest = (profile: string, id: string) => [...states].reverse().find((s) => s.profile === profile && s.targetId === id)
const steps = (t: ConnectionTest) => t.steps.map((s) => [s.step, s.ok])

beforeAll(async () => {
  ;[pg, redis, sshd, sshdLocked] = await Promise.all([
    startPostgres(),
    startRedis(),
    startSshd(),
    startSshd({ clientKeyPassphrase: PASSPHRASE })
  ])
  home = tempDir()
  dataDir = tempDir()
  mkdirSync(join(home, '.ssh'), { mode: 0o700 })
  // What an SRE's ~/.ssh holds: an alias for the bastion with its key, and its host key known.
  writeFileSync(
    join(home, '.ssh', 'config'),
    `Host bastion\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKeyFile}\n\n` +
      `Host jumpbox\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${sshd.user}\n  IdentityFile ${sshd.clientKeyFile}\n`
  )
  copyFileSync(sshd.knownHostsFile, join(home, '.ssh', 'known_hosts'))
  // No agent: the key files are what logs in.
  core = createCore({
    dataDir,
    secrets: new MemorySecretStore(),
    notifier: { notify() {} },
    transport: 'websocket',
    env: { HOME: home }
  })
  core.onEvent((name, payload) => {
    if (name === 'target.state') states.push(payload as TargetState)
  })
  await call('profiles.save', {
    profile: {
      name: 'behind-bastion',
      environment: 'staging',
      postgres: pg.dsn,
      redis: redis.url,
      ssh: 'ssh://bastion',
      pollIntervalMs: POLL_MS
    }
  })
})

afterAll(async () => {
  await core?.close()
  await Promise.allSettled([pg?.stop(), redis?.stop(), sshd?.stop(), sshdLocked?.stop()])
})

describe('SSH tunnels against a real sshd', () => {
  it('reaches Postgres and Redis through the bastion named in ~/.ssh/config', async () => {
    await call('monitor.start', { profile: 'behind-bastion' })
    await eventually('postgres up through SSH', () => latest('behind-bastion', 'postgres')?.health === 'up', 30_000)
    await eventually('redis up through SSH', () => latest('behind-bastion', 'redis')?.health === 'up', 30_000)
    // The clients connect to the tunnel's local end, never to the servers' own ports.
    expect(latest('behind-bastion', 'postgres')!.endpoint).toBe(`127.0.0.1:${pg.port}/app via ssh`)
  })

  it('tests the connection step by step: SSH login, TCP from the bastion, then the servers', async () => {
    const tests: ConnectionTest[] = await call('profiles.testConnection', { profile: 'behind-bastion' })
    expect(tests.map(steps)).toEqual([
      [
        ['ssh', true],
        ['tcp', true],
        ['authentication', true],
        ['version', true],
        ['privileges', true]
      ],
      [
        ['ssh', true],
        ['tcp', true],
        ['authentication', true],
        ['version', true],
        ['privileges', true]
      ]
    ])
    expect(tests[0]!.steps[0]!.detail).toMatch(new RegExp(`logged in to ${sshd.user}@127\\.0\\.0\\.1:${sshd.port}, host key checked`))
    expect(tests[0]!.steps[1]!.detail).toBe(`the bastion reached 127.0.0.1:${pg.port}`)
  })

  it('killing the sshd marks both targets down with the SSH cause; restarting it recovers them within two polls', async () => {
    await sshd.kill()
    try {
      await eventually('postgres down', () => latest('behind-bastion', 'postgres')?.health === 'down', 30_000)
      await eventually('redis down', () => latest('behind-bastion', 'redis')?.health === 'down', 30_000)
      // The poll that finds the connection cut may see only the cut ("Connection terminated
      // unexpectedly") before the tunnel has noticed; the next one, which must open the tunnel
      // again, says why.
      await eventually(
        'the SSH cause on the postgres target',
        () => /SSH 127\.0\.0\.1:\d+|bastion/.test(latest('behind-bastion', 'postgres')?.lastError ?? ''),
        30_000
      )
      expect(latest('behind-bastion', 'postgres')!.health).toBe('down')
    } finally {
      // The servers themselves never went away; the tests after this one need the bastion back.
      await sshd.restart()
    }
    const mark = states.length
    await eventually('postgres up again', () => latest('behind-bastion', 'postgres')?.health === 'up', 60_000)
    await eventually('redis up again', () => latest('behind-bastion', 'redis')?.health === 'up', 60_000)
    for (const id of ['postgres', 'redis']) {
      const polls = states.slice(mark).filter((s) => s.targetId === id)
      const firstUp = polls.findIndex((s) => s.health === 'up')
      expect(firstUp, `${id}: polls after the restart before it was up`).toBeLessThan(2)
    }
  })

  it('refuses an unknown host key, showing the fingerprint the server presented', async () => {
    const empty = join(tempDir(), 'known_hosts')
    writeFileSync(empty, '')
    await call('profiles.save', {
      profile: {
        name: 'unknown-key',
        environment: 'dev',
        redis: redis.url,
        ssh: 'ssh://bastion',
        sshKnownHostsFile: empty,
        pollIntervalMs: POLL_MS
      }
    })
    const [t] = await call('profiles.testConnection', { profile: 'unknown-key' })
    expect(steps(t)).toEqual([['ssh', false]])
    expect(t.steps[0].detail).toContain(`is unknown: ${sshd.hostKeyFingerprint} is not in ${empty}`)
  })

  it('refuses a changed host key as a possible machine in the middle', async () => {
    const other = await startSshd()
    try {
      // known_hosts says another key lives at this name and port: the other server's.
      const forged = join(tempDir(), 'known_hosts')
      writeFileSync(forged, readFileSync(other.knownHostsFile, 'utf8').replace(`]:${other.port} `, `]:${sshd.port} `))
      await call('profiles.save', {
        profile: {
          name: 'changed-key',
          environment: 'dev',
          redis: redis.url,
          ssh: 'ssh://bastion',
          sshKnownHostsFile: forged,
          pollIntervalMs: POLL_MS
        }
      })
      const [t] = await call('profiles.testConnection', { profile: 'changed-key' })
      expect(steps(t)).toEqual([['ssh', false]])
      expect(t.steps[0].detail).toMatch(/CHANGED: .* line 1 holds another ssh-ed25519 key, the server shows SHA256:/)
      expect(t.steps[0].detail).toContain(sshd.hostKeyFingerprint)
    } finally {
      await other.stop()
    }
  })

  it('a pinned host key replaces known_hosts: the right one connects, another is refused', async () => {
    const empty = join(tempDir(), 'known_hosts')
    writeFileSync(empty, '')
    const base = { environment: 'dev', redis: redis.url, ssh: 'ssh://bastion', sshKnownHostsFile: empty, pollIntervalMs: POLL_MS }
    await call('profiles.save', { profile: { ...base, name: 'pinned-right', sshHostKey: sshd.hostKeyFingerprint } })
    await call('profiles.save', { profile: { ...base, name: 'pinned-wrong', sshHostKey: `SHA256:${'A'.repeat(43)}` } })
    const [right] = await call('profiles.testConnection', { profile: 'pinned-right' })
    expect(right.ok).toBe(true)
    const [wrong] = await call('profiles.testConnection', { profile: 'pinned-wrong' })
    expect(wrong.steps[0].detail).toContain(`is ${sshd.hostKeyFingerprint}, not the pinned SHA256:AAAA`)
  })

  it('follows one ProxyJump hop to the bastion', async () => {
    await call('profiles.save', {
      profile: {
        name: 'via-jump',
        environment: 'dev',
        redis: redis.url,
        ssh: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
        sshIdentityFile: sshd.clientKeyFile,
        sshProxyJump: 'jumpbox',
        pollIntervalMs: POLL_MS
      }
    })
    const [t] = await call('profiles.testConnection', { profile: 'via-jump' })
    expect(steps(t)).toEqual([
      ['ssh', true],
      ['tcp', true],
      ['authentication', true],
      ['version', true],
      ['privileges', true]
    ])
    expect(t.steps[0].detail).toMatch(/via 127\.0\.0\.1:\d+/)
  })

  it('opens an encrypted key with the passphrase from the secret store, which never reaches profiles.json', async () => {
    const known = join(tempDir(), 'known_hosts')
    copyFileSync(sshdLocked.knownHostsFile, known)
    const ssh = `ssh://${sshdLocked.user}:${encodeURIComponent(PASSPHRASE)}@127.0.0.1:${sshdLocked.port}`
    const profile = {
      name: 'locked-key',
      environment: 'dev',
      redis: redis.url,
      ssh,
      sshIdentityFile: sshdLocked.clientKeyFile,
      sshKnownHostsFile: known,
      pollIntervalMs: POLL_MS
    }
    const saved = await call('profiles.save', { profile })
    expect(saved.secrets.ssh).toBe(true)
    expect(JSON.stringify(saved)).not.toContain('battery')
    expect(readFileSync(join(dataDir, 'profiles.json'), 'utf8')).not.toContain('battery')
    const [t] = await call('profiles.testConnection', { profile: 'locked-key' })
    expect(t.ok).toBe(true)
    // A wrong passphrase: the key cannot be read, and the message says so without repeating it.
    await call('profiles.save', {
      profile: { ...profile, ssh: `ssh://${sshdLocked.user}:wrong-phrase@127.0.0.1:${sshdLocked.port}` },
      replace: true
    })
    const [bad] = await call('profiles.testConnection', { profile: 'locked-key' })
    expect(bad.steps[0]).toMatchObject({ step: 'ssh', ok: false })
    expect(bad.steps[0].detail).toMatch(/could not be read: wrong passphrase/)
    expect(bad.steps[0].detail).not.toContain('wrong-phrase')
  })

  it('logs in with a key held by ssh-agent, with no key file and no passphrase of its own', async () => {
    const sock = join(tempDir(), 'agent.sock')
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' })
    const other = createCore({
      dataDir: tempDir(),
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      transport: 'websocket',
      // No ~/.ssh of its own: the agent is the only way in.
      env: { HOME: tempDir(), SSH_AUTH_SOCK: sock }
    })
    try {
      await eventually('the agent’s socket', () => existsSync(sock))
      execFileSync('ssh-add', [sshd.clientKeyFile], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'pipe' })
      const r = await other.dispatch('profiles.save', {
        profile: {
          name: 'via-agent',
          environment: 'dev',
          redis: redis.url,
          ssh: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
          sshKnownHostsFile: sshd.knownHostsFile
        }
      })
      expect(r.ok).toBe(true)
      const t = await other.dispatch('profiles.testConnection', { profile: 'via-agent' })
      expect(t.ok && (t.result as ConnectionTest[])[0]!.ok).toBe(true)
    } finally {
      await other.close()
      agent.kill()
    }
  })

  it('checks a TLS server’s certificate against its own name through the tunnel, not against the tunnel’s 127.0.0.1', async () => {
    const pki = makePki(tempDir())
    // Certificates for "localhost" by name only: checked against 127.0.0.1 they would fail.
    const files = tempDir()
    const settings = { ssl: 'on', ssl_cert_file: join(files, 'server.pem'), ssl_key_file: join(files, 'server.key') }
    copyFileSync(pki.named.cert, settings.ssl_cert_file)
    copyFileSync(pki.named.key, settings.ssl_key_file)
    chmodSync(settings.ssl_key_file, 0o600)
    if (process.getuid?.() === 0) {
      const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim())
      for (const f of [files, settings.ssl_cert_file, settings.ssl_key_file]) chownSync(f, id('-u'), id('-g'))
    }
    const tlsPg = await startPostgres({ extraSettings: settings })
    const tlsRedis = await startRedis([], { certFile: pki.named.cert, keyFile: pki.named.key, caFile: pki.ca })
    try {
      const dsn = new URL(tlsPg.dsn)
      dsn.hostname = 'localhost'
      dsn.search = `?sslmode=verify-full&sslrootcert=${encodeURIComponent(pki.ca)}`
      await call('profiles.save', {
        profile: {
          name: 'tls-behind-bastion',
          environment: 'dev',
          postgres: dsn.toString(),
          redis: `rediss://localhost:${tlsRedis.port}/0`,
          redisCaFile: pki.ca,
          ssh: 'ssh://bastion',
          pollIntervalMs: POLL_MS
        }
      })
      const tests: ConnectionTest[] = await call('profiles.testConnection', { profile: 'tls-behind-bastion' })
      expect(tests.map((t) => [t.target, t.ok, t.steps.at(-1)!.detail])).toEqual([
        ['postgres', true, expect.any(String)],
        ['redis', true, expect.any(String)]
      ])
      expect(tests[0]!.steps.find((x) => x.step === 'authentication')!.detail).toBe('as "postgres", over TLS')
    } finally {
      await Promise.allSettled([tlsPg.stop(), tlsRedis.stop()])
    }
  })
})
