import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { mkdirSync, writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { Redis } from 'ioredis'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { serve, type RunningServer } from '../../src/main/serve/server'
import { exportPlan } from '../../src/shared/plan-export'
import type { ExplainResult } from '../../src/shared/explain'
import { eventually, startPostgres, startRedis, startSshd, type PostgresHandle, type RedisHandle, type SshdHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { wsRpc } from '../helpers/ws-rpc'
import { tempDir } from '../helpers/temp'

/**
 * `profiles.save` was the way around every other guard: re-saving a prod profile as dev made a
 * flush pass with "confirm", and re-pointing a profile at another host sent it the stored
 * passwords. And some passwords reached profiles.json and the renderer. Each attack below is
 * made for real.
 */

const REDIS_PW = 'redis-pw-Zq81'
let redis: RedisHandle
let pgServer: PostgresHandle

/** A server on loopback that records every byte a client sends it and answers each read with an error. */
async function sniffer(
  reply: (data: Buffer) => Buffer | string,
  hangUp = false
): Promise<{ port: number; got: () => string; close(): void }> {
  const chunks: Buffer[] = []
  const sockets: Socket[] = []
  const srv: Server = createServer((s) => {
    sockets.push(s)
    s.on('error', () => {})
    s.on('data', (d) => {
      chunks.push(d)
      s.write(reply(d))
      if (hangUp) s.end()
    })
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
  return {
    port: (srv.address() as { port: number }).port,
    got: () => Buffer.concat(chunks).toString('latin1'),
    close() {
      for (const s of sockets) s.destroy()
      srv.close()
    }
  }
}

beforeAll(async () => {
  redis = await startRedis(['--requirepass', REDIS_PW])
  pgServer = await startPostgres()
})

afterAll(async () => {
  await redis?.stop()
  await pgServer?.stop()
})

describe('profile edits are guarded and audited', () => {
  let core: Core
  const call = coreCaller(() => core)
  const redisUrl = () => `redis://:${REDIS_PW}@127.0.0.1:${redis.port}/0`
  const guardDir = tempDir()

  beforeAll(async () => {
    core = createCore({ dataDir: guardDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    await call('profiles.save', {
      profile: { name: 'payments', environment: 'prod', readOnly: true, redis: redisUrl(), postgres: pgServer.dsn }
    })
    const r = new Redis(redisUrl())
    await r.set('order:1', 'x')
    await r.quit()
  })
  afterAll(() => core?.close())

  const current = async () => {
    const { secrets: _s, ...p } = (await call('profiles.list', {})).find((x: { name: string }) => x.name === 'payments')
    return p
  }

  it('re-saving prod as a writable dev profile needs the prod name typed; "confirm" is refused and audited, the flush stays refused', async () => {
    const p = await current()
    await expect(
      call('profiles.save', {
        profile: { ...p, environment: 'dev', readOnly: false, allowFlush: true },
        replace: true,
        confirmation: 'confirm'
      })
    ).rejects.toMatchObject({ code: 'refused', message: expect.stringContaining('needs its name typed') })
    const [line] = await call('audit.recent', { limit: 1 })
    expect(line).toMatchObject({ profile: 'payments', environment: 'prod', action: 'save profile', outcome: 'refused' })
    expect(await current()).toMatchObject({ environment: 'prod', readOnly: true, allowFlush: false })
    await expect(call('cache.flush', { profile: 'payments', confirmation: 'confirm' })).rejects.toMatchObject({ code: 'refused' })
    const r = new Redis(redisUrl())
    expect(await r.exists('order:1')).toBe(1)
    await r.quit()
  })

  it('an edit that changes no guarded field needs no confirmation; one that does is audited with the fields, never their values', async () => {
    const p = await current()
    await call('profiles.save', { profile: { ...p, pollIntervalMs: 5000 }, replace: true })
    await call('profiles.save', { profile: { ...p, pollIntervalMs: 5000, readOnly: false }, replace: true, confirmation: 'payments' })
    const lines = readFileSync(join(guardDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    const [quiet, loud] = lines.slice(-2)
    expect(quiet).toMatchObject({ action: 'save profile', outcome: 'ok', details: { changed: ['pollIntervalMs'] } })
    expect(loud).toMatchObject({ action: 'save profile', outcome: 'ok', details: { changed: ['readOnly'] } })
    expect(JSON.stringify(lines)).not.toContain(REDIS_PW)
  })

  it('re-pointing the Redis URL at another host drops the stored password: the new host never receives it', async () => {
    const fake = await sniffer(() => '-ERR not a real server\r\n', true)
    try {
      const p = await current()
      await call('profiles.save', {
        profile: { ...p, redis: `redis://127.0.0.1:${fake.port}/0` },
        replace: true,
        confirmation: 'payments'
      })
      expect((await call('profiles.list', {})).find((x: { name: string }) => x.name === 'payments').secrets.redis).toBe(false)
      await expect(call('cache.inspect', { profile: 'payments', key: 'order:1' })).rejects.toBeDefined()
      await eventually('the fake server to be contacted', () => fake.got().length > 0 || null)
      expect(fake.got()).not.toContain(REDIS_PW)
      const [line] = (await call('audit.recent', { limit: 5 })).filter((l: { action: string }) => l.action === 'save profile')
      expect(line.outcome).toBe('ok')
    } finally {
      fake.close()
    }
  })

  it('re-pointing the Postgres DSN drops its password: a server asking for it in cleartext gets nothing', async () => {
    // AuthenticationCleartextPassword after the startup message, then whatever the client sends.
    const fake = await sniffer(() => Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]))
    try {
      const p = await current()
      await call('profiles.save', {
        profile: { ...p, postgres: `postgresql://postgres@127.0.0.1:${fake.port}/app` },
        replace: true,
        confirmation: 'payments'
      })
      await expect(call('postgres.relationCache', { profile: 'payments' })).rejects.toBeDefined()
      await eventually('the fake server to be contacted', () => fake.got().length > 0 || null)
      expect(fake.got()).not.toContain(pgServer.password)
    } finally {
      fake.close()
    }
  })
})

describe('no secret in any field reaches disk in plain text, the renderer, an event, the audit log or an export', () => {
  const SECRETS = {
    postgres: 'pg-query-pw-K2x9',
    redis: REDIS_PW,
    replica: 'replica-pw-H7t3',
    prometheus: 'prom-pw-W4e1',
    promToken: 'prom-token-Q9z5',
    alertmanager: 'am-pw-B6n2',
    metrics: 'metrics-pw-J3m8',
    metricsToken: 'metrics-token-V1c4',
    sshPassphrase: 'ssh-key-passphrase-D8r2'
  }
  let sshd: SshdHandle
  let core: Core
  let server: RunningServer
  let http: HttpServer
  let httpPort = 0
  const dataDir = tempDir()
  const traffic: string[] = []
  const authSeen: string[] = []

  beforeAll(async () => {
    // One HTTP server plays Prometheus, Alertmanager and a /metrics page; it records the credentials it is sent.
    http = createHttpServer((req, res) => {
      authSeen.push(String(req.headers.authorization ?? '') + ' ' + req.url)
      if (req.url?.startsWith('/metrics')) {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
        return res.end('# TYPE up gauge\nup 1\n')
      }
      res.writeHead(503, { 'content-type': 'text/plain' })
      res.end('unavailable')
    })
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', () => r()))
    httpPort = (http.address() as { port: number }).port
    const renderer = tempDir()
    mkdirSync(join(renderer, 'assets'))
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lookout</title>')
    // Postgres is reached through a bastion whose key only the passphrase opens: the passphrase is really used.
    sshd = await startSshd({ clientKeyPassphrase: SECRETS.sshPassphrase })
    core = createCore({
      dataDir,
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      transport: 'websocket',
      env: { HOME: tempDir() }
    })
    server = await serve({ core, rendererDir: renderer, token: 'tok-0123456789abcdef' })
  })
  afterAll(async () => {
    await server?.close()
    await core?.close()
    http?.close()
    await sshd?.stop()
  })

  it('with every field carrying a distinctive secret, the whole API session and the data directory are scanned', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api?token=tok-0123456789abcdef`, { origin: `http://127.0.0.1:${server.port}` })
    await new Promise((r, j) => ws.once('open', r).once('error', j))
    ws.on('message', (d) => traffic.push(d.toString()))
    let id = 0
    const rpc = (method: string, params: unknown) => wsRpc(ws, ++id, method, params, traffic)
    const dsn = new URL(pgServer.dsn)
    dsn.password = ''
    dsn.searchParams.set('password', pgServer.password)
    const profile = {
      name: 'everything',
      environment: 'staging',
      postgres: dsn.toString(),
      redis: `redis://:${SECRETS.redis}@127.0.0.1:${redis.port}/0`,
      redisReplica: `redis://:${SECRETS.replica}@127.0.0.1:${redis.port}/0`,
      prometheus: `http://ops:${SECRETS.prometheus}@127.0.0.1:${httpPort}/?token=${SECRETS.promToken}`,
      alertmanager: `http://ops:${SECRETS.alertmanager}@127.0.0.1:${httpPort}/am`,
      metrics: [`http://scrape:${SECRETS.metrics}@127.0.0.1:${httpPort}/metrics?access_token=${SECRETS.metricsToken}`],
      ssh: `ssh://${sshd.user}:${SECRETS.sshPassphrase}@127.0.0.1:${sshd.port}`,
      sshIdentityFile: sshd.clientKeyFile,
      sshKnownHostsFile: sshd.knownHostsFile,
      sshTargets: ['postgres'],
      pollIntervalMs: 500
    }
    const saved = await rpc('profiles.save', { profile })
    expect(saved).toMatchObject({ ok: true })
    expect((await rpc('monitor.start', { profile: 'everything' })).ok).toBe(true)
    // Every target polled at least once, successes and failures alike.
    await eventually('every target polled', () => {
      const states = traffic.filter((t) => t.includes('"target.state"')).map((t) => JSON.parse(t).payload)
      const ids = new Set(states.filter((s) => s.lastPollAt).map((s) => s.targetId))
      return ['postgres', 'redis', 'prometheus', 'metrics-0'].every((t) => ids.has(t)) || null
    })
    await rpc('alertmanager.silences', { profile: 'everything' })
    await rpc('prom.query', { profile: 'everything', expr: 'up' })
    await rpc('cache.inspect', { profile: 'everything', key: 'nope' })
    await rpc('cache.analyse', { profile: 'everything', sampleKeys: 100 })
    const started = await rpc('explain.run', { profile: 'everything', sql: 'SELECT 1', analyze: true })
    expect(started.ok).toBe(true)
    // EXPLAIN runs as a job: its plan comes in its job.done event, which is scanned below with the rest.
    const explained = await eventually('the EXPLAIN job ended', () => {
      const frames = traffic.map((t) => JSON.parse(t) as { event?: string; payload?: { jobId?: string } })
      return frames.find((f) => f.event === 'job.done' && f.payload?.jobId === started.result.jobId)?.payload ?? null
    })
    expect(explained).toMatchObject({ error: null })
    await rpc('cache.flush', { profile: 'everything', confirmation: 'confirm' })
    await rpc('audit.recent', { limit: 100 })
    await rpc('profiles.list', {})
    const exported = await rpc('profiles.export', {})
    expect(exported.ok).toBe(true)
    // Through the tunnel, with the key the passphrase opened.
    const tests = await rpc('profiles.testConnection', { profile: 'everything', target: 'postgres' })
    expect(tests.result[0].steps.map((x: { step: string; ok: boolean }) => [x.step, x.ok]).slice(0, 3)).toEqual([
      ['ssh', true],
      ['tcp', true],
      ['authentication', true]
    ])
    ws.close()
    await core.dispatch('monitor.stop', { profile: 'everything' })

    // The secrets really were used: the peers saw them, so their absence below means something.
    expect(authSeen.some((a) => a.includes('Basic ' + Buffer.from(`ops:${SECRETS.prometheus}`).toString('base64')))).toBe(true)
    expect(authSeen.some((a) => a.includes(`token=${SECRETS.promToken}`))).toBe(true)
    expect(authSeen.some((a) => a.includes(`access_token=${SECRETS.metricsToken}`))).toBe(true)

    const files: string[] = []
    const walk = (d: string) => {
      for (const f of readdirSync(d)) {
        const p = join(d, f)
        if (statSync(p).isDirectory()) walk(p)
        else files.push(readFileSync(p, 'latin1'))
      }
    }
    walk(dataDir)
    const outbound = traffic.filter((t) => !t.startsWith('{"id":1,"method":"profiles.save"') && !t.includes('"part"'))
    const plan = exportPlan((explained as { result: ExplainResult }).result, 'SELECT 1', false)
    const haystacks = { 'data directory': files.join('\n'), 'API traffic': outbound.join('\n'), 'plan export': plan }
    for (const [where, text] of Object.entries(haystacks))
      for (const [field, secret] of Object.entries({ ...SECRETS, pgPassword: pgServer.password }))
        expect(text.includes(secret), `the ${field} secret appears in the ${where}`).toBe(false)
    expect(files.length).toBeGreaterThanOrEqual(2)
  })
})
