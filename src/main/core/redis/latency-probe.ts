import { readFileSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import type { RedisTarget, RedisTlsFiles } from './connection'

/**
 * The probe's own thread: PINGs one at a time over a raw RESP connection (TLS and AUTH when the
 * target needs them) and keeps, in shared memory, the worst round trip in microseconds since
 * the main thread last looked ([0]) and overall ([1]). It has its own event loop, so the job's
 * work on the main thread never shows up as server latency.
 */
const PROBE_SOURCE = `
const { workerData } = require('node:worker_threads')
const net = require('node:net')
const tls = require('node:tls')
const { host, port, useTls, user, password, shared, ca, cert, key, tlsName } = workerData
// Through an SSH tunnel the certificate names the server, not the tunnel's 127.0.0.1.
const identity = tlsName
  ? { ...(net.isIP(tlsName) ? {} : { servername: tlsName }), checkServerIdentity: (h, c) => tls.checkServerIdentity(tlsName, c) }
  : net.isIP(host) ? {} : { servername: host }
const worst = new Int32Array(shared)
const bulk = (s) => '$' + Buffer.byteLength(s) + '\\r\\n' + s + '\\r\\n'
const cmd = (...args) => '*' + args.length + '\\r\\n' + args.map(bulk).join('')
const sock = useTls ? tls.connect({ host, port, rejectUnauthorized: true, ...identity, ...(ca ? { ca } : {}), ...(cert ? { cert, key } : {}) }) : net.connect({ host, port })
sock.setNoDelay(true)
let sentAt = 0
let buf = ''
let authed = !password
const max = (i, v) => { for (;;) { const cur = Atomics.load(worst, i); if (v <= cur || Atomics.compareExchange(worst, i, cur, v) === cur) return } }
const ping = () => { sentAt = performance.now(); sock.write('PING\\r\\n') }
sock.on(useTls ? 'secureConnect' : 'connect', () => {
  if (password) sock.write(user ? cmd('AUTH', user, password) : cmd('AUTH', password))
  else ping()
})
sock.on('data', (d) => {
  buf += d
  let i
  while ((i = buf.indexOf('\\r\\n')) !== -1) {
    const line = buf.slice(0, i)
    buf = buf.slice(i + 2)
    if (!authed) { authed = true; if (line[0] === '-') { Atomics.store(worst, 2, 1); sock.destroy(); return } ping(); continue }
    const us = Math.round((performance.now() - sentAt) * 1000)
    max(0, us)
    max(1, us)
    setImmediate(ping)
  }
})
sock.on('error', () => Atomics.store(worst, 2, 1))
`

export class ThreadLatencyProbe {
  private readonly worker: Worker
  private readonly worst: Int32Array

  constructor(target: RedisTarget, password: string | null, tlsFiles?: RedisTlsFiles | null) {
    const shared = new SharedArrayBuffer(3 * 4)
    this.worst = new Int32Array(shared)
    this.worker = new Worker(PROBE_SOURCE, {
      eval: true,
      workerData: {
        host: target.host,
        port: target.port,
        useTls: target.tls,
        tlsName: target.tlsName ?? null,
        user: target.user,
        password,
        shared,
        ca: tlsFiles?.ca ? readFileSync(tlsFiles.ca, 'utf8') : null,
        cert: tlsFiles?.cert ? readFileSync(tlsFiles.cert, 'utf8') : null,
        key: tlsFiles?.key ? readFileSync(tlsFiles.key, 'utf8') : null
      }
    })
    this.worker.unref()
  }

  /** The worst PING round trip since the last call, in milliseconds. */
  take(): number {
    return Atomics.exchange(this.worst, 0, 0) / 1000
  }

  /** The worst round trip since the probe started, in milliseconds. */
  get worstMs(): number {
    return Atomics.load(this.worst, 1) / 1000
  }

  /** True when the probe could not connect or authenticate: the job then runs unthrottled. */
  get failed(): boolean {
    return Atomics.load(this.worst, 2) === 1
  }

  /** Waits, a few milliseconds at a time, for the first round trip, a failure or the timeout. */
  async ready(timeoutMs: number): Promise<boolean> {
    const until = performance.now() + timeoutMs
    while (Atomics.load(this.worst, 1) === 0 && !this.failed) {
      if (performance.now() >= until) return false
      await new Promise((r) => setTimeout(r, 5))
    }
    return !this.failed
  }

  async stop(): Promise<void> {
    await this.worker.terminate()
  }
}
