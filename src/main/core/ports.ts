/**
 * The ports through which the core reaches what the platform provides. The Electron shell
 * implements them with safeStorage, Notification and dialogs; headless mode and tests
 * implement them in plain Node. The core never imports Electron.
 */

/** Keeps secrets (passwords, tokens) off disk in plain text. Keys look like `profile/<name>/postgres`. */
export interface SecretStore {
  get(key: string): Promise<string | null>
  set(key: string, value: string): Promise<void>
  delete(key: string): Promise<void>
  /** Whether values survive a restart (false for the headless in-memory store). */
  readonly persistent: boolean
  /** Why secrets are not kept on disk here, for the user (no keyring, say); null when all is well. */
  readonly warning?: string | null
}

export interface Notification {
  title: string
  body: string
  severity: 'info' | 'warning' | 'critical'
  /** The alert it is about: a click opens Lookout on it. */
  alertId?: string
}

export interface Notifier {
  notify(n: Notification): void
}

export type TimerHandle = { readonly __timer: unique symbol } | number | object

/** Time as the core sees it; tests drive a fake one. */
export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms)
    // A poll timer must never keep a CLI process alive on its own.
    t.unref?.()
    return t
  },
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>)
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} }

export function consoleLogger(prefix = 'lookout'): Logger {
  const line = (level: string, msg: string, fields?: Record<string, unknown>) =>
    `${new Date().toISOString()} ${prefix} ${level} ${msg}${fields ? ' ' + JSON.stringify(fields) : ''}`
  return {
    info: (m, f) => console.error(line('info', m, f)),
    warn: (m, f) => console.error(line('warn', m, f)),
    error: (m, f) => console.error(line('error', m, f))
  }
}

/** Secrets held in memory only: headless mode keeps no secret on disk at all. */
export class MemorySecretStore implements SecretStore {
  readonly persistent = false
  private readonly map = new Map<string, string>()
  /** `warning`: why secrets are kept in memory only here, and how to keep them (shown to the user). */
  constructor(readonly warning: string | null = null) {}
  async get(key: string) {
    return this.map.get(key) ?? null
  }
  async set(key: string, value: string) {
    this.map.set(key, value)
  }
  async delete(key: string) {
    this.map.delete(key)
  }
}

/** Headless notifier: critical alerts go to stderr, where an SRE on a jump host looks. */
export function stderrNotifier(): Notifier {
  return {
    notify: (n) => console.error(`[${n.severity.toUpperCase()}] ${n.title}: ${n.body}`)
  }
}
