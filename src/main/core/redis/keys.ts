import type { Redis } from 'ioredis'

/** What an inspection shows of a value, at most: enough to recognise it, never a dump. */
export const PREVIEW_ITEMS = 10
export const PREVIEW_BYTES = 256

export interface KeyInspection {
  key: string
  exists: boolean
  type: string
  /** Milliseconds left, or null when the key has no TTL. */
  ttlMs: number | null
  encoding: string | null
  /** MEMORY USAGE with its default sampling, in bytes. */
  memoryBytes: number | null
  /** Bytes of a string, items of a collection. */
  length: number | null
  preview: string[]
  truncated: boolean
}

const clip = (s: string) => (s.length > PREVIEW_BYTES ? `${s.slice(0, PREVIEW_BYTES)}…` : s)

/** Type, TTL, encoding, memory, length and a bounded preview of one key; reads only. */
export async function inspectKey(redis: Redis, key: string): Promise<KeyInspection> {
  const type = await redis.type(key)
  if (type === 'none')
    return { key, exists: false, type, ttlMs: null, encoding: null, memoryBytes: null, length: null, preview: [], truncated: false }
  const [pttl, encoding, memory] = await Promise.all([
    redis.pttl(key),
    redis.object('ENCODING', key).catch(() => null) as Promise<string | null>,
    (redis.call('MEMORY', 'USAGE', key) as Promise<number | null>).catch(() => null)
  ])
  let length: number | null = null
  let preview: string[] = []
  switch (type) {
    case 'string':
      length = await redis.strlen(key)
      preview = [clip(await redis.getrange(key, 0, PREVIEW_BYTES))]
      break
    case 'list':
      length = await redis.llen(key)
      preview = (await redis.lrange(key, 0, PREVIEW_ITEMS - 1)).map(clip)
      break
    case 'hash': {
      length = await redis.hlen(key)
      const [, flat] = await redis.hscan(key, '0', 'COUNT', PREVIEW_ITEMS)
      for (let i = 0; i + 1 < flat.length && preview.length < PREVIEW_ITEMS; i += 2)
        preview.push(`${clip(flat[i]!)} = ${clip(flat[i + 1]!)}`)
      break
    }
    case 'set': {
      length = await redis.scard(key)
      const [, members] = await redis.sscan(key, '0', 'COUNT', PREVIEW_ITEMS)
      preview = members.slice(0, PREVIEW_ITEMS).map(clip)
      break
    }
    case 'zset': {
      length = await redis.zcard(key)
      const flat = await redis.zrange(key, 0, PREVIEW_ITEMS - 1, 'WITHSCORES')
      for (let i = 0; i + 1 < flat.length; i += 2) preview.push(`${clip(flat[i]!)} (${flat[i + 1]})`)
      break
    }
    case 'stream': {
      length = await redis.xlen(key)
      const entries = (await redis.xrange(key, '-', '+', 'COUNT', PREVIEW_ITEMS)) as [string, string[]][]
      preview = entries.map(([id, fields]) => clip(`${id} ${fields.join(' ')}`))
      break
    }
  }
  return {
    key,
    exists: true,
    type,
    ttlMs: pttl >= 0 ? pttl : null,
    encoding,
    memoryBytes: typeof memory === 'number' ? memory : null,
    length,
    preview,
    truncated: length !== null && (type === 'string' ? length > PREVIEW_BYTES : length > preview.length)
  }
}
