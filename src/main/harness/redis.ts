import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from './binaries'
import { freePort, freePortPair, waitFor } from './net'
import { ServerProcess } from './process'

export interface RedisHandle {
  port: number
  url: string
  dir: string
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface RedisTls {
  certFile: string
  keyFile: string
  caFile: string
  /** Ask every client for a certificate signed by caFile (tls-auth-clients yes); the harness's own readiness check presents this one. */
  clientCert?: { cert: string; key: string }
}

/** A server that wants a password answers -NOAUTH: it is up all the same. */
const UP = /^(\+PONG|-NOAUTH)/

/** Sends one inline PING and resolves whether the server answered, over TCP or TLS. */
export function redisPing(port: number, timeoutMs = 500, tls = false, client?: { cert: string; key: string }): Promise<boolean> {
  return new Promise((resolve) => {
    // The handshake is not verified here: readiness only; the tests check certificates.
    const s = tls
      ? tlsConnect({
          port,
          host: '127.0.0.1',
          rejectUnauthorized: false,
          ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {})
        })
      : connect({ port, host: '127.0.0.1' })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(timeoutMs, () => done(false))
    s.once(tls ? 'secureConnect' : 'connect', () => s.write('PING\r\n'))
    s.once('data', (d) => done(UP.test(d.toString())))
    s.once('error', () => done(false))
  })
}

/** A throw-away redis-server on a free loopback port, no persistence; TLS only when `tls` is given. */
/** The offset of a Redis Cluster node's bus port from its client port. */
const CLUSTER_BUS_OFFSET = 10_000

export async function startRedis(extraArgs: string[] = [], tls?: RedisTls): Promise<RedisHandle> {
  const bin = findBinary('redis-server', 'redis-server')
  const dir = mkdtempSync(join(tmpdir(), 'lookout-redis-'))
  const port = extraArgs.includes('--cluster-enabled') ? await freePortPair(CLUSTER_BUS_OFFSET) : await freePort()
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-ca-cert-file',
        tls.caFile,
        '--tls-auth-clients',
        tls.clientCert ? 'yes' : 'no'
      ]
    : ['--port', String(port)]
  const args = [...listen, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning', ...extraArgs]
  const proc = new ServerProcess('redis', bin, args)
  const waitReady = () =>
    waitFor(
      'Redis',
      async () => {
        if (!proc.running) throw new Error(`redis-server exited:\n${proc.tail()}`)
        return redisPing(port, 500, Boolean(tls), tls?.clientCert)
      },
      15_000,
      () => proc.tail()
    )
  proc.start()
  await waitReady()
  return {
    port,
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}/0`,
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

export interface RedisClusterHandle {
  nodes: RedisHandle[]
  /** The first node's URL: a client finds the rest through it. */
  url: string
  stop(): Promise<void>
}

/**
 * A Redis Cluster of `primaries` nodes and no replicas: cluster-enabled servers, joined and given
 * all 16384 slots by `redis-cli --cluster create`, ready when every node says cluster_state:ok.
 */
export async function startRedisCluster(primaries = 3): Promise<RedisClusterHandle> {
  const nodes: RedisHandle[] = []
  try {
    for (let i = 0; i < primaries; i++)
      nodes.push(await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000']))
    const cli = findBinary('redis-cli', 'redis-tools')
    execFileSync(cli, ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      stdio: 'pipe'
    })
    await waitFor(
      'Redis Cluster',
      async () => {
        for (const n of nodes) {
          const out = execFileSync(cli, ['-p', String(n.port), 'CLUSTER', 'INFO']).toString()
          if (!/cluster_state:ok/.test(out)) return false
        }
        return true
      },
      30_000
    )
  } catch (err) {
    await Promise.allSettled(nodes.map((n) => n.stop()))
    throw err
  }
  return {
    nodes,
    url: nodes[0]!.url,
    stop: async () => {
      await Promise.allSettled(nodes.map((n) => n.stop()))
    }
  }
}

export interface RedisSentinelHandle {
  port: number
  /** The name the Sentinel knows the primary by. */
  name: string
  /** A redis+sentinel:// URL for profiles. */
  url: string
  stop(): Promise<void>
}

/**
 * A Redis Sentinel watching a harness primary (redis-server in sentinel mode, config in a temp
 * dir it may rewrite), with a quorum of one and short timeouts so a failover takes seconds.
 */
export async function startRedisSentinel(primaryPort: number, name = 'lookout-primary'): Promise<RedisSentinelHandle> {
  const bin = findBinary('redis-server', 'redis-server')
  const dir = mkdtempSync(join(tmpdir(), 'lookout-sentinel-'))
  const port = await freePort()
  const conf = join(dir, 'sentinel.conf')
  writeFileSync(
    conf,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds ${name} 1000`,
      `sentinel failover-timeout ${name} 5000`,
      `sentinel parallel-syncs ${name} 1`
    ].join('\n') + '\n'
  )
  const proc = new ServerProcess('redis-sentinel', bin, [conf, '--sentinel'])
  proc.start()
  await waitFor(
    'Redis Sentinel',
    async () => {
      if (!proc.running) throw new Error(`sentinel exited:\n${proc.tail()}`)
      return redisPing(port)
    },
    15_000,
    () => proc.tail()
  )
  return {
    port,
    name,
    url: `redis+sentinel://127.0.0.1:${port}/${name}/0`,
    async stop() {
      await proc.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
