import { join } from 'node:path'
import { MemorySecretStore, type SecretStore } from '../ports'
import { OsKeyring } from './os-keyring'
import { EncryptedFileSecretStore, PASSPHRASE_VARIABLE, SECRET_FILE, SecretFileError, secretFileKind, type Keyring } from './secret-file'

/** What the user is told when `serve` and the CLI keep secrets in memory only. */
export const MEMORY_ONLY_WARNING = `no OS keyring answered and no passphrase was given: secrets are kept in memory only and are gone when Lookout stops. Set ${PASSPHRASE_VARIABLE} (or run in a terminal to be asked) to keep them in an encrypted file`

export interface SecretSourceOptions {
  env?: NodeJS.ProcessEnv
  /** The OS keyring; null: do not use one. */
  keyring?: Keyring | null
  /** Asks for a passphrase without echo (the CLI's terminal); none by default. */
  prompt?: ((question: string) => Promise<string>) | null
}

/**
 * Where secrets are kept outside the OS's own encryption (`lookout serve`, the CLI, and the desktop
 * app when Electron's safeStorage has no keyring): the data directory's encrypted file, keyed by
 * (in order) a passphrase in LOOKOUT_SECRET_PASSPHRASE, the OS keyring when one answers, or a
 * passphrase asked on the terminal; else memory only, with a warning that says how to keep them.
 * A file keyed one way is opened that way; a wrong passphrase or a lost key is an error
 * (SecretFileError) that loses nothing, never a fresh empty store.
 */
export async function fileSecretStore(dataDir: string, opts: SecretSourceOptions = {}): Promise<SecretStore> {
  const env = opts.env ?? process.env
  const keyring = opts.keyring === undefined ? new OsKeyring() : opts.keyring
  const prompt = opts.prompt ?? null
  const path = join(dataDir, SECRET_FILE)
  const kind = await secretFileKind(dataDir)
  // Set but empty is not set: an empty passphrase protects nothing.
  const passphrase = env[PASSPHRASE_VARIABLE] || null

  if (kind === 'keyring') {
    if (!keyring)
      return new MemorySecretStore(`${path} is keyed by the OS keyring, which is not used here: secrets are kept in memory only`)
    return EncryptedFileSecretStore.openWithKeyring(dataDir, keyring)
  }
  if (kind === 'scrypt') {
    if (passphrase) return EncryptedFileSecretStore.open(dataDir, passphrase)
    if (prompt) return EncryptedFileSecretStore.open(dataDir, await prompt(`Passphrase for ${path}: `))
    return new MemorySecretStore(
      `${path} needs its passphrase: set ${PASSPHRASE_VARIABLE} or run in a terminal to be asked. Until then secrets are kept in memory only`
    )
  }
  // No file yet: a passphrase given wins; else the keyring; else ask, twice, on a terminal.
  if (passphrase) return EncryptedFileSecretStore.open(dataDir, passphrase)
  if (keyring) {
    try {
      return await EncryptedFileSecretStore.openWithKeyring(dataDir, keyring)
    } catch {
      // No keyring here (no Secret Service on a headless host): the passphrase routes remain.
    }
  }
  if (prompt) {
    const first = await prompt(`New passphrase for ${path} (keeps passwords across restarts): `)
    if (first) {
      const again = await prompt('The same passphrase again: ')
      if (again !== first) throw new SecretFileError('the two passphrases differ: nothing was created')
      return EncryptedFileSecretStore.open(dataDir, first)
    }
  }
  return new MemorySecretStore(MEMORY_ONLY_WARNING)
}
