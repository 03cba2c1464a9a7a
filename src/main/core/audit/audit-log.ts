import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

export const AuditEntry = z.object({
  time: z.string(),
  profile: z.string(),
  environment: z.string(),
  action: z.string(),
  /** What was acted on: a silence id, a backend pid, a key pattern. */
  target: z.string(),
  details: z.record(z.string(), z.unknown()),
  outcome: z.enum(['ok', 'refused', 'failed']),
  error: z.string().optional()
})
export type AuditEntry = z.infer<typeof AuditEntry>

export const AUDIT_FILE = 'audit.log'

/**
 * Every mutating action Lookout takes or refuses, one JSON line each, appended to
 * `audit.log` in the data directory (owner-only). Never rewritten; never holds secrets.
 */
export class AuditLog {
  private readonly path: string
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now
  ) {
    this.path = join(dataDir, AUDIT_FILE)
  }

  /** Appends in call order; resolves once the line is on disk. */
  record(entry: Omit<AuditEntry, 'time'>): Promise<void> {
    const line = JSON.stringify({ time: new Date(this.now()).toISOString(), ...entry }) + '\n'
    const write = this.queue.then(async () => {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 })
      await appendFile(this.path, line, { mode: 0o600 })
    })
    this.queue = write.catch(() => {})
    return write
  }

  /** The newest entries first; lines that do not parse are skipped, not fatal. */
  async recent(limit: number): Promise<AuditEntry[]> {
    let text: string
    try {
      text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    const out: AuditEntry[] = []
    const lines = text.split('\n')
    for (let i = lines.length - 1; i >= 0 && out.length < limit; i--) {
      if (!lines[i]) continue
      try {
        const parsed = AuditEntry.safeParse(JSON.parse(lines[i]!))
        if (parsed.success) out.push(parsed.data)
      } catch {
        // a torn line from a crash: skip it
      }
    }
    return out
  }
}
