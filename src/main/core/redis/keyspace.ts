import type { Redis } from 'ioredis'

/** Keys the analysis samples at most: enough for shares, cheap enough for a production server. */
export const KEYSPACE_SAMPLE_KEYS = 20_000
/** A hash, list, set or sorted set with more items than this is "big" (slow to read whole, to delete, to move). */
export const BIG_COLLECTION_ITEMS = 10_000
/** A string larger than this is "big". */
export const BIG_STRING_BYTES = 512 * 1024
/** In a cache, a prefix whose keys mostly have no TTL is suspicious. */
export const CACHE_NO_TTL_SHARE = 0.5
/** More logical databases in use than this is a smell: they share one thread and cannot be isolated. */
export const MANY_DATABASES = 1

export type TtlBucket = 'none' | '<1h' | '1-24h' | '1-7d' | '>7d'

export function ttlBucket(ttlMs: number): TtlBucket {
  if (ttlMs < 0) return 'none'
  if (ttlMs < 3_600_000) return '<1h'
  if (ttlMs < 86_400_000) return '1-24h'
  if (ttlMs < 7 * 86_400_000) return '1-7d'
  return '>7d'
}

export interface PrefixStats {
  prefix: string
  keys: number
  bytes: number
  withoutTtl: number
}

export interface BigKey {
  key: string
  type: string
  bytes: number
  length: number
}

export interface KeyspaceAnalysis {
  sampled: number
  dbsize: number
  /** Sampled keys scaled to the database: estimates, not counts, unless the sample was complete. */
  complete: boolean
  prefixes: PrefixStats[]
  ttl: Record<TtlBucket, number>
  biggestByMemory: BigKey[]
  biggestByLength: BigKey[]
  recommendations: string[]
}

const LENGTH_COMMAND: Record<string, string> = { string: 'STRLEN', list: 'LLEN', hash: 'HLEN', set: 'SCARD', zset: 'ZCARD', stream: 'XLEN' }

/** The key's prefix: everything up to its last delimiter, at most `depth` segments deep. */
export function prefixOf(key: string, delimiter: string, depth = 2): string {
  const parts = key.split(delimiter)
  if (parts.length === 1) return '(no prefix)'
  return parts.slice(0, Math.min(depth, parts.length - 1)).join(delimiter) + delimiter + '*'
}

/**
 * Samples the keyspace with SCAN (never KEYS) and, per batch, one pipeline of TYPE, PTTL,
 * MEMORY USAGE and the length command: memory and counts per prefix, the TTL distribution, the
 * biggest keys, and recommendations with named thresholds. Cancel with the signal; progress per batch.
 * Given a cluster's primaries, each is sampled in turn for its share of the sample (by its DBSIZE),
 * since each holds only the keys of its slots.
 */
export async function analyseKeyspace(
  nodes: Redis | Redis[],
  opts: { delimiter?: string; sampleKeys?: number; signal?: AbortSignal; onProgress?(sampled: number): void; databasesInUse?: number } = {}
): Promise<KeyspaceAnalysis> {
  const delimiter = opts.delimiter ?? ':'
  const limit = opts.sampleKeys ?? KEYSPACE_SAMPLE_KEYS
  const servers = Array.isArray(nodes) ? nodes : [nodes]
  const prefixes = new Map<string, PrefixStats>()
  const ttl: Record<TtlBucket, number> = { none: 0, '<1h': 0, '1-24h': 0, '1-7d': 0, '>7d': 0 }
  const all: BigKey[] = []
  let sampled = 0
  let complete = true
  const sizes = await Promise.all(servers.map((r) => r.dbsize()))
  const dbsize = sizes.reduce((a, b) => a + b, 0)

  /** Up to `quota` keys of one server into the running figures; false when some were left out. */
  const sampleServer = async (redis: Redis, quota: number): Promise<boolean> => {
    let taken = 0
    let cut = false
    let cursor = '0'
    do {
      if (opts.signal?.aborted) throw new Error('analysis cancelled')
      const [next, keys] = await redis.scan(cursor, 'COUNT', 500)
      cursor = next
      const batch = keys.slice(0, quota - taken)
      if (batch.length < keys.length) cut = true
      if (batch.length === 0) continue
      const p1 = redis.pipeline()
      for (const k of batch) p1.type(k).pttl(k).call('MEMORY', 'USAGE', k)
      const r1 = (await p1.exec()) ?? []
      const types = batch.map((_, i) => String(r1[i * 3]?.[1] ?? 'none'))
      const p2 = redis.pipeline()
      batch.forEach((k, i) => (LENGTH_COMMAND[types[i]!] ? p2.call(LENGTH_COMMAND[types[i]!]!, k) : p2.exists(k)))
      const r2 = (await p2.exec()) ?? []
      taken += batch.length
      batch.forEach((key, i) => {
        const type = types[i]!
        if (type === 'none') return // expired meanwhile
        const pttl = Number(r1[i * 3 + 1]?.[1] ?? -2)
        const bytes = Number(r1[i * 3 + 2]?.[1] ?? 0)
        const length = Number(r2[i]?.[1] ?? 0)
        const p = prefixOf(key, delimiter)
        const s = prefixes.get(p) ?? { prefix: p, keys: 0, bytes: 0, withoutTtl: 0 }
        s.keys++
        s.bytes += bytes
        if (pttl < 0) s.withoutTtl++
        prefixes.set(p, s)
        ttl[ttlBucket(pttl)]++
        all.push({ key, type, bytes, length })
        sampled++
      })
      opts.onProgress?.(sampled)
    } while (cursor !== '0' && taken < quota)
    // Complete only when SCAN finished and no key it returned was left out of the sample.
    return cursor === '0' && !cut
  }

  for (const [i, redis] of servers.entries()) {
    // Each server's share of the sample follows its share of the keys; what is left goes to the last.
    const quota = i === servers.length - 1 ? limit - sampled : dbsize > 0 ? Math.round((limit * sizes[i]!) / dbsize) : 0
    if (quota <= 0) {
      if (sizes[i]! > 0) complete = false
      continue
    }
    if (!(await sampleServer(redis, quota))) complete = false
  }
  const byMemory = [...all].sort((a, b) => b.bytes - a.bytes).slice(0, 10)
  const byLength = [...all]
    .filter((k) => k.type !== 'string')
    .sort((a, b) => b.length - a.length)
    .slice(0, 10)
  const recommendations: string[] = []
  for (const k of all) {
    if (recommendations.length >= 20) break
    if (k.type === 'string' && k.length > BIG_STRING_BYTES)
      recommendations.push(`${k.key}: a ${k.length}-byte string (over ${BIG_STRING_BYTES}): split it or compress it`)
    else if (k.type !== 'string' && k.length > BIG_COLLECTION_ITEMS)
      recommendations.push(
        `${k.key}: a ${k.type} of ${k.length} items (over ${BIG_COLLECTION_ITEMS}): shard it; read it with SCAN, delete it with UNLINK`
      )
  }
  for (const s of prefixes.values())
    if (s.keys >= 10 && s.withoutTtl / s.keys > CACHE_NO_TTL_SHARE)
      recommendations.push(
        `${s.prefix}: ${Math.round((s.withoutTtl / s.keys) * 100)}% of its keys have no TTL: in a cache they only ever grow`
      )
  if ((opts.databasesInUse ?? 1) > MANY_DATABASES)
    recommendations.push(
      `${opts.databasesInUse} logical databases hold keys: they share one thread and one memory limit; prefer separate instances`
    )
  return {
    sampled,
    dbsize,
    complete,
    prefixes: [...prefixes.values()].sort((a, b) => b.bytes - a.bytes),
    ttl,
    biggestByMemory: byMemory,
    biggestByLength: byLength,
    recommendations
  }
}
