import type { Redis } from 'ioredis'

export interface SlowlogEntry {
  id: number
  /** Unix milliseconds. */
  at: number
  durationUs: number
  /** The command and its arguments, each cut to 64 characters and at most 8 of them. */
  command: string
  client: string
  /** The cluster node it came from ("host:port"); absent on a single server. */
  node?: string
}

/** Arguments shown per entry, and characters per argument: enough to recognise, never a value dump. */
export const SLOWLOG_MAX_ARGS = 8
export const SLOWLOG_MAX_ARG_CHARS = 64

function truncateArgs(args: unknown[]): string {
  const shown = args.slice(0, SLOWLOG_MAX_ARGS).map((a) => {
    const s = String(a)
    return s.length > SLOWLOG_MAX_ARG_CHARS ? `${s.slice(0, SLOWLOG_MAX_ARG_CHARS)}…` : s
  })
  return shown.join(' ') + (args.length > SLOWLOG_MAX_ARGS ? ` … (${args.length - SLOWLOG_MAX_ARGS} more)` : '')
}

/**
 * Reads the slowlog incrementally: only entries newer than the last one seen, so an entry is
 * never shown twice. A server restart (ids going back) starts over.
 */
export class SlowlogReader {
  private lastId = -1

  async read(redis: Redis, max = 128): Promise<SlowlogEntry[]> {
    const raw = (await redis.call('SLOWLOG', 'GET', String(max))) as unknown[]
    const entries: SlowlogEntry[] = []
    for (const e of raw) {
      if (!Array.isArray(e) || e.length < 4) continue
      const [id, ts, dur, args, addr, name] = e as [number, number, number, unknown[], string?, string?]
      entries.push({
        id: Number(id),
        at: Number(ts) * 1000,
        durationUs: Number(dur),
        command: truncateArgs(Array.isArray(args) ? args : []),
        client: [name, addr].filter(Boolean).join(' ')
      })
    }
    const newest = entries.reduce((m, e) => Math.max(m, e.id), -1)
    if (newest < this.lastId) this.lastId = -1 // the server restarted or the log was reset
    const fresh = entries.filter((e) => e.id > this.lastId).sort((a, b) => a.id - b.id)
    if (newest > this.lastId) this.lastId = newest
    return fresh
  }
}
