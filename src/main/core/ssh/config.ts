import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import SSHConfig from 'ssh-config'

/** Where an SSH hop goes and as whom, after ~/.ssh/config has had its say. */
export interface SshHop {
  /** What the user named (an alias of ~/.ssh/config, or a host name). */
  alias: string
  host: string
  port: number
  user: string
  /** Key files to try, in order: the profile's, else the config's, else OpenSSH's defaults that exist. */
  identityFiles: string[]
}

export interface SshRoute {
  target: SshHop
  /** The one hop before it (ProxyJump), if any. */
  jump: SshHop | null
}

/** OpenSSH's default identities, tried when neither the profile nor the config names one. */
const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa']

export function homeOf(env: Record<string, string | undefined>): string {
  return env.HOME || homedir()
}

function expandHome(path: string, home: string): string {
  return path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path
}

/** `[user@]host[:port]`, as ProxyJump and ssh:// URLs write a hop. */
export function parseHopSpec(spec: string): { user: string | null; host: string; port: number | null } {
  const at = spec.lastIndexOf('@')
  const user = at >= 0 ? spec.slice(0, at) : null
  let rest = at >= 0 ? spec.slice(at + 1) : spec
  let port: number | null = null
  const bracket = /^\[(.+)\]:(\d+)$/.exec(rest)
  if (bracket) {
    rest = bracket[1]!
    port = Number(bracket[2])
  } else if (/^[^:]+:\d+$/.test(rest)) {
    const [h, p] = rest.split(':')
    rest = h!
    port = Number(p)
  }
  if (!rest) throw new Error(`"${spec}" names no host`)
  return { user, host: rest, port }
}

/**
 * Resolves an SSH destination as `ssh` would: the profile's own user, port and key win, then
 * ~/.ssh/config's `HostName`, `User`, `Port`, `IdentityFile` and `ProxyJump` for that host, then
 * OpenSSH's defaults. One ProxyJump hop is followed; a chain of several is refused by name.
 */
export function resolveSshRoute(
  dest: { host: string; port: number | null; user: string | null; identityFile: string | null; proxyJump: string | null },
  env: Record<string, string | undefined>,
  defaultUser: string
): SshRoute {
  const home = homeOf(env)
  const configFile = join(home, '.ssh', 'config')
  const config = existsSync(configFile) ? SSHConfig.parse(readFileSync(configFile, 'utf8')) : null
  const hop = (
    alias: string,
    port: number | null,
    user: string | null,
    identityFile: string | null
  ): SshHop & { proxyJump: string | null } => {
    const c = config?.compute(alias) ?? {}
    const one = (k: string) => {
      const v = c[k]
      return Array.isArray(v) ? v[0] : v
    }
    const many = (k: string) => {
      const v = c[k]
      return v === undefined ? [] : Array.isArray(v) ? v : [v]
    }
    const fromConfig = many('IdentityFile').map((f) => expandHome(f, home))
    const defaults = DEFAULT_IDENTITIES.map((f) => join(home, '.ssh', f)).filter((f) => existsSync(f))
    const proxy = one('ProxyJump')
    return {
      alias,
      host: one('HostName') ?? alias,
      port: port ?? (one('Port') ? Number(one('Port')) : 22),
      user: user ?? one('User') ?? defaultUser,
      identityFiles: identityFile ? [expandHome(identityFile, home)] : fromConfig.length ? fromConfig : defaults,
      proxyJump: proxy && proxy.toLowerCase() !== 'none' ? proxy : null
    }
  }
  const { proxyJump: configJump, ...target } = hop(dest.host, dest.port, dest.user, dest.identityFile)
  const jumpSpec = dest.proxyJump ?? configJump
  if (!jumpSpec) return { target, jump: null }
  if (jumpSpec.includes(','))
    throw new Error(`ProxyJump "${jumpSpec}" chains several hops; Lookout follows one: give the last hop as the profile's jump host`)
  const j = parseHopSpec(jumpSpec)
  // The jump host's own key comes from the config for it, not from the profile's key for the target.
  const { proxyJump: jumpsJump, ...jump } = hop(j.host, j.port, j.user, null)
  if (jumpsJump) throw new Error(`the jump host "${j.host}" has a ProxyJump of its own; Lookout follows one hop`)
  return { target, jump }
}
