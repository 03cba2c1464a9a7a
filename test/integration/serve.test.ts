import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { request } from 'node:http'
import { tempDir } from '../helpers/temp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { serve, type RunningServer } from '../../src/main/serve/server'
import { eventually, startRedis, type RedisHandle } from '../harness'
import { wsRpc } from '../helpers/ws-rpc'

const TOKEN = 'test-token-0123456789abcdef'
let core: Core
let server: RunningServer
let redis: RedisHandle

function get(
  path: string,
  headers: Record<string, string> = {}
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

function openWs(opts: { token?: string; origin?: string; cookie?: boolean } = {}): Promise<{ ws: WebSocket } | { status: number }> {
  return new Promise((resolve) => {
    const url = `ws://127.0.0.1:${server.port}/api${opts.token && !opts.cookie ? `?token=${opts.token}` : ''}`
    const headers: Record<string, string> = {}
    if (opts.cookie && opts.token) headers.cookie = `lookout_token_${server.port}=${opts.token}`
    const ws = new WebSocket(url, { headers, ...(opts.origin ? { origin: opts.origin } : {}) })
    ws.on('open', () => resolve({ ws }))
    ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode! }))
    ws.on('error', () => {})
  })
}

const rpc = wsRpc

beforeAll(async () => {
  const renderer = tempDir()
  mkdirSync(join(renderer, 'assets'))
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lookout</title>')
  writeFileSync(join(renderer, 'assets', 'app.js'), 'console.log(1)')
  redis = await startRedis()
  core = createCore({
    dataDir: tempDir(),
    secrets: new MemorySecretStore(),
    notifier: { notify() {} },
    transport: 'websocket'
  })
  server = await serve({ core, rendererDir: renderer, token: TOKEN })
})

afterAll(async () => {
  await server?.close()
  await core?.close()
  await redis?.stop()
})

describe('lookout serve', () => {
  it('binds loopback and prints a URL with the token', () => {
    expect(server.host).toBe('127.0.0.1')
    expect(server.urlWithToken).toBe(`http://127.0.0.1:${server.port}/?token=${TOKEN}`)
  })

  it('refuses every HTTP request without the right token', async () => {
    expect((await get('/')).status).toBe(401)
    expect((await get('/assets/app.js')).status).toBe(401)
    expect((await get('/?token=wrong')).status).toBe(401)
    expect((await get('/', { cookie: `lookout_token_${server.port}=wrong` })).status).toBe(401)
  })

  it('swaps the URL token for an HttpOnly SameSite cookie, then serves with a CSP', async () => {
    const first = await get(`/?token=${TOKEN}`)
    expect(first.status).toBe(303)
    expect(first.headers.location).toBe('/')
    expect(String(first.headers['set-cookie'])).toMatch(new RegExp(`lookout_token_${server.port}=.+; HttpOnly; SameSite=Strict`))
    const page = await get('/', { cookie: `lookout_token_${server.port}=${TOKEN}` })
    expect(page.status).toBe(200)
    expect(page.body).toContain('<title>Lookout</title>')
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect((await get('/assets/app.js', { authorization: `Bearer ${TOKEN}` })).headers['content-type']).toMatch(/javascript/)
  })

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await get('/', { cookie: `lookout_token_${server.port}=${TOKEN}`, host: `evil.example:${server.port}` })).status).toBe(421)
  })

  it('refuses a WebSocket without the token or from another origin', async () => {
    expect(await openWs()).toEqual({ status: 401 })
    expect(await openWs({ token: 'nope' })).toEqual({ status: 401 })
    expect(await openWs({ token: TOKEN, origin: 'http://evil.example' })).toEqual({ status: 403 })
  })

  it('serves the declared API over the WebSocket and validates every frame', async () => {
    const r = await openWs({ token: TOKEN, cookie: true, origin: `http://127.0.0.1:${server.port}` })
    if (!('ws' in r)) throw new Error(`refused: ${r.status}`)
    const ws = r.ws
    expect(await rpc(ws, 1, 'app.info', {})).toMatchObject({ id: 1, ok: true, result: { name: 'Lookout', transport: 'websocket' } })
    expect(await rpc(ws, 2, 'no.such', {})).toMatchObject({ id: 2, ok: false, error: { code: 'unknown_method' } })
    expect(await rpc(ws, 3, 'monitor.start', { profile: 'missing' })).toMatchObject({ id: 3, ok: false, error: { code: 'not_found' } })
    // Events flow to the socket: save a profile on the real Redis and watch its state arrive.
    const events: any[] = []
    ws.on('message', (d) => {
      const f = JSON.parse(d.toString())
      if (f.event) events.push(f)
    })
    expect(
      await rpc(ws, 4, 'profiles.save', { profile: { name: 'r', environment: 'dev', redis: redis.url, pollIntervalMs: 500 } })
    ).toMatchObject({ ok: true })
    expect(await rpc(ws, 5, 'monitor.start', { profile: 'r' })).toMatchObject({ ok: true, result: { profile: 'r' } })
    await eventually('a target.state event', () => events.find((e) => e.event === 'target.state' && e.payload.health === 'up'))
    const closed = new Promise<number>((res) => ws.on('close', (code) => res(code)))
    ws.send('{not json')
    expect(await closed).toBe(1007)
  })
})
