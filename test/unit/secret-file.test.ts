import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { headlessSecretStore, MEMORY_ONLY_WARNING } from '../../src/main/cli/secrets'
import { EncryptedFileSecretStore, SECRET_FILE, SecretFileError } from '../../src/main/core/profiles/secret-file'
import { tempDir } from '../helpers/temp'

const PASS = 'correct horse battery staple'
const SECRET = 'pg-Pa55word-0f-the-day'

async function storeWith(entries: Record<string, string>) {
  const dir = tempDir()
  const store = await EncryptedFileSecretStore.open(dir, PASS)
  for (const [k, v] of Object.entries(entries)) await store.set(k, v)
  return { dir, path: join(dir, SECRET_FILE), store }
}

describe('the encrypted secret file (serve and CLI)', () => {
  it('keeps secrets across a reopen, never in plain text, in an owner-only file', async () => {
    const { dir, path } = await storeWith({ 'prod/postgres': SECRET, 'prod/redis': 'r3dis' })
    const text = readFileSync(path, 'utf8')
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(Buffer.from(SECRET).toString('base64'))
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const again = await EncryptedFileSecretStore.open(dir, PASS)
    expect(await again.get('prod/postgres')).toBe(SECRET)
    expect(await again.get('prod/redis')).toBe('r3dis')
    expect(await again.get('missing')).toBeNull()
    await again.delete('prod/redis')
    expect(await (await EncryptedFileSecretStore.open(dir, PASS)).get('prod/redis')).toBeNull()
  })

  it('uses a fresh random IV for every value: the same secret twice gives two ciphertexts', async () => {
    const { path } = await storeWith({ a: SECRET, b: SECRET })
    const { secrets } = JSON.parse(readFileSync(path, 'utf8'))
    expect(secrets.a.iv).not.toBe(secrets.b.iv)
    expect(secrets.a.data).not.toBe(secrets.b.data)
    expect(Buffer.from(secrets.a.iv, 'base64')).toHaveLength(12)
  })

  it('refuses a wrong passphrase with a clear error, and leaves the file exactly as it was', async () => {
    const { dir, path } = await storeWith({ k: SECRET })
    const before = readFileSync(path)
    await expect(EncryptedFileSecretStore.open(dir, 'not the passphrase')).rejects.toThrow(
      new SecretFileError(`wrong passphrase for ${path}: nothing was read or changed. Give the passphrase the file was created with`)
    )
    expect(readFileSync(path).equals(before)).toBe(true)
    expect(await (await EncryptedFileSecretStore.open(dir, PASS)).get('k')).toBe(SECRET)
  })

  it('detects a value altered in the file, and one moved to another name', async () => {
    const { dir, path } = await storeWith({ a: SECRET, b: 'other' })
    const file = JSON.parse(readFileSync(path, 'utf8'))
    const data = Buffer.from(file.secrets.a.data, 'base64')
    data[0] = data[0]! ^ 1
    file.secrets.a.data = data.toString('base64')
    // The name is authenticated with the value: b's ciphertext under a's name does not open.
    file.secrets.c = file.secrets.b
    writeFileSync(path, JSON.stringify(file))
    const store = await EncryptedFileSecretStore.open(dir, PASS)
    await expect(store.get('a')).rejects.toThrow(/the secret "a" .* fails its integrity check/)
    await expect(store.get('c')).rejects.toThrow(/the secret "c" .* fails its integrity check/)
    expect(await store.get('b')).toBe('other')
  })

  it('refuses a file that is not a secret file, and an empty passphrase, without touching anything', async () => {
    const dir = tempDir()
    writeFileSync(join(dir, SECRET_FILE), '{"hello": 1}')
    await expect(EncryptedFileSecretStore.open(dir, PASS)).rejects.toThrow(/is not a Lookout secret file .* left as it is/)
    expect(readFileSync(join(dir, SECRET_FILE), 'utf8')).toBe('{"hello": 1}')
    await expect(EncryptedFileSecretStore.open(tempDir(), '')).rejects.toThrow(/needs a passphrase/)
  })

  it('concurrent writes all land', async () => {
    const { dir, store } = await storeWith({})
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)))
    const again = await EncryptedFileSecretStore.open(dir, PASS)
    for (let i = 0; i < 20; i++) expect(await again.get(`k${i}`)).toBe(`v${i}`)
  })

  it('serve and the CLI use it with LOOKOUT_SECRET_PASSPHRASE, and say how to keep secrets without it', async () => {
    const dir = tempDir()
    const none = { keyring: null, prompt: null }
    const memory = await headlessSecretStore(dir, { env: {}, ...none })
    expect(memory).toMatchObject({ persistent: false, warning: MEMORY_ONLY_WARNING })
    const file = await headlessSecretStore(dir, { env: { LOOKOUT_SECRET_PASSPHRASE: PASS }, ...none })
    expect(file).toMatchObject({ persistent: true, warning: null })
    await file.set('x', 'y')
    await expect(headlessSecretStore(dir, { env: { LOOKOUT_SECRET_PASSPHRASE: 'wrong' }, ...none })).rejects.toThrow(/wrong passphrase/)
    // The file exists now: without its passphrase, memory only, and the warning names the file.
    expect((await headlessSecretStore(dir, { env: {}, ...none })).warning).toMatch(/secrets\.enc\.json needs its passphrase/)
  })

  it('asks for a passphrase on a terminal: twice for a new file, once to open it; a mismatch creates nothing', async () => {
    const dir = tempDir()
    const answers = (...a: string[]) => {
      const asked: string[] = []
      return { asked, prompt: async (q: string) => (asked.push(q), a.shift() ?? '') }
    }
    const mismatch = answers('one passphrase', 'another')
    await expect(headlessSecretStore(dir, { env: {}, keyring: null, prompt: mismatch.prompt })).rejects.toThrow(
      /differ: nothing was created/
    )
    expect(existsSync(join(dir, SECRET_FILE))).toBe(false)
    const create = answers(PASS, PASS)
    const store = await headlessSecretStore(dir, { env: {}, keyring: null, prompt: create.prompt })
    expect(create.asked).toEqual([expect.stringMatching(/^New passphrase for .*secrets\.enc\.json/), 'The same passphrase again: '])
    await store.set('k', 'v')
    const reopen = answers(PASS)
    expect(await (await headlessSecretStore(dir, { env: {}, keyring: null, prompt: reopen.prompt })).get('k')).toBe('v')
    await expect(headlessSecretStore(dir, { env: {}, keyring: null, prompt: answers('nope').prompt })).rejects.toThrow(/wrong passphrase/)
  })
})
