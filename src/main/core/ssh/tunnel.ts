import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
// ssh2 is CommonJS: its named exports are taken from the default one, for Node's ESM loader.
import ssh2, { type AuthenticationType, type Client as SshClient, type ConnectConfig } from 'ssh2'
import { errorMessage } from '../collector'
import { homeOf, type SshHop, type SshRoute } from './config'
import { checkKnownHosts, fingerprintOf, knownHostsName } from './known-hosts'

const { Client, utils } = ssh2
type Client = SshClient

/** How long an SSH handshake and login may take before the attempt fails. */
export const SSH_READY_TIMEOUT_MS = 10_000
/** Keep-alives every 10 s; three unanswered and the connection is dropped (then reopened on demand). */
export const SSH_KEEPALIVE_MS = 10_000
export const SSH_KEEPALIVE_MAX = 3

export interface TunnelSettings {
  route: SshRoute
  /** The key's passphrase, or the login password when no key is found: from the secret store. */
  secret: string | null
  /** A pinned fingerprint: known_hosts is then not read. */
  hostKey: string | null
  knownHostsFile: string | null
  env: Record<string, string | undefined>
}

/** Why SSH refused, in words an SRE acts on. Never holds the passphrase. */
export class SshError extends Error {
  override name = 'SshError'
}

/** The key type named at the start of an SSH public key blob ("ssh-ed25519"). */
function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0)
  return blob.subarray(4, 4 + len).toString('latin1')
}

/**
 * One SSH connection (through one ProxyJump hop if need be) and the local ends of the forwards
 * made over it, like `ssh -N -L`. Clients connect to 127.0.0.1:<local port>; each connection
 * opens a channel to the destination. The SSH connection is opened on the first client and again
 * after it drops, so a poll that fails is retried under its target's own backoff and nothing
 * reconnects in a loop of its own. The host key of every hop is checked before any secret is
 * sent: against the pinned fingerprint, else known_hosts, and an unknown or changed key is
 * refused with the fingerprint the server showed.
 */
export class SshTunnel {
  private client: Client | null = null
  private jumpClient: Client | null = null
  private connecting: Promise<Client> | null = null
  private readonly forwards = new Map<string, Promise<{ server: Server; port: number }>>()
  private readonly sockets = new Set<Socket>()
  /** The last failure, for the target's error message: a forward can only close the client's socket. */
  lastError: string | null = null
  private closed = false

  constructor(private readonly settings: TunnelSettings) {}

  get describe(): string {
    const { target, jump } = this.settings.route
    return `${target.user}@${target.host}:${target.port}${jump ? ` via ${jump.host}:${jump.port}` : ''}`
  }

  /** The local end of a forward to host:port (as the bastion resolves it), made once and kept. */
  forward(host: string, port: number): Promise<{ host: string; port: number }> {
    const key = `${host}:${port}`
    let f = this.forwards.get(key)
    if (!f) {
      f = new Promise((resolve, reject) => {
        const server = createServer((sock) => this.accept(sock, host, port))
        server.once('error', reject)
        server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port }))
      })
      this.forwards.set(key, f)
    }
    return f.then(({ port: local }) => ({ host: '127.0.0.1', port: local }))
  }

  /** Opens a channel to host:port through the bastion and closes it: can the bastion reach it? */
  async probe(host: string, port: number): Promise<void> {
    const client = await this.connection()
    await new Promise<void>((resolve, reject) =>
      client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
        if (err) return reject(new SshError(`the bastion ${this.describe} could not open ${host}:${port}: ${err.message}`))
        stream.close()
        resolve()
      })
    )
  }

  private accept(sock: Socket, host: string, port: number): void {
    this.sockets.add(sock)
    sock.once('close', () => this.sockets.delete(sock))
    sock.on('error', () => {})
    this.connection().then(
      (client) =>
        client.forwardOut('127.0.0.1', 0, host, port, (err, stream) => {
          if (err) {
            this.lastError = `the bastion ${this.describe} could not open ${host}:${port}: ${err.message}`
            return sock.destroy()
          }
          this.lastError = null
          if (sock.destroyed) return stream.close()
          sock.pipe(stream).pipe(sock)
          stream.on('error', () => sock.destroy())
          stream.once('close', () => sock.destroy())
          sock.once('close', () => stream.close())
        }),
      (err: unknown) => {
        this.lastError = errorMessage(err)
        sock.destroy()
      }
    )
  }

  /** The SSH connection, opened if there is none; concurrent callers share one attempt. */
  connection(): Promise<Client> {
    if (this.closed) return Promise.reject(new SshError('the SSH tunnel is closed'))
    if (this.client) return Promise.resolve(this.client)
    this.connecting ??= this.open().finally(() => (this.connecting = null))
    return this.connecting
  }

  private async open(): Promise<Client> {
    const { route } = this.settings
    let sock: NodeJS.ReadableStream | undefined
    if (route.jump) {
      const jump = await this.login(route.jump, undefined, 'jump host ')
      this.jumpClient = jump
      sock = await new Promise((resolve, reject) =>
        jump.forwardOut('127.0.0.1', 0, route.target.host, route.target.port, (err, stream) =>
          err
            ? reject(
                new SshError(`the jump host ${route.jump!.host} could not reach ${route.target.host}:${route.target.port}: ${err.message}`)
              )
            : resolve(stream)
        )
      )
    }
    const client = await this.login(route.target, sock, '')
    this.client = client
    client.once('close', () => {
      if (this.client === client) this.client = null
      this.jumpClient?.end()
      this.jumpClient = null
    })
    return client
  }

  /** One authenticated SSH connection to a hop, its host key checked first. */
  private login(hop: SshHop, sock: NodeJS.ReadableStream | undefined, what: string): Promise<Client> {
    const methods = this.authMethods(hop)
    return new Promise((resolve, reject) => {
      const client = new Client()
      let refusal: string | null = null
      let ready = false
      client.once('ready', () => {
        ready = true
        resolve(client)
      })
      client.on('error', (err) => {
        if (ready) return
        const level = (err as { level?: string }).level
        const why =
          refusal ??
          (level === 'client-authentication'
            ? `SSH login as ${hop.user} on ${what}${hop.host}:${hop.port} refused (tried ${methods.map((m) => m.type).join(', ') || 'nothing'}): ${this.authHint(hop)}`
            : level === 'client-timeout'
              ? `SSH ${what}${hop.host}:${hop.port} did not finish its handshake within ${SSH_READY_TIMEOUT_MS} ms`
              : `SSH ${what}${hop.host}:${hop.port}: ${err.message}`)
        reject(new SshError(why))
      })
      client.once('close', () => {
        if (!ready) reject(new SshError(refusal ?? `SSH ${what}${hop.host}:${hop.port} closed the connection`))
      })
      const config: ConnectConfig = {
        host: hop.host,
        port: hop.port,
        username: hop.user,
        readyTimeout: SSH_READY_TIMEOUT_MS,
        keepaliveInterval: SSH_KEEPALIVE_MS,
        keepaliveCountMax: SSH_KEEPALIVE_MAX,
        hostVerifier: (key: Buffer) => {
          refusal = this.verifyHostKey(hop, key, what)
          return refusal === null
        },
        authHandler: methods as unknown as AuthenticationType[]
      }
      if (sock) config.sock = sock as ConnectConfig['sock']
      if (methods.length === 0) return reject(new SshError(`SSH ${what}${hop.host}: no way to log in: ${this.authHint(hop)}`))
      client.connect(config)
    })
  }

  /** null when the key is trusted, else why it is refused, with the fingerprint the server showed. */
  private verifyHostKey(hop: SshHop, key: Buffer, what: string): string | null {
    const shown = fingerprintOf(key)
    const name = `${what}${hop.host}:${hop.port}`
    // A pinned key applies to the bastion itself; a jump host is checked against known_hosts.
    if (this.settings.hostKey && hop === this.settings.route.target) {
      return shown === this.settings.hostKey
        ? null
        : `SSH host key of ${name} is ${shown}, not the pinned ${this.settings.hostKey}: refused (a changed key, or a machine in the middle)`
    }
    const file = this.settings.knownHostsFile ?? join(homeOf(this.settings.env), '.ssh', 'known_hosts')
    const text = existsSync(file) ? readFileSync(file, 'utf8') : ''
    const verdict = checkKnownHosts(text, hop.host, hop.port, keyTypeOf(key), key)
    switch (verdict.status) {
      case 'match':
        return null
      case 'changed':
        return `SSH host key of ${name} CHANGED: ${file} line ${verdict.line} holds another ${keyTypeOf(key)} key, the server shows ${shown}. Refused: it may be a machine in the middle; if the key was rotated, fix that line`
      case 'revoked':
        return `SSH host key of ${name} (${shown}) is marked @revoked in ${file} line ${verdict.line}: refused`
      default:
        return `SSH host key of ${name} is unknown: ${shown} is not in ${file}. Check it with the server's owner, then add it (ssh-keyscan -p ${hop.port} ${hop.host} >> ${file}, as ${knownHostsName(hop.host, hop.port)}) or pin it in the profile (sshHostKey)`
    }
  }

  /** Agent first (its keys never leave it), then the key files, then a password when no key was found. */
  private authMethods(hop: SshHop): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = []
    const agent = this.settings.env.SSH_AUTH_SOCK
    if (agent) out.push({ type: 'agent', username: hop.user, agent })
    let keys = 0
    for (const file of hop.identityFiles) {
      if (!existsSync(file)) continue
      const data = readFileSync(file)
      const parsed = utils.parseKey(data, this.settings.secret ?? undefined)
      if (parsed instanceof Error) continue
      keys++
      out.push({ type: 'publickey', username: hop.user, key: data, passphrase: this.settings.secret ?? undefined })
    }
    // The secret is a key passphrase when a key file exists: never sent to the server as a password.
    const anyKeyFile = hop.identityFiles.some((f) => existsSync(f))
    if (keys === 0 && !anyKeyFile && this.settings.secret)
      out.push({ type: 'password', username: hop.user, password: this.settings.secret })
    return out
  }

  private authHint(hop: SshHop): string {
    const files = hop.identityFiles.filter((f) => existsSync(f))
    const unreadable = files.filter((f) => utils.parseKey(readFileSync(f), this.settings.secret ?? undefined) instanceof Error)
    if (unreadable.length)
      return `the key ${unreadable.join(', ')} could not be read: ${this.settings.secret ? 'wrong passphrase' : 'it is encrypted: give its passphrase as the ssh:// URL password'}`
    if (!files.length && !this.settings.env.SSH_AUTH_SOCK)
      return `no key file (${hop.identityFiles.join(', ') || 'none configured'}) and no ssh-agent (SSH_AUTH_SOCK)`
    return `the server accepts none of ${[this.settings.env.SSH_AUTH_SOCK ? 'the agent’s keys' : '', ...files].filter(Boolean).join(', ')}`
  }

  async close(): Promise<void> {
    this.closed = true
    for (const s of this.sockets) s.destroy()
    this.client?.end()
    this.jumpClient?.end()
    const servers = await Promise.allSettled([...this.forwards.values()])
    await Promise.all(
      servers.map((r) => (r.status === 'fulfilled' ? new Promise<void>((res) => r.value.server.close(() => res())) : Promise.resolve()))
    )
  }
}
