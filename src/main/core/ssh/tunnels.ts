import { createHash } from 'node:crypto'
import { userInfo } from 'node:os'
import { ApiError } from '../../../shared/api'
import type { Profile } from '../../../shared/schemas'
import type { UrlField } from '../profiles/secrets'
import { parseHopSpec, resolveSshRoute } from './config'
import { SshTunnel } from './tunnel'
import { TLS_NAME_PARAM } from '../tls-name'

type Urls = Partial<Record<UrlField, string>>

/** The URL fields each tunnelled target covers: a Redis replica goes the way of its primary. */
const FIELDS_OF = { postgres: ['postgres'], redis: ['redis', 'redisReplica'] } as const

/**
 * The SSH tunnels of the profiles that have a bastion: one per profile, made on first use and
 * remade when the profile's SSH settings or passphrase change. `route` gives the URLs a client
 * connects with, their host and port replaced by the tunnel's local end; every connection Lookout
 * makes for the profile (monitoring, actions, EXPLAIN, connection tests) takes its URLs from here.
 */
export class SshTunnels {
  private readonly byProfile = new Map<string, { key: string; tunnel: SshTunnel }>()

  constructor(private readonly env: Record<string, string | undefined>) {}

  async route(p: Profile, urls: Urls, secret: string | null): Promise<Urls> {
    if (!p.ssh) return urls
    const tunnel = this.tunnelFor(p, secret)
    const out: Urls = { ...urls }
    for (const target of p.sshTargets ?? ['postgres', 'redis']) {
      for (const field of FIELDS_OF[target]) {
        const url = urls[field] ?? p[field]
        if (!url) continue
        out[field] = await this.through(tunnel, field, url)
      }
    }
    return out
  }

  private async through(tunnel: SshTunnel, field: UrlField, url: string): Promise<string> {
    const u = new URL(url)
    if (u.protocol.includes('sentinel'))
      throw new ApiError(
        'bad_request',
        `${field}: a Sentinel URL cannot go through an SSH tunnel (its primary is found at run time); tunnel the primary's redis:// URL`
      )
    if (u.searchParams.has('host') || u.searchParams.has('hostaddr'))
      throw new ApiError('bad_request', `${field}: through SSH, name the server in the URL's host, not in ?host= or ?hostaddr=`)
    const defaultPort = field === 'postgres' ? 5432 : 6379
    const realHost = u.hostname.replace(/^\[|\]$/g, '')
    const local = await tunnel.forward(realHost, u.port ? Number(u.port) : defaultPort)
    u.hostname = local.host
    u.port = String(local.port)
    // TLS checks the certificate against the server's name, not the tunnel's 127.0.0.1.
    u.searchParams.set(TLS_NAME_PARAM, realHost)
    return u.toString()
  }

  private tunnelFor(p: Profile, secret: string | null): SshTunnel {
    const key = JSON.stringify([
      p.ssh,
      p.sshIdentityFile,
      p.sshProxyJump,
      p.sshHostKey,
      p.sshKnownHostsFile,
      secret === null ? null : createHash('sha256').update(secret).digest('hex')
    ])
    const existing = this.byProfile.get(p.name)
    if (existing?.key === key) return existing.tunnel
    if (existing) void existing.tunnel.close()
    const u = new URL(p.ssh!)
    const dest = parseHopSpec(`${u.hostname}${u.port ? `:${u.port}` : ''}`)
    let route
    try {
      route = resolveSshRoute(
        {
          host: dest.host,
          port: dest.port,
          user: u.username ? decodeURIComponent(u.username) : null,
          identityFile: p.sshIdentityFile ?? null,
          proxyJump: p.sshProxyJump ?? null
        },
        this.env,
        userInfo().username
      )
    } catch (err) {
      throw new ApiError('bad_request', `ssh: ${(err as Error).message}`)
    }
    const tunnel = new SshTunnel({
      route,
      secret,
      hostKey: p.sshHostKey ?? null,
      knownHostsFile: p.sshKnownHostsFile ?? null,
      env: this.env
    })
    this.byProfile.set(p.name, { key, tunnel })
    return tunnel
  }

  /** The tunnel's last failure (host key refused, login refused, bastion down), for a target's error. */
  lastError(profile: string): string | null {
    return this.byProfile.get(profile)?.tunnel.lastError ?? null
  }

  tunnelOf(profile: string): SshTunnel | null {
    return this.byProfile.get(profile)?.tunnel ?? null
  }

  async drop(profile: string): Promise<void> {
    const t = this.byProfile.get(profile)
    this.byProfile.delete(profile)
    await t?.tunnel.close()
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.byProfile.keys()].map((n) => this.drop(n)))
  }
}
