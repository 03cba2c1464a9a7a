import { spawn, type ChildProcess } from 'node:child_process'

export interface RunAs {
  uid: number
  gid: number
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}

/** Every server still running, so a parent that exits (even by a crash) takes them down too. */
const running = new Set<ChildProcess>()
let exitHookInstalled = false
function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const child of running) {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  })
}

/**
 * A server process the harness started: in its own process group, so kill() takes the whole
 * tree down at once, as a crash would. Keeps the tail of its output for error messages.
 */
export class ServerProcess {
  private child: ChildProcess | null = null
  private output: string[] = []

  constructor(
    readonly name: string,
    private readonly cmd: string,
    private readonly args: string[],
    /** Spawn as this user (PostgreSQL refuses to run as root). The child is then the server itself, so kill() reaches it. */
    private readonly runAs: RunAs | null = null,
    /** The postgres user cannot enter root's working directory. */
    private readonly cwd?: string,
    /** Added to the environment: a peer's credentials stay out of its command line. */
    private readonly env?: Record<string, string>
  ) {}

  start(): void {
    if (this.child) throw new Error(`${this.name} is already running`)
    this.output = []
    const child = spawn(this.cmd, this.args, {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.runAs ?? {}),
      ...(this.cwd ? { cwd: this.cwd } : {}),
      ...(this.env ? { env: { ...process.env, ...this.env } } : {})
    })
    const keep = (b: Buffer) => {
      this.output.push(b.toString())
      if (this.output.length > 200) this.output.splice(0, this.output.length - 200)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    running.add(child)
    installExitHook()
    child.on('exit', () => {
      running.delete(child)
      if (this.child === child) this.child = null
    })
    child.on('error', (err) => keep(Buffer.from(`spawn failed: ${err.message}\n`)))
    this.child = child
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null
  }

  get pid(): number | undefined {
    return this.child?.pid
  }

  tail(lines = 20): string {
    return this.output.join('').split('\n').slice(-lines).join('\n')
  }

  /** SIGKILL to the whole group: the fault tests' crash. Resolves when it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child
    if (!child || child.pid === undefined) return
    const exited = new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())))
    try {
      process.kill(-child.pid, signal)
    } catch {
      child.kill(signal)
    }
    await exited
    this.child = null
  }
}
