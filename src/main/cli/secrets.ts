import type { SecretStore } from '../core/ports'
import { fileSecretStore, type SecretSourceOptions } from '../core/profiles/secret-source'
import { promptHidden } from './prompt'

export { MEMORY_ONLY_WARNING } from '../core/profiles/secret-source'

/**
 * Where `lookout serve` and the CLI keep secrets: the core's choice (passphrase variable, OS
 * keyring, else memory), with a passphrase asked on the terminal when there is one.
 */
export function headlessSecretStore(dataDir: string, opts: SecretSourceOptions = {}): Promise<SecretStore> {
  const prompt = opts.prompt === undefined ? (process.stdin.isTTY && process.stderr.isTTY ? promptHidden : null) : opts.prompt
  return fileSecretStore(dataDir, { ...opts, prompt })
}
