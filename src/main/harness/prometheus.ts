import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from './binaries'
import { freePort, waitFor } from './net'
import { ServerProcess } from './process'

export interface ScrapeJob {
  job: string
  targets: string[]
  intervalSeconds?: number
  metricsPath?: string
  /** URL parameters of each scrape (a blackbox exporter's module and target). */
  params?: Record<string, string[]>
}

export interface PrometheusHandle {
  port: number
  url: string
  dir: string
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

/**
 * The Prometheus configuration for the given jobs. JSON is valid YAML, so the file is written
 * with JSON.stringify: no hand-rolled YAML, no dependency.
 */
export function prometheusConfig(jobs: ScrapeJob[], ruleFiles: string[] = [], alertmanagers: string[] = []): string {
  return JSON.stringify(
    {
      global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '1s' },
      rule_files: ruleFiles,
      ...(alertmanagers.length ? { alerting: { alertmanagers: [{ static_configs: [{ targets: alertmanagers }] }] } } : {}),
      scrape_configs: jobs.map((j) => ({
        job_name: j.job,
        scrape_interval: `${j.intervalSeconds ?? 1}s`,
        scrape_timeout: `${Math.min(j.intervalSeconds ?? 1, 10)}s`,
        metrics_path: j.metricsPath ?? '/metrics',
        ...(j.params ? { params: j.params } : {}),
        static_configs: [{ targets: j.targets }]
      }))
    },
    null,
    2
  )
}

/** A throw-away Prometheus server (Debian's 2.42) on a free loopback port. */
export async function startPrometheus(
  jobs: ScrapeJob[],
  ruleFiles: string[] = [],
  alertmanagers: string[] = []
): Promise<PrometheusHandle> {
  const bin = findBinary('prometheus', 'prometheus')
  const dir = mkdtempSync(join(tmpdir(), 'lookout-prom-'))
  const config = join(dir, 'prometheus.yml')
  writeFileSync(config, prometheusConfig(jobs, ruleFiles, alertmanagers))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const args = [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    // Alerts that fire before the Alertmanager is discovered are resent within a second, not a minute.
    '--rules.alert.resend-delay=1s',
    '--storage.tsdb.retention.time=1d'
  ]
  const proc = new ServerProcess('prometheus', bin, args)
  const waitReady = () =>
    waitFor(
      'Prometheus',
      async () => {
        if (!proc.running) throw new Error(`prometheus exited:\n${proc.tail()}`)
        try {
          const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })
          return res.ok
        } catch {
          return false
        }
      },
      30_000,
      () => proc.tail()
    )
  proc.start()
  await waitReady()
  return {
    port,
    url,
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
