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
