import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Redis } from 'ioredis'
import { createMonitorRedis, describeRedisUrl } from '../src/main/core/redis/connection'
import { ThreadLatencyProbe } from '../src/main/core/redis/latency-probe'
import { invalidate } from '../src/main/core/redis/invalidate'
import { findBinary } from '../src/main/harness/binaries'
import { startRedis } from '../src/main/harness/redis'
import type { BenchResult } from './benchmarks'

const MATCHING = Number(process.env.BENCH_KEYS ?? 1_000_000)
const OTHERS = Math.round(MATCHING / 5)

interface PingWindow {
  worst: number
  p99: number
  pings: number
}

/**
 * Real-time scheduling (SCHED_FIFO) for the server and the side client, when the machine allows
 * it (root does). On a 2-core machine the server, the job's process and the side client share
 * the CPUs; in production the server has its own host. Without this, the worst PING measures the
 * scheduler handing a core to the job's own client process, not the server's blocking on the
 * job's commands. Both runs get the same treatment; the idle window shows what is left.
 */
function realtime(): boolean {
  try {
    execFileSync('chrt', ['-f', '10', 'true'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** The side client, in its own process (bench/pinger.mjs), so the job's own work cannot inflate it. */
class Pinger {
  private readonly child: ChildProcess
  constructor(port: number, rt: boolean) {
    const script = join(dirname(fileURLToPath(import.meta.url)), 'pinger.mjs')
    const [cmd, ...args] = rt ? ['chrt', '-f', '10', process.execPath, script] : [process.execPath, script]
    this.child = spawn(cmd!, [...args, String(port)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
  }
  /** The PINGs since the last call. */
  take(): Promise<PingWindow> {
    return new Promise((resolve) => {
      this.child.once('message', (m) => resolve(m as PingWindow))
      this.child.send('report')
    })
  }
  stop(): void {
    this.child.send('stop')
  }
}

async function populate(admin: Redis): Promise<void> {
  await admin.flushall()
  await admin.call('DEBUG', 'POPULATE', String(MATCHING), 'match')
  await admin.call('DEBUG', 'POPULATE', String(OTHERS), 'other')
  const size = await admin.dbsize()
  if (size !== MATCHING + OTHERS) throw new Error(`expected ${MATCHING + OTHERS} keys, found ${size}`)
}

/**
 * What Redis's own latency monitor saw since the last call, in ms: the longest command of the job
 * kind ("command": SCAN, UNLINK) and the longest O(1) command ("fast-command": PING, ...). A PING
 * that takes milliseconds inside Redis means the server process itself stalled (the host), not
 * that a command of the job held it.
 */
async function serverLatency(admin: Redis): Promise<{ commandMs: number; fastCommandMs: number }> {
  const worst = async (event: string) => {
    const history = (await admin.call('LATENCY', 'HISTORY', event)) as [number, number][]
    return history.reduce((m, [, ms]) => Math.max(m, Number(ms)), 0)
  }
  const r = { commandMs: await worst('command'), fastCommandMs: await worst('fast-command') }
  await admin.call('LATENCY', 'RESET')
  return r
}

/** `redis-cli --scan --pattern P | xargs -n 1000 redis-cli unlink`, the usual shell way. */
function redisCliPipeline(port: number): Promise<void> {
  const cli = findBinary('redis-cli', 'redis-tools')
  return new Promise((resolve, reject) => {
    const sh = spawn(
      'bash',
      ['-c', `set -o pipefail; ${cli} -p ${port} --scan --pattern 'match:*' | xargs -n 1000 ${cli} -p ${port} unlink > /dev/null`],
      { stdio: ['ignore', 'ignore', 'pipe'] }
    )
    let err = ''
    sh.stderr.on('data', (d) => (err += d))
    sh.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli pipeline failed (${code}): ${err}`))))
  })
}

/** Lookout's invalidation against the redis-cli pipeline on the same keyspace, with PING latency watched. */
export async function redisInvalidate(): Promise<BenchResult> {
  const server = await startRedis(['--enable-debug-command', 'yes'])
  const admin = new Redis(server.url)
  const rt = realtime()
  const pinger = new Pinger(server.port, rt)
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms))
  try {
    if (rt) execFileSync('chrt', ['-a', '-f', '-p', '10', /process_id:(\d+)/.exec(await admin.info('server'))![1]!])
    await admin.config('SET', 'latency-monitor-threshold', '1')
    await populate(admin)
    // The noise floor: the same side client for a second with nothing else running.
    await pause(200)
    await pinger.take()
    await pause(1000)
    const idle = await pinger.take()

    const conn = createMonitorRedis(server.url, null, 60_000)
    await conn.connect()
    const probe = new ThreadLatencyProbe(describeRedisUrl(server.url), null)
    await pinger.take()
    await serverLatency(admin)
    let t = performance.now()
    const r = await invalidate(conn, { pattern: 'match:*', probe })
    const oursMs = performance.now() - t
    const ours = await pinger.take()
    const oursServer = await serverLatency(admin)
    conn.disconnect()
    if (r.outcome !== 'done' || r.deleted !== MATCHING)
      throw new Error(`Lookout deleted ${r.deleted} of ${MATCHING} (${r.outcome}: ${r.error})`)
    if ((await admin.dbsize()) !== OTHERS) throw new Error('Lookout touched keys outside the pattern')

    await populate(admin)
    await pause(200)
    await pinger.take()
    await serverLatency(admin)
    t = performance.now()
    await redisCliPipeline(server.port)
    const refMs = performance.now() - t
    const ref = await pinger.take()
    const refServer = await serverLatency(admin)
    if ((await admin.dbsize()) !== OTHERS) throw new Error('the redis-cli pipeline left matching keys')

    const round = (x: number) => Math.round(x * 1000) / 1000
    return {
      ours_ms: round(oursMs),
      ref: 'redis-cli --scan | xargs -n 1000 redis-cli unlink',
      ref_ms: round(refMs),
      ratio: round(oursMs / refMs),
      speedup: round(refMs / oursMs),
      keys_deleted: MATCHING,
      keys_total: MATCHING + OTHERS,
      ours_worst_ping_ms: round(ours.worst),
      ours_p99_ping_ms: round(ours.p99),
      ref_worst_ping_ms: round(ref.worst),
      ref_p99_ping_ms: round(ref.p99),
      idle_worst_ping_ms: round(idle.worst),
      // Redis's latency monitor (1 ms resolution): the job's longest command, and the longest O(1) one.
      ours_server_command_max_ms: oursServer.commandMs,
      ours_server_fast_command_max_ms: oursServer.fastCommandMs,
      ref_server_command_max_ms: refServer.commandMs,
      ref_server_fast_command_max_ms: refServer.fastCommandMs,
      pings: ours.pings + ref.pings,
      realtime_priority: rt,
      ours_throttled: r.throttled
    }
  } finally {
    admin.disconnect()
    pinger.stop()
    await server.stop()
  }
}
