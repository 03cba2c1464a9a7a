import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from './binaries'
import { freePort, waitFor } from './net'
import { ServerProcess } from './process'

/** One of Debian's Prometheus exporters (or the Pushgateway), throw-away, on a free loopback port. */
export interface ExporterHandle {
  name: string
  /** host:port, as a scrape target. */
  address: string
  /** Its own /metrics page. */
  metricsUrl: string
  stop(): Promise<void>
}

async function runExporter(
  name: string,
  debianPackage: string,
  args: (port: number) => string[],
  env?: Record<string, string>,
  dir?: string
): Promise<ExporterHandle> {
  const bin = findBinary(debianPackage, debianPackage)
  const port = await freePort()
  const address = `127.0.0.1:${port}`
  const metricsUrl = `http://${address}/metrics`
  const proc = new ServerProcess(name, bin, [`--web.listen-address=${address}`, ...args(port)], null, undefined, env)
  proc.start()
  await waitFor(
    name,
    async () => {
      if (!proc.running) throw new Error(`${name} exited:\n${proc.tail()}`)
      try {
        return (await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) })).ok
      } catch {
        return false
      }
    },
    30_000,
    () => proc.tail()
  )
  return {
    name,
    address,
    metricsUrl,
    async stop() {
      await proc.kill('SIGTERM')
      if (dir) rmSync(dir, { recursive: true, force: true })
    }
  }
}

/** node_exporter with its default collectors, reading this machine. */
export function startNodeExporter(): Promise<ExporterHandle> {
  return runExporter('node_exporter', 'prometheus-node-exporter', () => ['--log.level=warn'])
}

/** redis_exporter against a Redis URL (redis:// or rediss://). */
export function startRedisExporter(redisUrl: string): Promise<ExporterHandle> {
  return runExporter('redis_exporter', 'prometheus-redis-exporter', () => [], { REDIS_ADDR: redisUrl })
}

/** postgres_exporter with its default collectors; the DSN goes through the environment. */
export function startPostgresExporter(dsn: string): Promise<ExporterHandle> {
  return runExporter('postgres_exporter', 'prometheus-postgres-exporter', () => ['--log.level=warn'], { DATA_SOURCE_NAME: dsn })
}

/** blackbox_exporter with one module, `http_2xx`; its probe pages are at /probe?module=http_2xx&target=URL. */
export function startBlackboxExporter(): Promise<ExporterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-blackbox-'))
  const config = join(dir, 'blackbox.yml')
  // JSON is YAML.
  writeFileSync(config, JSON.stringify({ modules: { http_2xx: { prober: 'http', timeout: '5s' } } }))
  return runExporter(
    'blackbox_exporter',
    'prometheus-blackbox-exporter',
    () => [`--config.file=${config}`, '--log.level=warn'],
    undefined,
    dir
  )
}

/** The Pushgateway, storage in memory only. */
export function startPushgateway(): Promise<ExporterHandle> {
  return runExporter('pushgateway', 'prometheus-pushgateway', () => ['--log.level=warn'])
}
