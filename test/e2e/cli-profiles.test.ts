import { spawn, spawnSync } from 'node:child_process'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresHandle } from '../../src/main/harness/postgres'
import { tempDir } from '../helpers/temp'
import { writeLibpqHome } from '../helpers/libpq-home'
import { eventually } from '../harness'
import { ROOT } from './browser'

let pg: PostgresHandle
const home = tempDir()
const dataDir = tempDir()
const BIN = join(ROOT, 'bin/lookout.js')

/** The built CLI with a throw-away HOME (its libpq files), no PG* variables of the machine's, and a passphrase for the secret file. */
function lookout(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PG')))
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], {
    encoding: 'utf8',
    cwd: ROOT,
    env: { ...clean, HOME: home, LOOKOUT_SECRET_PASSPHRASE: 'cli test passphrase', ...env }
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(async () => {
  pg = await startPostgres()
  writeLibpqHome(home, pg, ['billing-prod', 'scratch-dev'])
})
afterAll(async () => {
  await pg?.stop()
})

describe('lookout profiles', () => {
  it('import shows its plan and does nothing without --yes; with it, creates the profiles', () => {
    const dry = lookout(['profiles', 'import', '--from', 'pg-service'])
    expect(dry.code).toBe(2)
    expect(dry.stdout).toMatch(/^create\tbilling-prod\tprod \(guessed\)\t127\.0\.0\.1:\d+\/app\tpassword from .*\.pgpass, line 1$/m)
    expect(dry.stdout).toMatch(/^create\tscratch-dev\tdev \(guessed\)/m)
    expect(dry.stderr).toContain('nothing imported: add --yes')
    expect(lookout(['profiles', 'list']).stdout).toBe('')

    const done = lookout(['profiles', 'import', '--from', 'pg-service', '--yes'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout.trim().split('\n').pop()!)).toEqual({ created: ['billing-prod', 'scratch-dev'], updated: [] })
    expect(done.stdout + done.stderr).not.toContain(pg.password)
  })

  it('list, show and export never print a password; the passphrase keeps it for the next command', () => {
    const list = lookout(['profiles', 'list'])
    expect(list.code).toBe(0)
    // Imported on prod, so read-only until that is turned off (a guarded change).
    expect(list.stdout).toMatch(/^billing-prod\tprod read-only\tpostgres 127\.0\.0\.1:\d+\/app\tsecrets: postgres$/m)
    // Without the passphrase the CLI has no secret file to read: the profile is there, its password is not.
    expect(lookout(['profiles', 'list'], { LOOKOUT_SECRET_PASSPHRASE: '' }).stdout).toMatch(/^billing-prod\t.*\tno secret$/m)
    const show = lookout(['profiles', 'show', 'billing-prod'])
    expect(JSON.parse(show.stdout)).toMatchObject({ name: 'billing-prod', environment: 'prod', secrets: { postgres: true } })
    const exported = lookout(['profiles', 'export'])
    expect(JSON.parse(exported.stdout).profiles.map((p: { name: string }) => p.name)).toEqual(['billing-prod', 'scratch-dev'])
    for (const out of [list, show, exported]) expect(out.stdout).not.toContain(pg.password)
    for (const file of ['profiles.json', 'secrets.enc.json']) expect(readFileSync(join(dataDir, file), 'utf8')).not.toContain(pg.password)
    expect(lookout(['profiles', 'show', 'nope'])).toMatchObject({ code: 2, stderr: 'lookout profiles show: no profile named "nope"\n' })
  })

  it('test walks each target step by step, each step timed, with the password from the secret file or ~/.pgpass', () => {
    const r = lookout(['profiles', 'test', 'billing-prod'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^postgres 127\.0\.0\.1:\d+\/app: ok$/m)
    for (const step of ['dns', 'tcp', 'authentication', 'version', 'privileges'])
      expect(r.stdout).toMatch(new RegExp(`^  ok   ${step} +\\d+ ms  `, 'm'))
    expect(r.stdout).toMatch(/ok {3}version +\d+ ms {2}PostgreSQL 1\d\./)
    expect(r.stdout).not.toContain(pg.password)
    // Without the passphrase no password is stored, and the driver finds it in ~/.pgpass, as libpq would.
    const viaPgpass = lookout(['profiles', 'test', 'billing-prod'], { LOOKOUT_SECRET_PASSPHRASE: '' })
    expect(viaPgpass.code).toBe(0)
    // And with neither, the step that fails is named.
    const none = lookout(['profiles', 'test', 'billing-prod'], { LOOKOUT_SECRET_PASSPHRASE: '', PGPASSFILE: '/nonexistent' })
    expect(none.code).toBe(1)
    expect(none.stdout).toMatch(
      /^ {2}FAIL authentication +\d+ ms {2}.*the server asks for a password and Lookout has none for this profile/m
    )
  })

  it('a re-import that gives a prod profile a new password needs its name typed; nothing is saved before', () => {
    writeFileSync(join(home, '.pgpass'), `127.0.0.1:${pg.port}:*:postgres:rotated-password\n`)
    chmodSync(join(home, '.pgpass'), 0o600)
    const secrets = readFileSync(join(dataDir, 'secrets.enc.json'))
    const refused = lookout(['profiles', 'import', '--from', 'pg-service', '--yes'])
    expect(refused.stdout).toMatch(/^update\tbilling-prod\tprod/m)
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/needs its name typed/)
    // The dev profile in the same import was not given its new password either.
    expect(readFileSync(join(dataDir, 'secrets.enc.json')).equals(secrets)).toBe(true)
    const done = lookout(['profiles', 'import', '--from', 'pg-service', '--yes', '--only', 'billing-prod', '--confirm', 'billing-prod'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout.trim().split('\n').pop()!)).toEqual({ created: [], updated: ['billing-prod'] })
    expect(readFileSync(join(dataDir, 'audit.log'), 'utf8')).toMatch(/"action":"import profiles".*"outcome":"refused"/)
  })

  it('delete needs --yes, and a prod profile its name typed', () => {
    expect(lookout(['profiles', 'delete', 'scratch-dev'])).toMatchObject({ code: 2, stderr: expect.stringContaining('use --yes') })
    expect(lookout(['profiles', 'delete', 'scratch-dev', '--yes']).code).toBe(0)
    const refused = lookout(['profiles', 'delete', 'billing-prod', '--yes'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('needs its name typed')
    expect(lookout(['profiles', 'delete', 'billing-prod', '--yes', '--confirm', 'billing-prod']).code).toBe(0)
    expect(lookout(['profiles', 'list']).stdout).toBe('')
  })

  it('asks for the passphrase on a terminal, without echo, and reads the secret file with it', async () => {
    const dir = tempDir()
    const made = spawnSync(
      process.execPath,
      [BIN, 'profiles', 'import', '--from', 'redis://:tty-secret@cache.dev.example:6379/0', '--yes', '--data-dir', dir],
      {
        cwd: ROOT,
        env: { ...process.env, HOME: home, LOOKOUT_SECRET_PASSPHRASE: 'terminal passphrase' }
      }
    )
    expect(made.status).toBe(0)
    // util-linux's script gives the command a pseudo-terminal; what is written to its input is typed.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'LOOKOUT_SECRET_PASSPHRASE'))
    const child = spawn('script', ['-qec', `${process.execPath} ${BIN} profiles list --data-dir ${dir}`, '/dev/null'], {
      cwd: ROOT,
      env: { ...clean, HOME: home, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent' }
    })
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    await eventually('the prompt', () => out.includes('Passphrase for'), 30_000)
    child.stdin.write('terminal passphrase\n')
    const code = await new Promise((r) => child.on('exit', r))
    expect(code).toBe(0)
    expect(out).toMatch(/cache\.dev\.example\tdev\tredis redis:\/\/cache\.dev\.example:6379\/0\tsecrets: redis/)
    expect(out).not.toContain('terminal passphrase')
    expect(out).not.toContain('tty-secret')
  })

  it('restore-backup says what is wrong with profiles.json, needs --yes, and keeps the bad file aside', () => {
    const dir = tempDir()
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, 'profiles', ...args, '--data-dir', dir], {
        encoding: 'utf8',
        cwd: ROOT,
        env: { ...process.env, HOME: home, LOOKOUT_SECRET_PASSPHRASE: 'restore passphrase' }
      })
    expect(run(['import', '--from', 'redis://cache.dev.example:6379/0', '--yes']).status).toBe(0)
    expect(run(['import', '--from', 'redis://other.dev.example:6379/0', '--yes']).status).toBe(0)
    const bad = '{"version": 2, "profiles": ['
    writeFileSync(join(dir, 'profiles.json'), bad)
    const refused = run(['restore-backup'])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toMatch(/profiles\.json, line 1, column \d+: not valid JSON/)
    expect(refused.stderr).toMatch(/replaces profiles\.json: send "confirm" \(use --yes\)/)
    expect(readFileSync(join(dir, 'profiles.json'), 'utf8')).toBe(bad)
    const done = run(['restore-backup', '--yes'])
    expect(done.status).toBe(0)
    const { restored, keptAside } = JSON.parse(done.stdout) as { restored: number; keptAside: string }
    expect(restored).toBe(1)
    expect(readFileSync(keptAside, 'utf8')).toBe(bad)
    expect(run(['list']).stdout).toMatch(/^cache\.dev\.example\t/m)
    expect(readFileSync(join(dir, 'audit.log'), 'utf8')).toMatch(
      /"action":"restore profiles backup".*"outcome":"refused"[\s\S]*"action":"restore profiles backup".*"outcome":"ok"/
    )
  })
})
