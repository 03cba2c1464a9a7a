import { MemorySecretStore, type SecretStore } from '../core/ports'
import { EncryptedFileSecretStore, PASSPHRASE_VARIABLE } from '../core/profiles/secret-file'

/** What the user is told when `serve` and the CLI keep secrets in memory only. */
export const MEMORY_ONLY_WARNING = `secrets are kept in memory only and are gone when Lookout stops: set ${PASSPHRASE_VARIABLE} to keep them in an encrypted file in the data directory`

/**
 * Where `lookout serve` and the CLI keep secrets: the data directory's encrypted file when a
 * passphrase is given (`LOOKOUT_SECRET_PASSPHRASE`), else memory only, with a warning that says
 * how to keep them. A wrong passphrase is an error (SecretFileError), never a fresh empty store.
 */
export async function headlessSecretStore(dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<SecretStore> {
  const passphrase = env[PASSPHRASE_VARIABLE]
  // Set but empty is not set: an empty passphrase protects nothing.
  if (!passphrase) return new MemorySecretStore(MEMORY_ONLY_WARNING)
  return EncryptedFileSecretStore.open(dataDir, passphrase)
}
