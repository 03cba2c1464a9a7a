import { infoNumber, keyspaceDbs, type RedisInfo } from './info'

export const finiteOrNull = (n: number) => (Number.isFinite(n) ? n : null)

/** Keys over every database of one node, from its keyspace section. */
export function keyCount(info: RedisInfo): number | null {
  const dbs = keyspaceDbs(info)
  return dbs.length ? dbs.reduce((n, d) => n + d.keys, 0) : null
}

/** Counters and sizes that add up across a cluster's primaries. */
const SUMMED_FIELDS = [
  'total_commands_processed',
  'keyspace_hits',
  'keyspace_misses',
  'evicted_keys',
  'expired_keys',
  'rejected_connections',
  'connected_clients',
  'blocked_clients',
  'used_memory',
  'used_memory_rss',
  'maxmemory',
  'total_net_input_bytes',
  'total_net_output_bytes'
]

/** The seed node's INFO with the summed fields, command time included, replaced by their totals over all nodes; latency percentiles are the worst node's. */
export function sumInfos(seed: RedisInfo, all: RedisInfo[]): RedisInfo {
  const sections: RedisInfo['sections'] = {}
  for (const [name, fields] of Object.entries(seed.sections)) sections[name] = { ...fields }
  for (const field of SUMMED_FIELDS) {
    const section = Object.values(sections).find((s) => s[field] !== undefined)
    if (!section) continue
    let sum = 0
    for (const i of all) {
      const v = infoNumber(i, field)
      if (Number.isFinite(v)) sum += v
    }
    section[field] = String(sum)
  }
  // Keys per database, summed the same way, so TTL shares and key counts cover the cluster.
  const keyspace: Record<string, { keys: number; expires: number }> = {}
  for (const i of all)
    for (const d of keyspaceDbs(i)) {
      const k = (keyspace[d.db] ??= { keys: 0, expires: 0 })
      k.keys += d.keys
      k.expires += d.expires
    }
  if (Object.keys(keyspace).length)
    sections['keyspace'] = Object.fromEntries(
      Object.entries(keyspace).map(([db, k]) => [db, `keys=${k.keys},expires=${k.expires},avg_ttl=0`])
    )
  // Command time adds up; a percentile does not, so each is the worst node's.
  const commands = new Map<string, Record<string, number>>()
  const latency = new Map<string, Record<string, number>>()
  for (const i of all) {
    for (const [k, v] of Object.entries(i.sections['commandstats'] ?? {}))
      addFields(commands, k, v, (a, b) => a + b, ['calls', 'usec', 'rejected_calls', 'failed_calls'])
    for (const [k, v] of Object.entries(i.sections['latencystats'] ?? {})) addFields(latency, k, v, Math.max, ['p50', 'p99', 'p99.9'])
  }
  if (commands.size)
    sections['commandstats'] = Object.fromEntries(
      [...commands].map(([k, f]) => [k, `calls=${f.calls ?? 0},usec=${f.usec ?? 0},usec_per_call=${f.calls ? (f.usec ?? 0) / f.calls : 0}`])
    )
  if (latency.size)
    sections['latencystats'] = Object.fromEntries(
      [...latency].map(([k, f]) => [
        k,
        Object.entries(f)
          .map(([n, x]) => `${n}=${x}`)
          .join(',')
      ])
    )
  return { sections, problems: all.flatMap((i) => i.problems) }
}

/** Folds the numeric `name=value` fields of one INFO line into the running figures of its key. */
function addFields(
  into: Map<string, Record<string, number>>,
  key: string,
  line: string,
  fold: (a: number, b: number) => number,
  names: string[]
): void {
  const acc = into.get(key) ?? {}
  into.set(key, acc)
  for (const kv of line.split(',')) {
    const [name, raw] = kv.split('=') as [string, string | undefined]
    const x = Number(raw)
    if (!names.includes(name) || raw === undefined || !Number.isFinite(x)) continue
    acc[name] = acc[name] === undefined ? x : fold(acc[name], x)
  }
}
