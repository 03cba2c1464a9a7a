import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Notification, safeStorage } from 'electron'
import type { Notifier, SecretStore } from '../core/ports'
import { fileSecretStore } from '../core/profiles/secret-source'

/** The part of Electron's safeStorage this store uses (a fake in tests). */
export type SafeStorageLike = Pick<typeof safeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString'> & {
  getSelectedStorageBackend?: () => string
}

/**
 * Why secrets cannot be kept on disk on this machine, or null. On Linux without a keyring,
 * safeStorage falls back to `basic_text`, whose key is fixed and public: ciphertext made with it is
 * plain text to anyone who reads the file.
 */
export function secretStorageWarning(ss: SafeStorageLike, platform: string): string | null {
  if (!ss.isEncryptionAvailable())
    return 'the system offers no encryption for secrets: passwords are kept in memory only and must be typed again after a restart'
  const backend = platform === 'linux' ? ss.getSelectedStorageBackend?.() : undefined
  if (backend === 'basic_text' || backend === 'unknown')
    return `no keyring answered (Electron's safeStorage backend is "${backend}", whose key is fixed): passwords are kept in memory only and must be typed again after a restart. Start GNOME Keyring or KWallet to keep them`
  return null
}

/**
 * Secrets encrypted with the OS keychain (safeStorage) into one file of ciphertext. When the
 * OS offers no real encryption, secrets are kept in memory only rather than written in plain
 * text, and `warning` says why.
 */
export class SafeStorageSecretStore implements SecretStore {
  private cache: Map<string, string> | null = null
  private readonly path: string
  readonly persistent: boolean
  readonly warning: string | null

  constructor(
    dataDir: string,
    private readonly ss: SafeStorageLike = safeStorage,
    platform: string = process.platform
  ) {
    this.path = join(dataDir, 'secrets.bin')
    this.warning = secretStorageWarning(ss, platform)
    this.persistent = this.warning === null
  }

  private async load(): Promise<Map<string, string>> {
    if (this.cache) return this.cache
    this.cache = new Map()
    if (!this.persistent) return this.cache
    try {
      const plain = this.ss.decryptString(await readFile(this.path))
      for (const [k, v] of Object.entries(JSON.parse(plain) as Record<string, string>)) this.cache.set(k, v)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`cannot read the secret store ${this.path}: ${(err as Error).message}`, { cause: err })
    }
    return this.cache
  }

  private async flush(): Promise<void> {
    if (!this.persistent || !this.cache) return
    const data = this.ss.encryptString(JSON.stringify(Object.fromEntries(this.cache)))
    await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 })
    await writeFile(this.path + '.tmp', data, { mode: 0o600 })
    await rename(this.path + '.tmp', this.path)
  }

  async get(key: string) {
    return (await this.load()).get(key) ?? null
  }
  async set(key: string, value: string) {
    ;(await this.load()).set(key, value)
    await this.flush()
  }
  async delete(key: string) {
    ;(await this.load()).delete(key)
    await this.flush()
  }
}

/**
 * Linux notification servers read a body as markup (`<b>`, `<a href>`): alert text (a label value,
 * a key name) is escaped so it shows as written and never links anywhere.
 */
export function escapeNotificationText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * Desktop notifications for alerts: critical ones with `urgency: 'critical'` (they stay until
 * dismissed on Linux). Each is kept referenced until it is clicked or closed, or the garbage
 * collector could drop it and its click would go nowhere. A click opens Lookout on the alert.
 */
export function desktopNotifier(onClick: (alertId: string | undefined) => void = () => {}): Notifier & { shown(): number } {
  const live = new Set<Notification>()
  return {
    shown: () => live.size,
    notify(n) {
      if (!Notification.isSupported()) return
      const text = process.platform === 'linux' ? escapeNotificationText : (t: string) => t
      const note = new Notification({
        title: text(n.title),
        body: text(n.body),
        urgency: n.severity === 'critical' ? 'critical' : 'normal'
      })
      live.add(note)
      note.on('click', () => {
        live.delete(note)
        onClick(n.alertId)
      })
      note.on('close', () => live.delete(note))
      note.show()
    }
  }
}

/**
 * The desktop app's secret store: safeStorage when the OS encrypts for it. When it does not (Linux
 * with the `basic_text` backend), the encrypted file `serve` uses, keyed by the OS keyring or
 * LOOKOUT_SECRET_PASSPHRASE; when neither answers, memory only, and the warning says why. A file
 * that will not open (a wrong passphrase, a lost key) is left as it is and said so.
 */
export async function desktopSecretStore(
  dataDir: string,
  ss: SafeStorageLike = safeStorage,
  platform: string = process.platform,
  fallback: (dataDir: string) => Promise<SecretStore> = (dir) => fileSecretStore(dir)
): Promise<SecretStore> {
  const memoryOnly = new SafeStorageSecretStore(dataDir, ss, platform)
  if (memoryOnly.persistent) return memoryOnly
  try {
    const file = await fallback(dataDir)
    if (file.persistent) return file
  } catch (err) {
    return Object.assign(new SafeStorageSecretStore(dataDir, ss, platform), {
      warning: `${(err as Error).message}. Until then passwords are kept in memory only`
    })
  }
  return memoryOnly
}
