import { createHash } from 'node:crypto'
import { appendFile, mkdir, open, readFile } from 'node:fs/promises'
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
  error: z.string().optional(),
  /** SHA-256 of the previous line as written ('' on the first line): the chain `lookout audit verify` checks. */
  prev: z.string().optional()
})
export type AuditEntry = z.infer<typeof AuditEntry>

export const AUDIT_FILE = 'audit.log'

export function lineHash(line: string): string {
  return createHash('sha256').update(line).digest('hex')
}

/** The last complete line of a file, read from its end (an audit log grows without bound). */
async function lastLine(path: string): Promise<string | null> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  try {
    const { size } = await fh.stat()
    let end = size
    let tail = ''
    // Grow the window backwards until it holds a whole line (audit lines are short, but not bounded).
    for (let window = 64 * 1024; end > 0; window *= 2) {
      const start = Math.max(0, size - window)
      const buf = Buffer.alloc(size - start)
      await fh.read(buf, 0, buf.length, start)
      tail = buf.toString('utf8')
      const trimmed = tail.endsWith('\n') ? tail.slice(0, -1) : tail
      const nl = trimmed.lastIndexOf('\n')
      if (nl >= 0 || start === 0) return trimmed.slice(nl + 1) || null
      end = start
    }
    return null
  } finally {
    await fh.close()
  }
}

/**
 * Every mutating action Lookout takes or refuses, one JSON line each, appended to
 * `audit.log` in the data directory (owner-only). Never rewritten; never holds secrets. Each line
 * carries the hash of the line before it, so an edit or a removal inside the log shows.
 */
export class AuditLog {
  private readonly path: string
  private queue: Promise<void> = Promise.resolve()

  constructor(
    private readonly dataDir: string,
    private readonly now: () => number = Date.now,
    /** Told of every entry as it is written (the history's timeline keeps the actions). */
    private readonly onRecord?: (entry: AuditEntry) => void
  ) {
    this.path = join(dataDir, AUDIT_FILE)
  }

  /** Appends in call order; resolves once the line is on disk. */
  record(entry: Omit<AuditEntry, 'time' | 'prev'>): Promise<void> {
    const time = new Date(this.now()).toISOString()
    const write = this.queue.then(async () => {
      await mkdir(this.dataDir, { recursive: true, mode: 0o700 })
      // The previous line is read from the file, not remembered: the CLI and the app may both append.
      const before = await lastLine(this.path)
      const line = JSON.stringify({ time, ...entry, prev: before === null ? '' : lineHash(before) })
      await appendFile(this.path, line + '\n', { mode: 0o600 })
      this.onRecord?.({ time, ...entry })
    })
    this.queue = write.catch(() => {})
    return write
  }

  /** The newest entries first; lines that do not parse are skipped, not fatal. */
  /** The newest `limit` entries that pass `keep`, newest first; torn lines from a crash are skipped. */
  async recent(limit: number, keep: (e: AuditEntry) => boolean = () => true): Promise<AuditEntry[]> {
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
        if (parsed.success && keep(parsed.data)) out.push(parsed.data)
      } catch {
        // a torn line from a crash: skip it
      }
    }
    return out
  }
}

export interface AuditVerdict {
  ok: boolean
  /** Lines read, and how many of them were chained (lines from before the chain existed are not). */
  lines: number
  chained: number
  /** The first line (1-based) that breaks the chain, and why. */
  firstBad: { line: number; reason: string } | null
}

/**
 * Checks the chain of an audit log's text: every chained line must carry the hash of the line
 * before it. Names the first line that was altered, or that follows a removed or altered one.
 * What it cannot see: lines cut from the end (nothing follows them to tell).
 */
export function verifyAuditText(text: string): AuditVerdict {
  const lines = text.split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  let chained = 0
  let chainStarted = false
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    const n = i + 1
    let entry: unknown
    try {
      entry = JSON.parse(line)
    } catch {
      return { ok: false, lines: lines.length, chained, firstBad: { line: n, reason: 'not a JSON line (altered or torn)' } }
    }
    const parsed = AuditEntry.safeParse(entry)
    if (!parsed.success) return { ok: false, lines: lines.length, chained, firstBad: { line: n, reason: 'not an audit entry (altered)' } }
    const prev = parsed.data.prev
    if (prev === undefined) {
      if (chainStarted)
        return { ok: false, lines: lines.length, chained, firstBad: { line: n, reason: 'has no hash of the line before it (altered)' } }
      continue
    }
    const expected = i === 0 ? '' : lineHash(lines[i - 1]!)
    if (prev !== expected)
      return {
        ok: false,
        lines: lines.length,
        chained,
        firstBad: {
          line: n,
          reason:
            i === 0
              ? 'the first line says a line came before it: lines were removed from the start'
              : `does not follow line ${i} as written: line ${i} was altered, or lines between them were removed`
        }
      }
    chainStarted = true
    chained++
  }
  return { ok: true, lines: lines.length, chained, firstBad: null }
}
