import { Cluster } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { parseClusterNodes, unlinkBySlot } from '../../src/main/core/redis/cluster'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import { eventually, eventuallyAsync, startRedisCluster, type RedisClusterHandle } from '../harness'
import { tempDir } from '../helpers/temp'
import { coreCaller, jobCaller } from '../helpers/core-call'

let cluster: RedisClusterHandle
let client: Cluster
let core: Core
const progress: EventPayload<'job.progress'>[] = []

const call = coreCaller(() => core)
const runJob = jobCaller(() => core)

/** Keys spread over every slot (a cluster pipeline may not span slots: parallel commands instead). */
async function seed(prefix: string, n: number) {
  for (let i = 0; i < n; i += 2000) {
    const batch: Promise<unknown>[] = []
    for (let k = i; k < Math.min(n, i + 2000); k++) batch.push(client.set(`${prefix}${k}`, 'v'))
    await Promise.all(batch)
  }
}

async function countAll(match: string): Promise<number> {
  let total = 0
  for (const node of client.nodes('master')) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', match, 'COUNT', 1000)
      cursor = next
      total += keys.length
    } while (cursor !== '0')
  }
  return total
}

beforeAll(async () => {
  cluster = await startRedisCluster(3)
  client = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: n.port })))
  await client.set('warmup', '1')
  core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  core.onEvent((name, payload) => {
    if (name === 'job.progress') progress.push(payload as EventPayload<'job.progress'>)
  })
  await call('profiles.save', { profile: { name: 'rc', environment: 'dev', redis: cluster.url } })
})

afterAll(async () => {
  await core?.close()
  client?.disconnect()
  await cluster?.stop()
})

describe('Redis Cluster', () => {
  it('reads CLUSTER NODES, and refuses a line it cannot read', () => {
    const nodes = parseClusterNodes(
      '07c37dfe 127.0.0.1:30004@31004,host1 slave e7d1eecc 0 1426238317239 4 connected\n' +
        'e7d1eecc 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5460 5462\n'
    )
    expect(nodes.map((n) => [n.port, n.primary, n.slots])).toEqual([
      [30004, false, []],
      [30001, true, ['0-5460', '5462']]
    ])
    expect(() => parseClusterNodes('garbage')).toThrow(/cannot read the line "garbage"/)
  })

  it('UNLINK of keys from many slots is split by slot (one multi-slot UNLINK would be refused)', async () => {
    await seed('slot:', 50)
    const node = client.nodes('master')[0]!
    const keys: string[] = []
    let cursor = '0'
    do {
      const [next, k] = await node.scan(cursor, 'MATCH', 'slot:*', 'COUNT', 1000)
      cursor = next
      keys.push(...k)
    } while (cursor !== '0')
    expect(keys.length).toBeGreaterThan(3)
    await expect(node.unlink(...keys)).rejects.toThrow(/CROSSSLOT/)
    expect(await unlinkBySlot(node, keys)).toBe(keys.length)
  })

  it('the dry run sums every primary; invalidation deletes exactly the matching keys on all three, nothing else', async () => {
    await seed('cache:v1:', 12_000)
    await seed('keep:', 3_000)
    const dry = await call('cache.dryRun', { profile: 'rc', pattern: 'cache:v1:*' })
    expect(dry).toMatchObject({ estimatedTotal: 12_000, complete: true })
    // Keys written while the job runs, under another prefix, must survive.
    let writing = true
    let written = 0
    const writer = (async () => {
      while (writing) await client.set(`during:${written++}`, 'x')
    })()
    const { jobId } = await call('cache.invalidate', {
      profile: 'rc',
      pattern: 'cache:v1:*',
      estimatedTotal: dry.estimatedTotal,
      confirmation: 'confirm'
    })
    const end = await eventually('the job to end', () => progress.find((p) => p.jobId === jobId && p.state !== 'running'), 60_000)
    writing = false
    await writer
    expect(end).toMatchObject({ state: 'done', deleted: 12_000, uncertain: 0, error: null })
    expect(await countAll('cache:v1:*')).toBe(0)
    expect(await countAll('keep:*')).toBe(3000)
    expect(await countAll('during:*')).toBe(written)
    // Progress came from every node in turn, summed.
    const running = progress.filter((p) => p.jobId === jobId && p.state === 'running')
    expect(running.length).toBeGreaterThan(1)
    expect(running.map((p) => p.deleted)).toEqual([...running.map((p) => p.deleted)].sort((a, b) => a - b))
  })
})

describe('lookout cache invalidate against a cluster node URL', () => {
  it('fans out to every primary from the URL of one', async () => {
    const { cacheInvalidate } = await import('../../src/main/cli/cache-commands')
    await seed('cli:', 4000)
    let out = ''
    const code = await cacheInvalidate(
      { redis: cluster.url, pattern: 'cli:*', dryRun: false, yes: true, dataDir: tempDir() },
      { out: (s: string) => ((out += s), true), err: () => true }
    )
    expect(code).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ outcome: 'done', deleted: 4000 })
    expect(await countAll('cli:*')).toBe(0)
  })
})

describe('key commands on a cluster go to the primary that owns the key', () => {
  it('inspect, set a TTL and delete keys living on each of the three primaries', async () => {
    // Keys whose slots fall on different primaries.
    const keys = ['user:{a}', 'user:{b}', 'user:{c}', 'user:{d}', 'user:{e}', 'user:{f}']
    for (const k of keys) await client.set(k, `value of ${k}`)
    const owners = new Set<number>()
    for (const k of keys)
      for (const [i, node] of client.nodes('master').entries()) if ((await node.exists(k).catch(() => 0)) === 1) owners.add(i)
    expect(owners.size).toBeGreaterThan(1)
    for (const k of keys) {
      const info = await call('cache.inspect', { profile: 'rc', key: k })
      expect(info).toMatchObject({ exists: true, type: 'string', preview: [`value of ${k}`] })
      expect(await call('cache.setTtl', { profile: 'rc', key: k, ttlSeconds: 600, confirmation: 'confirm' })).toEqual({ applied: true })
      expect(await client.ttl(k)).toBeGreaterThan(500)
      expect(await call('cache.deleteKey', { profile: 'rc', key: k, confirmation: 'confirm' })).toEqual({ deleted: 1 })
      expect(await client.exists(k)).toBe(0)
    }
  })
})

describe('the Redis collector on a cluster node', () => {
  it('polls every primary and reports the sums: ops/s, keys, and a row per primary', async () => {
    const { RedisCollector } = await import('../../src/main/core/redis/collector')
    const c = new RedisCollector({ id: 'redis', url: cluster.url, password: null, timeoutMs: 5000 })
    try {
      await c.collect(AbortSignal.timeout(5000))
      await seed('polled:', 3000)
      const r = await c.collect(AbortSignal.timeout(5000))
      const d = c.getDetails()
      expect(d.nodes).toHaveLength(3)
      expect(d.nodes.every((n) => n.opsPerSec !== null && n.opsPerSec > 0)).toBe(true)
      let dbsize = 0
      for (const node of client.nodes('master')) dbsize += await node.dbsize()
      expect(d.nodes.reduce((s, n) => s + (n.keys ?? 0), 0)).toBe(dbsize)
      const ops = r.figures.find((f) => f.label === 'Commands/s')!.value!
      expect(ops).toBeGreaterThan(d.nodes[0]!.opsPerSec!)
    } finally {
      await c.close()
    }
  })
})

describe('warming a cluster', () => {
  it('sends each command to the primary that owns its key; MSET across slots is refused', async () => {
    const text = Array.from({ length: 3000 }, (_, i) => `SET warmc:${i} v${i}`).join('\n')
    const r = await runJob('cache.warm', { profile: 'rc', text, confirmation: 'confirm' })
    expect(r).toMatchObject({ outcome: 'done', total: 3000, ok: 3000, failed: 0 })
    expect(await countAll('warmc:*')).toBe(3000)
    expect(await client.get('warmc:2999')).toBe('v2999')
    await expect(runJob('cache.warm', { profile: 'rc', text: 'MSET a 1 b 2', confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'bad_request',
      message: expect.stringContaining('MSET may span hash slots')
    })
  })
})

describe('slowlog and latency of a cluster', () => {
  it('come from every node, each entry naming its node, none twice', async () => {
    const { RedisCollector } = await import('../../src/main/core/redis/collector')
    const c = new RedisCollector({ id: 'redis', url: cluster.url, password: null, timeoutMs: 5000 })
    const primaries = client.nodes('master')
    try {
      for (const node of primaries) await node.config('SET', 'slowlog-log-slower-than', '0')
      await c.collect(AbortSignal.timeout(5000))
      // A command of the user's own on each primary, named so it can be told from others.
      const marks = await Promise.all(
        primaries.map(async (node, i) => {
          await node.client('SETNAME', `slow-app-${i}`)
          await node.echo(`mark-${i}`)
          return `${node.options.host}:${node.options.port}`
        })
      )
      await c.collect(AbortSignal.timeout(5000))
      const mine = c.getDetails().slowlog.filter((e) => /^echo mark-/i.test(e.command))
      expect(new Set(mine.map((e) => e.node))).toEqual(new Set(marks))
      for (const e of mine) expect(e.client).toMatch(/^slow-app-\d/)
      // The next poll adds nothing already shown.
      await c.collect(AbortSignal.timeout(5000))
      expect(c.getDetails().slowlog.filter((e) => /^echo mark-/i.test(e.command))).toHaveLength(primaries.length)
      expect(c.getDetails().slowlog.some((e) => e.client.startsWith('lookout '))).toBe(false)
    } finally {
      for (const node of primaries) await node.config('SET', 'slowlog-log-slower-than', '10000')
      await c.close()
    }
  })
})

describe('the latency probe of a cluster invalidation', () => {
  it('watches each primary while that primary is being emptied', async () => {
    const { invalidateCluster, splitNodeName } = await import('../../src/main/core/redis/cluster')
    const { ThreadLatencyProbe } = await import('../../src/main/core/redis/latency-probe')
    const { describeRedisUrl } = await import('../../src/main/core/redis/connection')
    await seed('probed:', 6000)
    const nodes = client.nodes('master').map((n) => ({ name: `${n.options.host}:${n.options.port}`, redis: n }))
    const watched: string[] = []
    const probes: InstanceType<typeof ThreadLatencyProbe>[] = []
    const r = await invalidateCluster(nodes, {
      pattern: 'probed:*',
      probeFor: (node) => {
        watched.push(node)
        const p = new ThreadLatencyProbe({ ...describeRedisUrl(cluster.url), ...splitNodeName(node) }, null)
        probes.push(p)
        return p
      }
    })
    expect(r).toMatchObject({ outcome: 'done', deleted: 6000 })
    expect(watched).toEqual(nodes.map((n) => n.name))
    // Each probe reached its own node and measured it.
    expect(probes.map((p) => p.failed)).toEqual([false, false, false])
    expect(probes.every((p) => p.worstMs > 0)).toBe(true)
    expect(r.worstPingMs).toBeGreaterThan(0)
    expect(await countAll('probed:*')).toBe(0)
  })
})

describe('lookout cache warm against a cluster node URL', () => {
  it('writes each command on the primary owning its key, and refuses a cross-slot MSET before writing', async () => {
    const { cacheWarm } = await import('../../src/main/cli/cache-warm')
    const { writeFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const dir = tempDir()
    const file = join(dir, 'warm.txt')
    writeFileSync(file, Array.from({ length: 2000 }, (_, i) => `SET cliwarm:${i} v${i}`).join('\n') + '\n')
    let out = ''
    let err = ''
    const io = { out: (s: string) => void (out += s), err: (s: string) => void (err += s) }
    expect(await cacheWarm({ redis: cluster.url, file, format: 'commands', yes: true, dataDir: dir }, io)).toBe(0)
    expect(JSON.parse(out)).toMatchObject({ outcome: 'done', total: 2000, ok: 2000, failed: 0 })
    expect(err).toMatch(/2000 of 2000 written/)
    expect(await countAll('cliwarm:*')).toBe(2000)
    expect(await client.get('cliwarm:1999')).toBe('v1999')

    writeFileSync(file, 'SET mset:ok 1\nMSET a 1 b 2\n')
    out = ''
    err = ''
    expect(await cacheWarm({ redis: cluster.url, file, format: 'commands', yes: true, dataDir: dir }, io)).toBe(2)
    expect(err).toMatch(/MSET may span hash slots/)
    expect(await client.exists('mset:ok')).toBe(0)
  })
})

describe('a replica of the cluster', () => {
  it('has its slowlog read like the primaries; once it dies the poll goes on and says so', async () => {
    const { execFileSync } = await import('node:child_process')
    const { Redis } = await import('ioredis')
    const { startRedis, eventuallyAsync } = await import('../harness')
    const { findBinary } = await import('../../src/main/harness/binaries')
    const { RedisCollector } = await import('../../src/main/core/redis/collector')
    const replica = await startRedis(['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'])
    const replicaName = `127.0.0.1:${replica.port}`
    const seed = new Redis(cluster.url)
    const direct = new Redis(replica.url)
    const c = new RedisCollector({ id: 'redis', url: cluster.url, password: null, timeoutMs: 2000 })
    try {
      execFileSync(
        findBinary('redis-cli', 'redis-tools'),
        ['--cluster', 'add-node', replicaName, `127.0.0.1:${cluster.nodes[0]!.port}`, '--cluster-slave'],
        {
          stdio: 'pipe'
        }
      )
      await eventuallyAsync(
        'the replica to join',
        async () => new RegExp(`${replicaName}@\\d+ slave`).test((await seed.call('CLUSTER', 'NODES')) as string),
        20_000
      )
      await direct.config('SET', 'slowlog-log-slower-than', '0')
      await c.collect(AbortSignal.timeout(5000))
      await direct.client('SETNAME', 'replica-reader')
      await direct.echo('on-the-replica')
      await c.collect(AbortSignal.timeout(5000))
      const entry = c.getDetails().slowlog.find((e) => /^echo on-the-replica/i.test(e.command))
      expect(entry).toMatchObject({ node: replicaName, client: expect.stringMatching(/^replica-reader/) })

      direct.disconnect()
      await replica.kill()
      // Before the cluster marks it failed, the replica is still listed: the poll must not fail.
      const r = await c.collect(AbortSignal.timeout(5000))
      expect(r.figures.find((f) => f.label === 'Commands/s')).toBeDefined()
      const finding = c.getDetails().findings.find((f) => f.check === 'cluster_node')
      expect(finding).toMatchObject({ severity: 'warning', value: replicaName })
      expect(finding!.message).toMatch(/did not answer .*its slowlog and latency are missing/)
      // Once the cluster itself marks the replica failing, the finding says so.
      await eventuallyAsync(
        'the cluster to mark the replica failing',
        async () => {
          await c.collect(AbortSignal.timeout(5000))
          return c.getDetails().findings.some((f) => f.check === 'cluster_node' && /marked as failing by the cluster/.test(f.message))
        },
        20_000
      )
      expect(c.getDetails().findings.filter((f) => f.check === 'cluster_node')).toEqual([
        expect.objectContaining({
          severity: 'warning',
          value: replicaName,
          message: expect.stringContaining('(replica) is marked as failing')
        })
      ])
    } finally {
      direct.disconnect()
      seed.disconnect()
      await c.close()
      await replica.stop()
    }
  })
})

describe('key-space analysis of a cluster', () => {
  it('samples every primary, so counts and the total cover the whole cluster', async () => {
    for (const node of client.nodes('master')) await node.flushdb()
    await seed('ks:user:', 900)
    await seed('ks:cart:', 300)
    for (let i = 0; i < 300; i++) await client.expire(`ks:cart:${i}`, 600)
    const r = await runJob('cache.analyse', { profile: 'rc', delimiter: ':' })
    expect(r).toMatchObject({ sampled: 1200, dbsize: 1200, complete: true })
    expect(r.readFrom).toMatch(/^the cluster's 3 primaries \(127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+, 127\.0\.0\.1:\d+\)$/)
    const byPrefix = Object.fromEntries(
      r.prefixes.map((p: { prefix: string; keys: number; withoutTtl: number }) => [p.prefix, [p.keys, p.withoutTtl]])
    )
    expect(byPrefix).toEqual({ 'ks:user:*': [900, 900], 'ks:cart:*': [300, 0] })
    // A smaller sample is shared out by each primary's share of the keys.
    const part = await runJob('cache.analyse', { profile: 'rc', delimiter: ':', sampleKeys: 600 })
    expect(part).toMatchObject({ sampled: 600, dbsize: 1200, complete: false })
  })
})

describe('flushing a cluster', () => {
  it('flushes every primary, not only the one the URL names', async () => {
    await call('profiles.save', { profile: { name: 'rc-flush', environment: 'dev', redis: cluster.url, allowFlush: true } })
    await seed('flushme:', 900)
    let total = 0
    for (const node of client.nodes('master')) total += await node.dbsize()
    expect(total).toBeGreaterThanOrEqual(900)
    const r = await call('cache.flush', { profile: 'rc-flush', confirmation: 'confirm' })
    expect(r).toEqual({ flushed: true, keysBefore: total })
    await eventuallyAsync('every primary to be empty', async () => {
      let left = 0
      for (const node of client.nodes('master')) left += await node.dbsize()
      return left === 0
    })
  })
})

describe('lookout cache inspect against a cluster node URL', () => {
  it('asks the primary that owns the key, wherever the URL points', async () => {
    const { cacheInspect } = await import('../../src/main/cli/cache-commands')
    const keys = ['inspect:{a}', 'inspect:{b}', 'inspect:{c}', 'inspect:{d}']
    for (const k of keys) await client.set(k, `v-${k}`)
    for (const k of keys) {
      let out = ''
      const code = await cacheInspect(
        { redis: cluster.url, key: k, json: true, dataDir: tempDir() },
        { out: (s: string) => ((out += s), true), err: () => true }
      )
      expect(code).toBe(0)
      expect(JSON.parse(out)).toMatchObject({ key: k, exists: true, type: 'string' })
    }
  })
})

describe('TTL by pattern on a cluster', () => {
  it('sets the TTL of the matching keys on every primary', async () => {
    await seed('ttlc:', 1500)
    await seed('ttlc-keep:', 300)
    const { jobId } = await call('cache.ttlPattern', { profile: 'rc', pattern: 'ttlc:*', ttlSeconds: 300, confirmation: 'confirm' })
    const end = await eventually('the TTL job to end', () => progress.find((p) => p.jobId === jobId && p.state !== 'running'), 60_000)
    expect(end).toMatchObject({ kind: 'cache.ttl', state: 'done', deleted: 1500, uncertain: 0, error: null })
    const withTtl = async (prefix: string, n: number) => {
      let count = 0
      for (let i = 0; i < n; i++) if ((await client.ttl(`${prefix}${i}`)) > 0) count++
      return count
    }
    expect(await withTtl('ttlc:', 1500)).toBe(1500)
    expect(await withTtl('ttlc-keep:', 300)).toBe(0)
  })
})
