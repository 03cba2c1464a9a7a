import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { MissingBinaryError } from './binaries'
import { freePort, waitFor } from './net'
import { ServerProcess } from './process'

export interface SshdHandle {
  port: number
  /** The user the tests log in as (the one running them). */
  user: string
  /** A throw-away client key the server trusts, and its passphrase (null: none). */
  clientKeyFile: string
  clientKeyPassphrase: string | null
  /** The server's host key as OpenSSH prints its fingerprint ("SHA256:..."). */
  hostKeyFingerprint: string
  /** A known_hosts file that names this server (`[127.0.0.1]:port ssh-ed25519 ...`). */
  knownHostsFile: string
  dir: string
  /** Kills the server and every session it forked (a crash of the whole daemon). */
  kill(): Promise<void>
  restart(): Promise<void>
  stop(): Promise<void>
}

function sshdBinary(): string {
  for (const p of ['/usr/sbin/sshd', '/usr/bin/sshd']) if (existsSync(p)) return p
  throw new MissingBinaryError('sshd', 'openssh-server')
}

function keygen(file: string, passphrase: string, comment: string): void {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-C', comment, '-f', file], { stdio: 'pipe' })
}

/** Every process descended from `pid`: sshd's sessions run in sessions of their own (setsid), out of its group. */
function descendants(pid: number): number[] {
  const parentOf = new Map<number, number>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      // The command name may hold spaces and parentheses: the fields start after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      parentOf.set(Number(entry), ppid)
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = []
  const walk = (p: number) => {
    for (const [child, parent] of parentOf) {
      if (parent !== p) continue
      out.push(child)
      walk(child)
    }
  }
  walk(pid)
  return out
}

/** Resolves whether an SSH server answers with its version banner. */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1' })
    const done = (ok: boolean) => {
      s.destroy()
      resolve(ok)
    }
    s.setTimeout(500, () => done(false))
    s.once('data', (d) => done(d.toString().startsWith('SSH-2.0-')))
    s.once('error', () => done(false))
  })
}

/**
 * A throw-away OpenSSH server on a free loopback port: a host key and a client key made for it,
 * public-key login only, TCP forwarding allowed, nothing read from /etc/ssh. What Lookout's SSH
 * tunnels are tested against.
 */
export async function startSshd(opts: { clientKeyPassphrase?: string } = {}): Promise<SshdHandle> {
  const bin = sshdBinary()
  const dir = mkdtempSync(join(tmpdir(), 'lookout-sshd-'))
  const port = await freePort()
  const user = userInfo().username
  const hostKey = join(dir, 'host_ed25519')
  const clientKeyFile = join(dir, 'client_ed25519')
  keygen(hostKey, '', 'lookout-test-host')
  keygen(clientKeyFile, opts.clientKeyPassphrase ?? '', 'lookout-test-client')
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(`${clientKeyFile}.pub`))
  const hostPub = readFileSync(`${hostKey}.pub`, 'utf8').trim().split(' ')
  const knownHostsFile = join(dir, 'known_hosts')
  writeFileSync(knownHostsFile, `[127.0.0.1]:${port} ${hostPub[0]} ${hostPub[1]}\n`)
  const fingerprint = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${hostKey}.pub`])
    .toString()
    .split(' ')[1]!
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `PidFile ${join(dir, 'sshd.pid')}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'StrictModes no',
      'UsePAM no',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'PermitRootLogin prohibit-password',
      'AllowTcpForwarding yes',
      'ClientAliveInterval 5',
      'LogLevel ERROR'
    ].join('\n') + '\n'
  )
  // Privilege separation wants its empty directory; Debian makes it at boot, a container may not have.
  if (process.getuid?.() === 0) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 })
  const proc = new ServerProcess('sshd', bin, ['-D', '-e', '-f', join(dir, 'sshd_config')])
  const waitReady = () =>
    waitFor(
      'sshd',
      async () => {
        if (!proc.running) throw new Error(`sshd exited:\n${proc.tail()}`)
        return sshBanner(port)
      },
      15_000,
      () => proc.tail()
    )
  const killAll = async () => {
    const pid = proc.pid
    const sessions = pid === undefined ? [] : descendants(pid)
    await proc.kill('SIGKILL')
    for (const p of sessions) {
      try {
        process.kill(p, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  }
  proc.start()
  await waitReady()
  return {
    port,
    user,
    clientKeyFile,
    clientKeyPassphrase: opts.clientKeyPassphrase ?? null,
    hostKeyFingerprint: fingerprint,
    knownHostsFile,
    dir,
    kill: killAll,
    async restart() {
      await killAll()
      proc.start()
      await waitReady()
    },
    async stop() {
      await killAll()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
