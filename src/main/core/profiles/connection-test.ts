import { lookup } from 'node:dns/promises'
import { connect as tcpConnect } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import type { Redis } from 'ioredis'
import type pg from 'pg'
import type { ConnectionStep, ConnectionTest } from '../../../shared/schemas'
import { errorMessage } from '../collector'
import { describeDsn } from '../postgres/connection'
import { queryRows, str } from '../postgres/sql'
import { describeRedisUrl, redisEndpoint, tlsOptions, type RedisTlsFiles } from '../redis/connection'
import { infoString, parseInfo } from '../redis/info'
import { authHeaders, describeHttpError, readBodyLimited, redactUrl, stripCredentials } from '../prometheus/http'
import { isIP } from 'node:net'

/** Each step's own deadline: an answer slower than this is the failure to report. */
export const STEP_TIMEOUT_MS = 5000

class StepFailed extends Error {}

/**
 * Runs steps in order, timing each; the first that fails ends the test with its error, so the
 * report names the exact step (DNS, TCP, TLS, authentication...) where the path broke.
 */
class Steps {
  readonly steps: ConnectionStep[] = []

  /**
   * `work` gets a signal that aborts at the deadline (a socket is then destroyed); a value that
   * comes after the deadline anyway (a session that connected late) is handed to `dispose`, so a
   * slow step never leaves a connection or a session slot behind.
   */
  async run<T>(
    step: ConnectionStep['step'],
    work: (signal: AbortSignal) => Promise<{ value: T; detail: string }>,
    dispose?: (late: T) => void
  ): Promise<T> {
    const started = performance.now()
    const abort = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const working = work(abort.signal)
    try {
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          abort.abort()
          reject(new Error(`no answer within ${STEP_TIMEOUT_MS} ms`))
        }, STEP_TIMEOUT_MS)
      })
      const { value, detail } = await Promise.race([working, deadline])
      this.steps.push({ step, ok: true, ms: Math.round(performance.now() - started), detail })
      return value
    } catch (err) {
      if (abort.signal.aborted)
        working.then(
          (late) => dispose?.(late.value),
          () => {}
        )
      this.steps.push({ step, ok: false, ms: Math.round(performance.now() - started), detail: errorMessage(err) })
      throw new StepFailed()
    } finally {
      clearTimeout(timer)
    }
  }
}

/** A socket that is destroyed if its step's deadline passes first. */
function destroyOnAbort(signal: AbortSignal, sock: { destroy(): void }): void {
  signal.addEventListener('abort', () => sock.destroy(), { once: true })
}

async function dnsStep(s: Steps, host: string): Promise<string> {
  return s.run('dns', async () => {
    const a = await lookup(host)
    return { value: a.address, detail: a.address === host ? `${host} (an address)` : `${host} is ${a.address}` }
  })
}

async function tcpStep(s: Steps, address: string, port: number): Promise<void> {
  await s.run(
    'tcp',
    (signal) =>
      new Promise<{ value: undefined; detail: string }>((resolve, reject) => {
        const sock = tcpConnect({ host: address, port })
        destroyOnAbort(signal, sock)
        sock.once('connect', () => {
          sock.destroy()
          resolve({ value: undefined, detail: `connected to ${address}:${port}` })
        })
        sock.once('error', reject)
      })
  )
}

/** The way to a target through an SSH bastion: log in, then ask the bastion to open the target's port. */
export interface SshPath {
  describe: string
  login(): Promise<unknown>
  probe(host: string, port: number): Promise<void>
}

/** DNS and TCP from here, or through the bastion: SSH login, then TCP from the bastion (which resolves the name). */
async function reach(s: Steps, host: string, port: number, ssh: SshPath | null): Promise<string> {
  if (!ssh) {
    const address = await dnsStep(s, host)
    await tcpStep(s, address, port)
    return address
  }
  await s.run('ssh', async () => {
    await ssh.login()
    return { value: undefined, detail: `logged in to ${ssh.describe}, host key checked` }
  })
  await s.run('tcp', async () => {
    await ssh.probe(host, port)
    return { value: undefined, detail: `the bastion reached ${host}:${port}` }
  })
  return host
}

/** A TLS handshake on its own, the certificate verified with `options`: the step that names a TLS failure. */
async function tlsStep(s: Steps, address: string, port: number, options: ConnectionOptions): Promise<void> {
  await s.run(
    'tls',
    (signal) =>
      new Promise<{ value: undefined; detail: string }>((resolve, reject) => {
        const sock = tlsConnect({ host: address, port, ...options })
        destroyOnAbort(signal, sock)
        sock.once('secureConnect', () => {
          const protocol = sock.getProtocol()
          sock.destroy()
          resolve({ value: undefined, detail: `${protocol}, certificate verified` })
        })
        sock.once('error', reject)
      })
  )
}

/** The result for one target, whatever happened. */
async function report(target: string, endpoint: string, test: (s: Steps) => Promise<void>): Promise<ConnectionTest> {
  const s = new Steps()
  try {
    await test(s)
  } catch (err) {
    if (!(err instanceof StepFailed)) s.steps.push({ step: 'connect', ok: false, ms: 0, detail: errorMessage(err) })
  }
  return { target, endpoint, ok: s.steps.every((x) => x.ok), steps: s.steps }
}

/** What Lookout's Postgres checks need: pg_monitor (or superuser) and pg_stat_statements. */
const PG_PRIVILEGES_SQL = `/* lookout */ SELECT
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
  pg_has_role(current_user, 'pg_monitor', 'member') AS monitor,
  EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements') AS statements`

/** DNS, TCP, then the session (TLS as the DSN asks, and authentication), the version, and the privileges the checks need. */
export function testPostgres(dsn: string, open: () => Promise<pg.Client>, ssh: SshPath | null = null): Promise<ConnectionTest> {
  const t = describeDsn(dsn)
  return report('postgres', `${t.host}:${t.port}/${t.database}`, async (s) => {
    await reach(s, t.host, t.port, ssh)
    const client = await s.run(
      'authentication',
      async () => ({
        value: await open(),
        detail: `as "${t.user}"${/sslmode=(require|verify-ca|verify-full)/.test(dsn) ? ', over TLS' : ''}`
      }),
      (late) => void late.end().catch(() => {})
    )
    try {
      await s.run('version', async () => {
        const [r] = await queryRows(client, "/* lookout */ SELECT current_setting('server_version') AS v")
        return { value: undefined, detail: `PostgreSQL ${str(r?.v)}` }
      })
      await s.run('privileges', async () => {
        const [r] = await queryRows(client, PG_PRIVILEGES_SQL)
        const missing = [
          !r?.superuser && !r?.monitor ? `pg_monitor (GRANT pg_monitor TO "${t.user}")` : null,
          !r?.statements ? 'the pg_stat_statements extension (CREATE EXTENSION pg_stat_statements)' : null
        ].filter(Boolean)
        if (missing.length) throw new Error(`connected, but the checks need ${missing.join(' and ')}`)
        return {
          value: undefined,
          detail: r?.superuser ? 'superuser; pg_stat_statements present' : 'pg_monitor; pg_stat_statements present'
        }
      })
    } finally {
      await client.end().catch(() => {})
    }
  })
}

/** The commands the Cache view needs beyond INFO, with the ACL grant that allows each. */
const REDIS_NEEDS: [string[], string][] = [
  [['INFO', 'server'], '+info'],
  [['SLOWLOG', 'LEN'], '+slowlog'],
  [['LATENCY', 'LATEST'], '+latency']
]

/** DNS, TCP, TLS (rediss://), authentication and PING, the version, and the commands the Cache view needs. */
export function testRedis(
  url: string,
  tlsFiles: RedisTlsFiles | null,
  open: () => Promise<Redis>,
  ssh: SshPath | null = null
): Promise<ConnectionTest> {
  const t = describeRedisUrl(url)
  return report('redis', redisEndpoint(t), async (s) => {
    if (t.sentinel) throw new Error('a Sentinel URL: the test follows the primary through the connection itself')
    const address = await reach(s, t.host, t.port, ssh)
    // Through SSH the handshake is made over the tunnel by the authentication step.
    if (t.tls && !ssh) await tlsStep(s, address, t.port, tlsOptions(t, tlsFiles))
    const redis = await s.run(
      'authentication',
      async () => {
        const r = await open()
        await r.ping()
        return { value: r, detail: `as "${t.user ?? 'default'}", PING answered` }
      },
      (late) => late.disconnect()
    )
    try {
      await s.run('version', async () => {
        const info = parseInfo((await redis.call('INFO', 'server')) as string)
        return {
          value: undefined,
          detail: `Redis ${infoString(info, 'redis_version') ?? '?'} (${infoString(info, 'redis_mode') ?? 'standalone'})`
        }
      })
      await s.run('privileges', async () => {
        const denied: string[] = []
        for (const [cmd, grant] of REDIS_NEEDS)
          await redis.call(cmd[0]!, ...cmd.slice(1)).catch((err: unknown) => {
            if (!/NOPERM/.test(errorMessage(err))) throw err
            denied.push(`${cmd.join(' ')} (${grant})`)
          })
        if (denied.length)
          throw new Error(
            `connected, but the ACL user may not run ${denied.join(', ')}: ACL SETUSER ${t.user ?? 'default'} ${REDIS_NEEDS.filter(([c]) =>
              denied.some((d) => d.startsWith(c.join(' ')))
            )
              .map(([, g]) => g)
              .join(' ')}`
          )
        return { value: undefined, detail: 'INFO, SLOWLOG and LATENCY allowed' }
      })
    } finally {
      redis.disconnect()
    }
  })
}

/** Where each HTTP server says what it is: its version, behind the same auth as everything else. */
const HTTP_VERSION_PATH = { prometheus: '/api/v1/status/buildinfo', alertmanager: '/api/v2/status' } as const

/**
 * A Prometheus server or an Alertmanager: DNS, TCP, TLS (https), then one authenticated GET of its
 * status, whose answer gives the version. A 401 or 403 is the authentication step failing, named.
 */
export function testHttp(kind: 'prometheus' | 'alertmanager', url: string): Promise<ConnectionTest> {
  const u = new URL(url)
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80))
  const host = u.hostname.replace(/^\[|\]$/g, '')
  return report(kind, redactUrl(url), async (s) => {
    const address = await dnsStep(s, host)
    await tcpStep(s, address, port)
    if (u.protocol === 'https:') await tlsStep(s, address, port, { rejectUnauthorized: true, ...(isIP(host) ? {} : { servername: host }) })
    const body = await s.run('authentication', async (signal) => {
      const target = new URL(HTTP_VERSION_PATH[kind], stripCredentials(url))
      let res: Response
      try {
        res = await fetch(target, { headers: { accept: 'application/json', ...authHeaders(url) }, signal })
      } catch (err) {
        throw new Error(describeHttpError(err, url), { cause: err })
      }
      if (res.status === 401 || res.status === 403)
        throw new Error(
          `HTTP ${res.status}: the server wants credentials: put them in the URL (https://user:password@...); Lookout keeps the password in the secret store`
        )
      if (!res.ok)
        throw new Error(
          `HTTP ${res.status} from ${HTTP_VERSION_PATH[kind]}: is this a ${kind === 'prometheus' ? 'Prometheus server' : 'Alertmanager'}?`
        )
      return {
        value: await readBodyLimited(res, 1024 * 1024),
        detail: u.username ? `as "${decodeURIComponent(u.username)}"` : 'no credentials needed'
      }
    })
    await s.run('version', async () => {
      let version: unknown
      try {
        const json = JSON.parse(body) as { data?: { version?: unknown }; versionInfo?: { version?: unknown } }
        version = kind === 'prometheus' ? json.data?.version : json.versionInfo?.version
      } catch {
        version = undefined
      }
      if (typeof version !== 'string') throw new Error(`${HTTP_VERSION_PATH[kind]} did not answer with a version: not a ${kind}?`)
      return { value: undefined, detail: `${kind === 'prometheus' ? 'Prometheus' : 'Alertmanager'} ${version}` }
    })
  })
}
