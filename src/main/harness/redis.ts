import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from './binaries'
import { freePort, waitFor } from './net'
import { ServerProcess } from './process'

export interface RedisHandle {
  port: number
  url: string
  dir: string
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

/** Sends one inline command and resolves with the first reply line. */
export function redisPing(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once('connect', () => s.write('PING\r\n'))
    // A server that wants a password answers -NOAUTH: it is up all the same.
    s.once('data', (d) => done(/^(\+PONG|-NOAUTH)/.test(d.toString())))
    s.once('error', () => done(false))
  })
}

/** A throw-away redis-server on a free loopback port, no persistence. */
export async function startRedis(extraArgs: string[] = []): Promise<RedisHandle> {
  const bin = findBinary('redis-server', 'redis-server')
  const dir = mkdtempSync(join(tmpdir(), 'lookout-redis-'))
  const port = await freePort()
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--save',
    '',
    '--appendonly',
    'no',
    '--dir',
    dir,
    '--loglevel',
    'warning',
    ...extraArgs
  ]
  const proc = new ServerProcess('redis', bin, args)
  const waitReady = () =>
    waitFor(
      'Redis',
      async () => {
        if (!proc.running) throw new Error(`redis-server exited:\n${proc.tail()}`)
        return redisPing(port)
      },
      15_000,
      () => proc.tail()
    )
  proc.start()
  await waitReady()
  return {
    port,
    url: `redis://127.0.0.1:${port}/0`,
    dir,
    kill: () => proc.kill('SIGKILL'),
    async restart() {
      await proc.kill('SIGKILL')
      proc.start()
      await waitReady()
    },
    async stop() {
      await proc.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
