import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect, createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { MAX_FRAME_BYTES } from '../../src/shared/api'
import { wsRpc } from '../helpers/ws-rpc'
import { eventually } from '../harness'
import { tempDir } from '../helpers/temp'

/**
 * Attacks on `lookout serve` with real sockets, against the server in a process of its own: a
 * crash shows as that process exiting. After each attack a fresh client must still load the page
 * and make an API call.
 */

const ROOT = join(__dirname, '..', '..')
let child: ChildProcess
let port = 0
let token = ''
let exited: number | null | undefined

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return Number(m![1])
}

beforeAll(async () => {
  const dataDir = tempDir()
  const renderer = tempDir()
  const { mkdirSync, writeFileSync } = await import('node:fs')
  mkdirSync(join(renderer, 'assets'))
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lookout</title>')
  child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test/helpers/serve-child.ts'), dataDir, renderer], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  child.on('exit', (code) => (exited = code))
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const url = await eventually('lookout serve to print its URL', () => /http:\/\/127\.0\.0\.1:(\d+)\/\?token=(\S+)/.exec(out), 60_000)
  port = Number(url[1])
  token = url[2]!
})

afterAll(() => {
  child?.kill('SIGKILL')
})

const origin = () => `http://127.0.0.1:${port}`

function getPage(): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { cookie: `lookout_token_${port}=${token}` } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode!))
    })
    req.on('error', reject)
    req.end()
  })
}

function openClient(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`, { headers: { cookie: `lookout_token_${port}=${token}` }, origin: origin() })
    ws.once('open', () => resolve(ws))
    ws.once('error', reject)
    ws.once('unexpected-response', (_q, r) => reject(new Error(`upgrade refused: ${r.statusCode}`)))
  })
}

const rpc = wsRpc

/** The server is alive and serving: the process runs, the page loads, an API call answers. */
async function stillServing() {
  expect(exited, 'the server process exited').toBeUndefined()
  expect(await getPage()).toBe(200)
  const ws = await openClient()
  try {
    expect(await rpc(ws, 1, 'app.info', {})).toMatchObject({ ok: true, result: { name: 'Lookout' } })
  } finally {
    ws.close()
  }
}

function rawSocket(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s))
    s.on('error', () => {})
    s.once('error', reject)
  })
}

/** A raw socket past a valid, authenticated upgrade: whatever is written next is a frame. */
async function upgradedSocket(): Promise<Socket> {
  const s = await rawSocket()
  s.write(
    [
      'GET /api HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
      'Sec-WebSocket-Version: 13',
      `Origin: ${origin()}`,
      `Cookie: lookout_token_${port}=${token}`,
      '',
      ''
    ].join('\r\n')
  )
  await new Promise<void>((resolve, reject) => {
    let got = ''
    const onData = (d: Buffer) => {
      got += d.toString('latin1')
      if (got.includes('\r\n\r\n')) {
        s.off('data', onData)
        if (got.startsWith('HTTP/1.1 101')) resolve()
        else reject(new Error(got.split('\r\n')[0]))
      }
    }
    s.on('data', onData)
  })
  return s
}

/** A WebSocket frame header: FIN + text opcode, the given length, masked or not. */
function frameHeader(length: number, masked: boolean): Buffer {
  const mask = masked ? 0x80 : 0
  if (length < 126) return Buffer.from([0x81, mask | length])
  if (length < 65536) return Buffer.from([0x81, mask | 126, length >> 8, length & 255])
  const b = Buffer.alloc(10)
  b[0] = 0x81
  b[1] = mask | 127
  b.writeBigUInt64BE(BigInt(length), 2)
  return b
}

const closed = (s: Socket) => new Promise<void>((r) => (s.destroyed ? r() : s.once('close', () => r())))

describe('lookout serve under attack', () => {
  it('survives hundreds of TCP resets during unauthenticated upgrades', async () => {
    for (let batch = 0; batch < 6; batch++) {
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const s = await rawSocket()
          s.write(
            `GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`
          )
          // RST instead of FIN: the server's write of its refusal meets ECONNRESET.
          s.resetAndDestroy()
        })
      )
    }
    // Half-sent requests reset mid-header too.
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        const s = await rawSocket()
        s.write(`GET /api HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgr`)
        s.resetAndDestroy()
      })
    )
    await stillServing()
  })

  it('survives an unmasked frame after a valid upgrade', async () => {
    const s = await upgradedSocket()
    const body = Buffer.from(JSON.stringify({ id: 1, method: 'app.info', params: {} }))
    s.write(Buffer.concat([frameHeader(body.length, false), body]))
    await closed(s)
    await stillServing()
  })

  it('survives a frame over the size limit, and four 50 MiB frames do not grow its memory', async () => {
    const before = rssKb(child.pid!)
    for (let i = 0; i < 4; i++) {
      const s = await upgradedSocket()
      s.write(frameHeader(50 * 1024 * 1024, true))
      s.write(randomBytes(4))
      // Keep sending what a 50 MiB frame would carry until the server hangs up on it.
      const chunk = randomBytes(256 * 1024)
      let sent = 0
      while (!s.destroyed && sent < 50 * 1024 * 1024) {
        if (!s.write(chunk)) await new Promise<void>((r) => (s.destroyed ? r() : s.once('drain', r).once('close', r)))
        sent += chunk.length
      }
      s.destroy()
      expect(sent, 'the server read a whole oversized frame before closing').toBeLessThan(50 * 1024 * 1024)
    }
    const grew = rssKb(child.pid!) - before
    expect(grew, `RSS grew by ${grew} kB`).toBeLessThan(64 * 1024)
    await stillServing()
  })

  it('survives truncated frames and random bytes after a valid upgrade', async () => {
    for (let i = 0; i < 20; i++) {
      const s = await upgradedSocket()
      if (i % 2) {
        s.write(Buffer.concat([frameHeader(100, true), randomBytes(4), randomBytes(10)]))
        s.resetAndDestroy()
      } else {
        s.write(randomBytes(4096))
        await closed(s)
      }
    }
    await stillServing()
  })

  it('refuses a WebSocket without an Origin, even with the token', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api?token=${token}`)
      ws.on('unexpected-response', (_q, r) => resolve(r.statusCode!))
      ws.on('open', () => resolve(101))
      ws.on('error', () => {})
    })
    expect(status).toBe(403)
  })

  it('a request larger than one frame arrives in parts: a 10,000-node plan pasted whole', async () => {
    const plan = [
      {
        Plan: {
          'Node Type': 'Append',
          'Startup Cost': 0,
          'Total Cost': 10000,
          'Plan Rows': 10000,
          'Plan Width': 8,
          Plans: Array.from({ length: 10_000 }, (_, i) => ({
            'Node Type': 'Seq Scan',
            'Parent Relationship': 'Member',
            'Relation Name': `part_${i}`,
            Alias: `part_${i}`,
            'Startup Cost': 0,
            'Total Cost': 1,
            'Plan Rows': 1,
            'Plan Width': 8,
            Filter: `(value_${i} = 'some fairly long literal to make the plan large ${i}')`
          }))
        }
      }
    ]
    const text = JSON.stringify(plan)
    expect(text.length).toBeGreaterThan(2 * MAX_FRAME_BYTES)
    const ws = await openClient()
    try {
      const r = await rpc(ws, 7, 'explain.paste', { plan: text })
      expect(r).toMatchObject({ ok: true })
      expect(r.result.plan.nodes).toHaveLength(10_001)
    } finally {
      ws.close()
    }
    await stillServing()
  })

  it('a request past the parts limit is refused as busy and closed, and the server keeps serving', async () => {
    const ws = await openClient()
    const reply = new Promise<any>((resolve) => ws.on('message', (d) => resolve(JSON.parse(d.toString()))))
    const closedWith = new Promise<number>((resolve) => ws.on('close', (c) => resolve(c)))
    const data = 'x'.repeat(128 * 1024)
    // Declares 512 parts of 128 Ki characters (128 MiB as the server counts them); sends until the server stops it.
    for (let i = 0; i < 512 && ws.readyState === ws.OPEN; i++) ws.send(JSON.stringify({ id: 9, part: i, parts: 512, data }))
    expect(await reply).toMatchObject({ id: 9, ok: false, error: { code: 'busy' } })
    expect(await closedWith).toBe(1009)
    await stillServing()
  })

  it('caps the requests one client has in flight: past the cap, busy at once, never a queue', async () => {
    // A Prometheus that accepts connections and never answers: every query hangs until its timeout.
    const sockets: Socket[] = []
    const blackHole: Server = createServer((s) => {
      sockets.push(s)
      s.on('error', () => {})
    })
    await new Promise<void>((r) => blackHole.listen(0, '127.0.0.1', () => r()))
    const hole = (blackHole.address() as { port: number }).port
    const ws = await openClient()
    try {
      expect(
        await rpc(ws, 1, 'profiles.save', { profile: { name: 'hole', environment: 'dev', prometheus: `http://127.0.0.1:${hole}` } })
      ).toMatchObject({ ok: true })
      const replies: any[] = []
      ws.on('message', (d) => {
        const f = JSON.parse(d.toString())
        if (f.id >= 100) replies.push(f)
      })
      for (let i = 0; i < 40; i++) ws.send(JSON.stringify({ id: 100 + i, method: 'prom.query', params: { profile: 'hole', expr: 'up' } }))
      await eventually('8 busy replies', () => replies.filter((r) => r.error?.code === 'busy').length === 8 || null)
      expect(replies).toHaveLength(8)
      expect(replies.map((r) => r.id).sort()).toEqual([132, 133, 134, 135, 136, 137, 138, 139])
      // Another client is not affected by this one's cap.
      await stillServing()
    } finally {
      ws.close()
      for (const s of sockets) s.destroy()
      blackHole.close()
    }
  })
})

describe('lookout serve bound to 0.0.0.0', () => {
  it('accepts only the names it was given and its own, never any Host (DNS rebinding); the cookie of another port or the old name is not a session', async () => {
    const { createCore } = await import('../../src/main/core')
    const { MemorySecretStore } = await import('../../src/main/core/ports')
    const { serve } = await import('../../src/main/serve/server')
    const { mkdirSync, writeFileSync } = await import('node:fs')
    const renderer = tempDir()
    mkdirSync(join(renderer, 'assets'))
    writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Lookout</title>')
    const core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    const wide = await serve({
      core,
      rendererDir: renderer,
      host: '0.0.0.0',
      token: 'wide-token-0123456789',
      allowHosts: ['jump.example.net']
    })
    const status = (host: string, cookie: string) =>
      new Promise<number>((resolve, reject) => {
        // Every request goes to loopback; only the Host header and cookie differ.
        const req = request({ host: '127.0.0.1', port: wide.port, path: '/', headers: { host, cookie } }, (res) => {
          res.resume()
          resolve(res.statusCode!)
        })
        req.on('error', reject)
        req.end()
      })
    try {
      const good = `lookout_token_${wide.port}=wide-token-0123456789`
      expect(await status(`evil.example:${wide.port}`, good)).toBe(421)
      expect(await status(`attacker.rebind.example:${wide.port}`, good)).toBe(421)
      expect(await status(`jump.example.net:${wide.port}`, good)).toBe(200)
      expect(await status(`127.0.0.1:${wide.port}`, good)).toBe(200)
      expect(await status(`127.0.0.1:${wide.port}`, 'lookout_token=wide-token-0123456789')).toBe(401)
      expect(await status(`127.0.0.1:${wide.port}`, `lookout_token_${wide.port + 1}=wide-token-0123456789`)).toBe(401)
    } finally {
      await wide.close()
      await core.close()
    }
  })
})
