import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { SECRET_FILE } from '../../src/main/core/profiles/secret-file'
import { tempDir } from '../helpers/temp'

const CHILD = join(__dirname, '../helpers/keyring-child.ts')
const SECRET = 'pa55-in-the-keyring'

/**
 * Runs the child in a D-Bus session of its own with GNOME Keyring's Secret Service unlocked: a
 * real OS keyring, as on a Linux desktop. Each call is a new session and a new keyring unless
 * `keyringDir` is the same (the daemon keeps its keyring files under XDG_DATA_HOME).
 */
function inKeyringSession(
  keyringDir: string,
  args: string[]
): { ok: boolean; persistent?: boolean; warning?: string | null; value?: string | null; error?: string } {
  const script = `echo -n lookout-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1; exec node --import tsx ${CHILD} ${args.map((a) => `'${a}'`).join(' ')}`
  const out = execFileSync('dbus-run-session', ['--', 'bash', '-c', script], {
    env: { ...process.env, XDG_DATA_HOME: keyringDir, HOME: keyringDir, LOOKOUT_SECRET_PASSPHRASE: '' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore']
  })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

function withoutKeyring(args: string[]) {
  // No D-Bus session at all: no keyring answers.
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent', LOOKOUT_SECRET_PASSPHRASE: '' },
    encoding: 'utf8'
  })
  return JSON.parse(out.trim().split('\n').at(-1)!)
}

describe('the secret file keyed by the OS keyring (GNOME Keyring over D-Bus)', () => {
  it('keeps a secret across restarts with no passphrase, the key in the keyring and no plain text on disk', () => {
    const keyringDir = tempDir()
    const dataDir = tempDir()
    expect(inKeyringSession(keyringDir, [dataDir, 'set', 'profile/db/postgres', SECRET])).toEqual({
      ok: true,
      persistent: true,
      warning: null,
      value: SECRET
    })
    const file = readFileSync(join(dataDir, SECRET_FILE), 'utf8')
    expect(JSON.parse(file).kdf).toMatchObject({
      name: 'keyring',
      service: 'Lookout',
      account: expect.stringMatching(/^secret-file:[0-9a-f]{16}$/)
    })
    expect(file).not.toContain(SECRET)
    // A new process, a new session on the same keyring: the key is found, the secret read.
    expect(inKeyringSession(keyringDir, [dataDir, 'get', 'profile/db/postgres'])).toMatchObject({ ok: true, value: SECRET })
  })

  it('a keyring that lost the key refuses the file and leaves it as it is', () => {
    const dataDir = tempDir()
    inKeyringSession(tempDir(), [dataDir, 'set', 'k', SECRET])
    const before = readFileSync(join(dataDir, SECRET_FILE), 'utf8')
    // Another keyring (another user's, a reinstalled machine): the account is not there.
    const r = inKeyringSession(tempDir(), [dataDir, 'get', 'k'])
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(
      /is not in the OS keyring \(Lookout\/secret-file:[0-9a-f]+\), or no keyring answers here: nothing was read or changed/
    )
    expect(readFileSync(join(dataDir, SECRET_FILE), 'utf8')).toBe(before)
  })

  it('with no keyring and no passphrase, secrets stay in memory and the warning says how to keep them', () => {
    const r = withoutKeyring([tempDir(), 'set', 'k', SECRET])
    expect(r).toMatchObject({ ok: true, persistent: false, value: SECRET })
    expect(r.warning).toMatch(/no OS keyring answered and no passphrase was given/)
  })

  it('a tampered file is refused by name when read, not silently dropped', () => {
    const keyringDir = tempDir()
    const dataDir = tempDir()
    inKeyringSession(keyringDir, [dataDir, 'set', 'k', SECRET])
    const path = join(dataDir, SECRET_FILE)
    const f = JSON.parse(readFileSync(path, 'utf8'))
    f.secrets.k.data = Buffer.from('forged').toString('base64')
    writeFileSync(path, JSON.stringify(f))
    expect(inKeyringSession(keyringDir, [dataDir, 'get', 'k'])).toMatchObject({
      ok: false,
      error: expect.stringContaining('fails its integrity check')
    })
  })
})
