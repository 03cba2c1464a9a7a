import { execFileSync } from 'node:child_process'
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { postgresBinDir } from './binaries'
import { freePort, waitFor } from './net'
import { isRoot, ServerProcess, type RunAs } from './process'

export interface PostgresHandle {
  host: string
  port: number
  user: string
  password: string
  database: string
  /** DSN with the password, for tests and the demo only. */
  dsn: string
  /** DSN without the password, as a profile stores it. */
  dsnNoPassword: string
  dir: string
  /** A superuser client over the Unix socket (trust auth), for fixtures. */
  admin(database?: string): Promise<pg.Client>
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

export interface StartPostgresOptions {
  database?: string
  extraSettings?: Record<string, string>
  /** pg_stat_statements in shared_preload_libraries (default true). */
  statStatements?: boolean
  /** pg_hba.conf lines put before initdb's own (the first match wins), e.g. `hostssl all all 127.0.0.1/32 cert`. */
  hbaFirst?: string[]
}

const SERVICE_USER = 'postgres'

function serviceIds(): RunAs {
  const uid = Number(execFileSync('id', ['-u', SERVICE_USER]).toString().trim())
  const gid = Number(execFileSync('id', ['-g', SERVICE_USER]).toString().trim())
  return { uid, gid }
}

/**
 * A throw-away PostgreSQL cluster: initdb into a temp dir, loopback TCP with scram passwords,
 * a Unix socket in the same dir with trust for the harness's own admin work, fsync off.
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<PostgresHandle> {
  const bin = postgresBinDir()
  const root = isRoot()
  const runAs = root ? serviceIds() : null
  const dir = mkdtempSync(join(tmpdir(), 'lookout-pg-'))
  if (runAs) chownSync(dir, runAs.uid, runAs.gid)
  const dataDir = join(dir, 'data')
  const initArgs = [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
    '--no-sync'
  ]
  try {
    execFileSync(join(bin, 'initdb'), initArgs, { stdio: 'pipe', cwd: dir, ...(runAs ?? {}) })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    const e = err as { stderr?: Buffer }
    throw new Error(`initdb failed: ${e.stderr?.toString() ?? String(err)}`, { cause: err })
  }
  if (opts.hbaFirst?.length) {
    const hba = join(dataDir, 'pg_hba.conf')
    writeFileSync(hba, `${opts.hbaFirst.join('\n')}\n${readFileSync(hba, 'utf8')}`)
  }
  const port = await freePort()
  const settings: Record<string, string> = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '100',
    shared_buffers: '64MB',
    log_min_messages: 'warning',
    ...(opts.statStatements === false ? {} : { shared_preload_libraries: 'pg_stat_statements', 'pg_stat_statements.track': 'all' }),
    ...opts.extraSettings
  }
  const args = ['-D', dataDir, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])]
  const proc = new ServerProcess('postgres', join(bin, 'postgres'), args, runAs, dir)
  const password = randomBytes(12).toString('hex')
  const database = opts.database ?? 'app'

  const admin = async (db = 'postgres') => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database: db })
    c.on('error', () => {})
    await c.connect()
    return c
  }
  const waitReady = () =>
    waitFor(
      'PostgreSQL',
      async () => {
        if (!proc.running) throw new Error(`PostgreSQL exited:\n${proc.tail()}`)
        try {
          const c = await admin()
          await c.end()
          return true
        } catch {
          return false
        }
      },
      30_000,
      () => proc.tail()
    )

  proc.start()
  await waitReady()
  const c = await admin()
  try {
    await c.query(`ALTER ROLE postgres PASSWORD '${password}'`)
    await c.query(`CREATE DATABASE ${database}`)
  } finally {
    await c.end()
  }
  if (opts.statStatements !== false) {
    const a = await admin(database)
    await a.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements')
    await a.end()
  }
  const dsnNoPassword = `postgresql://postgres@127.0.0.1:${port}/${database}`
  return {
    host: '127.0.0.1',
    port,
    user: 'postgres',
    password,
    database,
    dsn: `postgresql://postgres:${password}@127.0.0.1:${port}/${database}`,
    dsnNoPassword,
    dir,
    admin,
    kill: () => proc.kill('SIGKILL'),
    async restart() {
      await proc.kill('SIGKILL')
      proc.start()
      await waitReady()
    },
    async stop() {
      // SIGINT is PostgreSQL's fast shutdown.
      await proc.kill('SIGINT')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface StandbyHandle {
  port: number
  dir: string
  /** DSN of the standby, with the primary's password (pg_basebackup copied the roles). */
  dsn: string
  admin(database?: string): Promise<pg.Client>
  stop(): Promise<void>
}

/**
 * A streaming-replication standby of a harness primary: pg_basebackup with -R (standby.signal
 * and primary_conninfo written for us) into a temp dir, then a postgres on a free port.
 */
export async function startStandby(primary: PostgresHandle): Promise<StandbyHandle> {
  const bin = postgresBinDir()
  const runAs = isRoot() ? serviceIds() : null
  const dir = mkdtempSync(join(tmpdir(), 'lookout-pg-standby-'))
  if (runAs) chownSync(dir, runAs.uid, runAs.gid)
  const dataDir = join(dir, 'data')
  try {
    execFileSync(
      join(bin, 'pg_basebackup'),
      [
        '-D',
        dataDir,
        '-R',
        '-X',
        'stream',
        '-h',
        primary.host,
        '-p',
        String(primary.port),
        '-U',
        primary.user,
        '--no-sync',
        '--checkpoint=fast'
      ],
      { stdio: 'pipe', cwd: dir, env: { ...process.env, PGPASSWORD: primary.password }, ...(runAs ?? {}) }
    )
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    const e = err as { stderr?: Buffer }
    throw new Error(`pg_basebackup failed: ${e.stderr?.toString() ?? String(err)}`, { cause: err })
  }
  const port = await freePort()
  const args = ['-D', dataDir, '-c', `port=${port}`, '-c', `unix_socket_directories=${dir}`, '-c', 'hot_standby=on']
  const proc = new ServerProcess('postgres standby', join(bin, 'postgres'), args, runAs, dir)
  const admin = async (db = 'postgres') => {
    const c = new pg.Client({ host: dir, port, user: 'postgres', database: db })
    c.on('error', () => {})
    await c.connect()
    return c
  }
  proc.start()
  await waitFor(
    'PostgreSQL standby',
    async () => {
      if (!proc.running) throw new Error(`the standby exited:\n${proc.tail()}`)
      try {
        const c = await admin()
        const r = await c.query('SELECT pg_is_in_recovery() AS r')
        await c.end()
        return r.rows[0].r === true
      } catch {
        return false
      }
    },
    30_000,
    () => proc.tail()
  )
  return {
    port,
    dir,
    dsn: `postgresql://${primary.user}:${primary.password}@127.0.0.1:${port}/${primary.database}`,
    admin,
    async stop() {
      await proc.kill('SIGINT')
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
