// @napi-rs/keyring is CommonJS: its named exports are taken from the default one, for Node's ESM loader.
import napiKeyring from '@napi-rs/keyring'
import type { Keyring } from './secret-file'

const { AsyncEntry } = napiKeyring

/** A keyring that does not answer within this is treated as absent: start-up never hangs on D-Bus. */
export const KEYRING_TIMEOUT_MS = 5000

/**
 * The OS keyring (macOS Keychain, Windows Credential Manager, the Secret Service of GNOME Keyring
 * or KWallet on Linux) through @napi-rs/keyring, off the event loop and with a deadline.
 */
export class OsKeyring implements Keyring {
  readonly service = 'Lookout'

  async get(account: string): Promise<string | null> {
    try {
      return (await new AsyncEntry(this.service, account).getPassword(AbortSignal.timeout(KEYRING_TIMEOUT_MS))) ?? null
    } catch (err) {
      throw new Error(`the OS keyring did not answer: ${firstLine(err)}`, { cause: err })
    }
  }

  async set(account: string, value: string): Promise<void> {
    try {
      await new AsyncEntry(this.service, account).setPassword(value, AbortSignal.timeout(KEYRING_TIMEOUT_MS))
    } catch (err) {
      throw new Error(`the OS keyring did not answer: ${firstLine(err)}`, { cause: err })
    }
  }
}

/** The binding's errors carry a Rust backtrace after the first line: the first line says it. */
function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!
}
