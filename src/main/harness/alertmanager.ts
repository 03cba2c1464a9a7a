import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findBinary } from './binaries'
import { freePort, waitFor } from './net'
import { ServerProcess } from './process'

export interface AlertmanagerHandle {
  port: number
  url: string
  stop(): Promise<void>
}

/** A throw-away Alertmanager (Debian's prometheus-alertmanager), clustering off, one null receiver. */
export async function startAlertmanager(): Promise<AlertmanagerHandle> {
  const bin = findBinary('prometheus-alertmanager', 'prometheus-alertmanager', [
    '/usr/bin/prometheus-alertmanager',
    '/usr/bin/alertmanager'
  ])
  const dir = mkdtempSync(join(tmpdir(), 'lookout-am-'))
  const config = join(dir, 'alertmanager.yml')
  // JSON is YAML: a route to a receiver that sends nowhere.
  writeFileSync(
    config,
    JSON.stringify({ route: { receiver: 'null', group_wait: '1s', group_interval: '1s' }, receivers: [{ name: 'null' }] })
  )
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const proc = new ServerProcess('alertmanager', bin, [
    `--config.file=${config}`,
    `--storage.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--cluster.listen-address=',
    '--log.level=warn'
  ])
  proc.start()
  await waitFor(
    'Alertmanager',
    async () => {
      if (!proc.running) throw new Error(`alertmanager exited:\n${proc.tail()}`)
      try {
        return (await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok
      } catch {
        return false
      }
    },
    30_000,
    () => proc.tail()
  )
  return {
    port,
    url,
    async stop() {
      await proc.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
