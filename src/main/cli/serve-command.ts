import { createCore, type Core } from '../core'
import { consoleLogger, stderrNotifier, type SecretStore } from '../core/ports'
import { headlessSecretStore } from './secrets'
import { exposureWarning, serve, type RunningServer } from '../serve/server'
import { newToken } from '../serve/auth'
import { defaultRendererDir } from './paths'

export interface HeadlessOptions {
  dataDir: string
  host: string
  port: number
  token?: string
  rendererDir?: string
  quiet?: boolean
  /** Names the Host header may give besides loopback and the machine's own (`--allow-host`). */
  allowHosts?: string[]
  /** Where secrets are kept; by default the encrypted file with LOOKOUT_SECRET_PASSPHRASE, else memory. */
  secrets?: SecretStore
}

export interface Headless {
  core: Core
  server: RunningServer
  close(): Promise<void>
}

/** The core in plain Node, served to a browser: what `lookout serve` and `lookout demo` run. */
export async function startHeadless(opts: HeadlessOptions): Promise<Headless> {
  const logger = opts.quiet ? undefined : consoleLogger()
  const core = createCore({
    dataDir: opts.dataDir,
    // The encrypted secret file when a passphrase is given, else memory only: never plain text.
    secrets: opts.secrets ?? (await headlessSecretStore(opts.dataDir)),
    notifier: stderrNotifier(),
    logger,
    transport: 'websocket'
  })
  // Pinned profiles are watched from the start, before any browser connects; one that cannot
  // start is logged and shown in the sidebar, never fatal.
  void core.watchPinned()
  const warning = exposureWarning(opts.host)
  if (warning) console.error(warning)
  const server = await serve({
    core,
    rendererDir: opts.rendererDir ?? defaultRendererDir(),
    host: opts.host,
    port: opts.port,
    token: opts.token ?? newToken(),
    allowHosts: opts.allowHosts
  })
  return {
    core,
    server,
    async close() {
      await server.close()
      await core.close()
    }
  }
}

export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals) => resolve(s)
    process.once('SIGINT', on)
    process.once('SIGTERM', on)
  })
}
