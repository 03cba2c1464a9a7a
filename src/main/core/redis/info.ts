/**
 * INFO replies as typed sections. Tolerant by design: unknown sections and fields are kept as
 * strings, malformed lines are reported with their line number and skipped, so a new Redis
 * version or a proxy's odd reply never breaks a poll.
 */
export interface RedisInfo {
  sections: Record<string, Record<string, string>>
  problems: string[]
}

export function parseInfo(reply: string): RedisInfo {
  const sections: Record<string, Record<string, string>> = {}
  const problems: string[] = []
  let current: Record<string, string> = (sections['default'] = {})
  const lines = reply.split(/\r?\n/)
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line === '') continue
    if (line.startsWith('#')) {
      const name = line.slice(1).trim().toLowerCase()
      current = sections[name] ??= {}
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) {
      problems.push(`INFO line ${i + 1}: expected "field:value", got ${JSON.stringify(line.slice(0, 80))}`)
      continue
    }
    current[line.slice(0, colon)] = line.slice(colon + 1)
  }
  return { sections, problems }
}

/** A numeric field from any section, or NaN when absent or not a number. */
export function infoNumber(info: RedisInfo, field: string): number {
  for (const section of Object.values(info.sections)) {
    const raw = section[field]
    if (raw !== undefined) {
      const n = Number(raw)
      return raw.trim() !== '' && Number.isFinite(n) ? n : NaN
    }
  }
  return NaN
}

export function infoString(info: RedisInfo, field: string): string | null {
  for (const section of Object.values(info.sections)) {
    const raw = section[field]
    if (raw !== undefined) return raw
  }
  return null
}

/** One database's line of the keyspace section (`db0:keys=12,expires=3,avg_ttl=0`). */
export interface KeyspaceDb {
  db: string
  keys: number
  expires: number
}

/** The keyspace section's databases; lines that do not read as `keys=N,expires=N` are skipped. */
export function keyspaceDbs(info: RedisInfo): KeyspaceDb[] {
  const out: KeyspaceDb[] = []
  for (const [db, line] of Object.entries(info.sections['keyspace'] ?? {})) {
    const m = /keys=(\d+),expires=(\d+)/.exec(line)
    if (/^db\d+$/.test(db) && m) out.push({ db, keys: Number(m[1]), expires: Number(m[2]) })
  }
  return out
}
