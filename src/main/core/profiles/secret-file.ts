import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { z } from 'zod'
import { writeFileAtomic } from '../fs'
import type { SecretStore } from '../ports'

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, opts: object) => Promise<Buffer>

export const SECRET_FILE = 'secrets.enc.json'
/** The variable `lookout serve` and the CLI read the passphrase from when no terminal asks for it. */
export const PASSPHRASE_VARIABLE = 'LOOKOUT_SECRET_PASSPHRASE'
/** scrypt's cost: about 100 ms and 32 MiB here, paid once when the file is opened. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }
/** Encrypted under the key to tell a wrong passphrase from a damaged secret. */
const CHECK_PLAINTEXT = 'lookout secret file v1'

const Sealed = z.object({ iv: z.string(), tag: z.string(), data: z.string() })
type Sealed = z.infer<typeof Sealed>
/** Where the file's key comes from: a passphrase through scrypt, or a random key kept in the OS keyring. */
const Kdf = z.discriminatedUnion('name', [
  z.object({ name: z.literal('scrypt'), salt: z.string(), N: z.number().int(), r: z.number().int(), p: z.number().int() }),
  z.object({ name: z.literal('keyring'), service: z.string(), account: z.string() })
])
const SecretFile = z.object({
  version: z.literal(1),
  kdf: Kdf,
  check: Sealed,
  secrets: z.record(z.string(), Sealed)
})
type SecretFile = z.infer<typeof SecretFile>

/** The OS keyring, as the secret file uses it: one value per account, under Lookout's service. */
export interface Keyring {
  readonly service: string
  /** The value, or null when there is none; throws when no keyring answers. */
  get(account: string): Promise<string | null>
  set(account: string, value: string): Promise<void>
}

/** How the data directory's secret file is keyed, read without opening it: null when there is no file. */
export async function secretFileKind(dataDir: string): Promise<'scrypt' | 'keyring' | null> {
  const path = join(dataDir, SECRET_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw new SecretFileError(`${path}: ${(err as Error).message}`)
  }
  try {
    return SecretFile.parse(JSON.parse(text)).kdf.name
  } catch (err) {
    throw new SecretFileError(
      `${path} is not a Lookout secret file (${err instanceof SyntaxError ? err.message : 'unexpected fields'}); it was left as it is`
    )
  }
}

/** The keyring account of a data directory's file: one per directory, so two installs never share a key. */
export function keyringAccount(path: string): string {
  return `secret-file:${createHash('sha256').update(resolve(path)).digest('hex').slice(0, 16)}`
}

export class SecretFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'SecretFileError'
  }
}

/** AES-256-GCM with a fresh random 96-bit IV per value; the name is authenticated with it, so entries cannot be swapped. */
function seal(key: Buffer, name: string, plaintext: string): Sealed {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(name, 'utf8'))
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  return { iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') }
}

/** The plaintext, or null when the tag does not verify (wrong key, or the value or its name was altered). */
function open(key: Buffer, name: string, s: Sealed): string | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(s.iv, 'base64'))
    decipher.setAAD(Buffer.from(name, 'utf8'))
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    return null
  }
}

/**
 * Secrets in one file of the data directory, each encrypted with AES-256-GCM under a key derived
 * from a passphrase with scrypt: what `lookout serve` and the CLI use, so passwords survive a
 * restart without ever being on disk in plain text. A wrong passphrase is refused when the file
 * is opened, before anything is written; a value that was altered is refused by name when read.
 * Writes replace the file atomically, owner-only.
 */
export class EncryptedFileSecretStore implements SecretStore {
  readonly persistent = true
  readonly warning = null
  private writes: Promise<void> = Promise.resolve()

  private constructor(
    readonly path: string,
    private readonly key: Buffer,
    private file: SecretFile
  ) {}

  /** Opens (or creates, on first use) the data directory's secret file with this passphrase. */
  static async open(dataDir: string, passphrase: string): Promise<EncryptedFileSecretStore> {
    if (!passphrase) throw new SecretFileError('the secret file needs a passphrase: an empty one protects nothing')
    const path = join(dataDir, SECRET_FILE)
    let text: string | null = null
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new SecretFileError(`${path}: ${(err as Error).message}`)
    }
    if (text === null) {
      const salt = randomBytes(16)
      const key = await scrypt(passphrase, salt, 32, SCRYPT)
      const kdf = { name: 'scrypt' as const, salt: salt.toString('base64'), N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p }
      return new EncryptedFileSecretStore(path, key, { version: 1, kdf, check: seal(key, '', CHECK_PLAINTEXT), secrets: {} })
    }
    let file: SecretFile
    try {
      file = SecretFile.parse(JSON.parse(text))
    } catch (err) {
      throw new SecretFileError(
        `${path} is not a Lookout secret file (${err instanceof SyntaxError ? err.message : 'unexpected fields'}); it was left as it is`
      )
    }
    if (file.kdf.name !== 'scrypt')
      throw new SecretFileError(`${path} is keyed by the OS keyring, not a passphrase: Lookout opens it with the keyring's key`)
    const { salt, N, r, p } = file.kdf
    const key = await scrypt(passphrase, Buffer.from(salt, 'base64'), 32, { N, r, p, maxmem: SCRYPT.maxmem })
    const check = open(key, '', file.check)
    if (check === null || !timingSafeEqual(Buffer.from(check), Buffer.from(CHECK_PLAINTEXT)))
      throw new SecretFileError(`wrong passphrase for ${path}: nothing was read or changed. Give the passphrase the file was created with`)
    return new EncryptedFileSecretStore(path, key, file)
  }

  /**
   * Opens (or creates) the secret file with a random 256-bit key kept in the OS keyring, so no
   * passphrase is needed. Throws when the keyring does not answer (the caller falls back), and
   * refuses a file whose key the keyring no longer holds, leaving it as it is.
   */
  static async openWithKeyring(dataDir: string, keyring: Keyring): Promise<EncryptedFileSecretStore> {
    const path = join(dataDir, SECRET_FILE)
    const account = keyringAccount(path)
    const kind = await secretFileKind(dataDir)
    if (kind === 'scrypt') throw new SecretFileError(`${path} is keyed by a passphrase: give it (${PASSPHRASE_VARIABLE} or the prompt)`)
    if (kind === null) {
      const key = randomBytes(32)
      await keyring.set(account, key.toString('base64'))
      // Read back: a keyring that accepts a value and forgets it would lose every secret later.
      if ((await keyring.get(account)) !== key.toString('base64'))
        throw new SecretFileError('the OS keyring did not keep the key it was given')
      const store = new EncryptedFileSecretStore(path, key, {
        version: 1,
        kdf: { name: 'keyring', service: keyring.service, account },
        check: seal(key, '', CHECK_PLAINTEXT),
        secrets: {}
      })
      // Written at once: the key in the keyring and the file that needs it exist together.
      await store.write(() => {})
      return store
    }
    const file = SecretFile.parse(JSON.parse(await readFile(path, 'utf8')))
    const kdf = file.kdf as { name: 'keyring'; service: string; account: string }
    const stored = await keyring.get(kdf.account)
    if (stored === null)
      throw new SecretFileError(
        `the key of ${path} is not in the OS keyring (${kdf.service}/${kdf.account}), or no keyring answers here: nothing was read or changed. Unlock or restore the keyring, or move the file aside to start again`
      )
    const key = Buffer.from(stored, 'base64')
    const check = open(key, '', file.check)
    if (check === null || !timingSafeEqual(Buffer.from(check), Buffer.from(CHECK_PLAINTEXT)))
      throw new SecretFileError(`the OS keyring's key does not open ${path}: nothing was read or changed`)
    return new EncryptedFileSecretStore(path, key, file)
  }

  async get(name: string): Promise<string | null> {
    const sealed = this.file.secrets[name]
    if (!sealed) return null
    const value = open(this.key, name, sealed)
    if (value === null) throw new SecretFileError(`the secret "${name}" in ${this.path} fails its integrity check (altered or damaged)`)
    return value
  }

  set(name: string, value: string): Promise<void> {
    return this.write((secrets) => (secrets[name] = seal(this.key, name, value)))
  }

  delete(name: string): Promise<void> {
    return this.write((secrets) => delete secrets[name])
  }

  /** One write at a time, each on the file as the previous one left it. */
  private write(change: (secrets: SecretFile['secrets']) => void): Promise<void> {
    const next = this.writes.then(async () => {
      const secrets = { ...this.file.secrets }
      change(secrets)
      const file = { ...this.file, secrets }
      await writeFileAtomic(this.path, JSON.stringify(file, null, 1) + '\n')
      this.file = file
    })
    this.writes = next.catch(() => {})
    return next
  }
}
