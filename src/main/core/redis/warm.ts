import type { Redis } from 'ioredis'
import { errorMessage } from '../collector'

/** Commands a warm-up file may hold: writes of data and TTLs, nothing that deletes or reconfigures. */
export const WARM_COMMANDS = new Set([
  'SET',
  'SETEX',
  'PSETEX',
  'MSET',
  'HSET',
  'HMSET',
  'SADD',
  'ZADD',
  'RPUSH',
  'LPUSH',
  'EXPIRE',
  'PEXPIRE'
])

/** Commands sent per pipeline: one round trip each, small enough not to stall other clients. */
export const WARM_BATCH = 1000

export class WarmFileError extends Error {
  constructor(
    message: string,
    readonly line: number
  ) {
    super(`line ${line}: ${message}`)
    this.name = 'WarmFileError'
  }
}

/**
 * One line of redis-cli's inline syntax: words split on spaces, "double quoted" strings with
 * \" \\ \n \t \xHH escapes, 'single quoted' strings taken as they are.
 */
export function splitInline(line: string, lineNo: number): string[] {
  const out: string[] = []
  let i = 0
  while (i < line.length) {
    while (line[i] === ' ' || line[i] === '\t') i++
    if (i >= line.length) break
    let word = ''
    if (line[i] === '"') {
      i++
      for (;;) {
        if (i >= line.length) throw new WarmFileError('unterminated double quote', lineNo)
        const c = line[i]!
        if (c === '"') {
          i++
          break
        }
        if (c === '\\') {
          const n = line[i + 1]
          if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) {
            word += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16))
            i += 4
            continue
          }
          word += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : (n ?? '')
          i += 2
          continue
        }
        word += c
        i++
      }
    } else if (line[i] === "'") {
      const end = line.indexOf("'", i + 1)
      if (end < 0) throw new WarmFileError('unterminated single quote', lineNo)
      word = line.slice(i + 1, end)
      i = end + 1
    } else {
      while (i < line.length && line[i] !== ' ' && line[i] !== '\t') word += line[i++]
    }
    if (i < line.length && line[i] !== ' ' && line[i] !== '\t')
      throw new WarmFileError('a closing quote must be followed by a space', lineNo)
    out.push(word)
  }
  return out
}

/**
 * A warm-up file: redis-cli inline commands, one per line (# comments and blank lines skipped), or
 * JSON lines {"key", "value", "ttl"?} (string values, TTL in seconds). Every line is checked before
 * anything is sent: a bad line names itself and nothing is written.
 */
export function parseWarmFile(text: string, format: 'commands' | 'jsonl'): string[][] {
  const out: string[][] = []
  const lines = text.split(/\r?\n/)
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim()
    if (!line || line.startsWith('#')) continue
    if (format === 'jsonl') {
      let o: unknown
      try {
        o = JSON.parse(line)
      } catch (err) {
        throw new WarmFileError(`not JSON: ${(err as Error).message}`, n + 1)
      }
      const r = o as { key?: unknown; value?: unknown; ttl?: unknown }
      if (typeof r?.key !== 'string' || typeof r.value !== 'string')
        throw new WarmFileError('expected {"key": "...", "value": "...", "ttl": seconds}', n + 1)
      if (r.ttl !== undefined && !(Number.isInteger(r.ttl) && (r.ttl as number) > 0))
        throw new WarmFileError('"ttl" must be a whole number of seconds above 0', n + 1)
      out.push(r.ttl === undefined ? ['SET', r.key, r.value] : ['SET', r.key, r.value, 'EX', String(r.ttl)])
      continue
    }
    const words = splitInline(line, n + 1)
    const cmd = words[0]!.toUpperCase()
    if (!WARM_COMMANDS.has(cmd))
      throw new WarmFileError(`${words[0]} is not allowed in a warm-up file (allowed: ${[...WARM_COMMANDS].join(', ')})`, n + 1)
    if (words.length < 3) throw new WarmFileError(`${cmd} needs a key and a value`, n + 1)
    out.push([cmd, ...words.slice(1)])
  }
  return out
}

export interface WarmProgress {
  total: number
  sent: number
  ok: number
  failed: number
  elapsedMs: number
  ratePerS: number
  etaS: number | null
}

export interface WarmResult extends WarmProgress {
  outcome: 'done' | 'cancelled' | 'failed'
  /** The first few errors the server answered, with their line's command. */
  errors: string[]
  error: string | null
}

/**
 * Sends the commands in pipelined batches of WARM_BATCH, one batch in flight; counts every reply,
 * so cancelling (between batches) or a lost connection leaves exact figures.
 */
export async function warm(
  redis: Redis,
  commands: string[][],
  opts: { signal?: AbortSignal; onProgress?(p: WarmProgress): void; batch?: number } = {}
): Promise<WarmResult> {
  const started = performance.now()
  const batch = opts.batch ?? WARM_BATCH
  const p: WarmProgress = { total: commands.length, sent: 0, ok: 0, failed: 0, elapsedMs: 0, ratePerS: 0, etaS: null }
  const errors: string[] = []
  const report = () => {
    p.elapsedMs = performance.now() - started
    p.ratePerS = p.elapsedMs > 0 ? ((p.ok + p.failed) / p.elapsedMs) * 1000 : 0
    p.etaS = p.ratePerS > 0 ? (p.total - p.ok - p.failed) / p.ratePerS : null
    opts.onProgress?.({ ...p })
  }
  let outcome: WarmResult['outcome'] = 'done'
  let error: string | null = null
  try {
    for (let i = 0; i < commands.length; i += batch) {
      if (opts.signal?.aborted) {
        outcome = 'cancelled'
        break
      }
      const slice = commands.slice(i, i + batch)
      const pipe = redis.pipeline()
      for (const c of slice) pipe.call(c[0]!, ...c.slice(1))
      p.sent += slice.length
      const replies = (await pipe.exec()) ?? []
      replies.forEach(([err], k) => {
        if (err) {
          p.failed++
          if (errors.length < 5) errors.push(`${slice[k]![0]} ${slice[k]![1]}: ${err.message}`)
        } else p.ok++
      })
      report()
    }
  } catch (err) {
    outcome = 'failed'
    error = `${errorMessage(err)} (${p.sent - p.ok - p.failed} commands of the batch in flight have no reply: they may or may not have been applied)`
  }
  // Every batch already reported itself; the last word is needed only when the run ended early.
  if (outcome !== 'done' || commands.length === 0) report()
  else p.elapsedMs = performance.now() - started
  return { ...p, outcome, errors, error }
}
