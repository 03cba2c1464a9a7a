import { spawn, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRedis, type RedisHandle } from '../../src/main/harness/redis'
import { tempDir } from '../helpers/temp'
import { ROOT } from './browser'

let server: RedisHandle
let admin: Redis
const dataDir = tempDir()
const BIN = join(ROOT, 'bin/lookout.js')

function lookout(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data-dir', dataDir], { encoding: 'utf8', cwd: ROOT })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

async function seed(prefix: string, n: number) {
  for (let i = 0; i < n; i += 5000) {
    const p = admin.pipeline()
    for (let k = i; k < Math.min(n, i + 5000); k++) p.set(`${prefix}${k}`, 'v')
    await p.exec()
  }
}

beforeAll(async () => {
  server = await startRedis(['--enable-debug-command', 'yes'])
  admin = new Redis(server.url)
})

afterAll(async () => {
  admin?.disconnect()
  await server?.stop()
})

describe('lookout cache invalidate', () => {
  it('dry-runs, refuses without --yes, then deletes exactly the matching keys', async () => {
    await seed('cache:v1:', 3000)
    await seed('keep:', 500)
    const dry = lookout(['cache', 'invalidate', '--redis', server.url, '--pattern', 'cache:v1:*', '--dry-run'])
    expect(dry.code).toBe(0)
    expect(JSON.parse(dry.stdout).dryRun).toMatchObject({ estimatedTotal: 3000, complete: true })
    const refused = lookout(['cache', 'invalidate', '--redis', server.url, '--pattern', 'cache:v1:*'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('refusing to delete without --yes')
    expect(await admin.dbsize()).toBe(3500)
    const done = lookout(['cache', 'invalidate', '--redis', server.url, '--pattern', 'cache:v1:*', '--yes'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ outcome: 'done', deleted: 3000, uncertain: 0, error: null })
    expect(await admin.dbsize()).toBe(500)
  })

  it('goes through the same guard and pattern checks as the app: "*" by URL and --confirm without --yes delete nothing', async () => {
    await seed('sess:', 200)
    const before = await admin.dbsize()
    const everything = lookout(['cache', 'invalidate', '--redis', server.url, '--pattern', '*', '--yes'])
    expect(everything.code).toBe(2)
    expect(everything.stderr).toMatch(/only wildcards would delete every key/)
    const noYes = lookout(['cache', 'invalidate', '--redis', server.url, '--pattern', 'sess:*', '--confirm', 'anything'])
    expect(noYes.code).toBe(2)
    const ttlAll = lookout(['cache', 'expire', '--redis', server.url, '--pattern', '**', '--ttl', '5', '--yes'])
    expect(ttlAll.code).toBe(2)
    expect(await admin.dbsize()).toBe(before)
    // Each refusal is in the audit log, and the log's chain holds.
    const lines = readFileSync(join(dataDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines.filter((l) => l.outcome === 'refused').length).toBeGreaterThanOrEqual(4)
    const verified = lookout(['audit', 'verify'])
    expect(verified.code).toBe(0)
    expect(verified.stdout).toMatch(/intact/)
  })

  it('lookout audit verify names the first line altered or removed', async () => {
    const path = join(dataDir, 'audit.log')
    const original = readFileSync(path, 'utf8')
    const lines = original.trim().split('\n')
    expect(lines.length).toBeGreaterThanOrEqual(4)
    try {
      writeFileSync(
        path,
        lines.map((l, i) => (i === 1 ? l.replace(/"time":"[^"]+"/, '"time":"2000-01-01T00:00:00.000Z"') : l)).join('\n') + '\n'
      )
      const altered = lookout(['audit', 'verify'])
      expect(altered.code).toBe(1)
      expect(altered.stdout).toMatch(/audit\.log:3: does not follow line 2 as written: line 2 was altered/)
      writeFileSync(path, lines.filter((_, i) => i !== 2).join('\n') + '\n')
      const removed = lookout(['audit', 'verify', '--json'])
      expect(removed.code).toBe(1)
      expect(JSON.parse(removed.stdout)).toMatchObject({ ok: false, firstBad: { line: 3 } })
    } finally {
      writeFileSync(path, original)
    }
  })

  it('inspects a key, readable or as JSON', async () => {
    await admin.hset('user:7', { name: 'Ada', plan: 'pro' })
    await admin.expire('user:7', 300)
    const text = lookout(['cache', 'inspect', 'user:7', '--redis', server.url])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^key: {6}user:7\ntype: {5}hash \(listpack\)\nttl: {6}(29\d|300)\.\d s\n/)
    expect(text.stdout).toContain('  name = Ada')
    const json = lookout(['cache', 'inspect', 'nope', '--redis', server.url, '--json'])
    expect(json.code).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ key: 'nope', exists: false })
  })

  it('cancels on Ctrl-C with the exact count on stdout', async () => {
    // Enough keys that the job is still running when the interrupt lands: created server-side.
    const others = await admin.dbsize()
    await admin.call('DEBUG', 'POPULATE', '2000000', 'big')
    const child = spawn(
      process.execPath,
      [BIN, 'cache', 'invalidate', '--redis', server.url, '--pattern', 'big:*', '--yes', '--data-dir', dataDir],
      { cwd: ROOT }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => {
      stderr += d
      // Interrupt once deletion is under way, as a person at the terminal would.
      if (/deleted [1-9]/.test(stderr) && !child.killed) child.kill('SIGINT')
    })
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    expect(code).toBe(130)
    const result = JSON.parse(stdout)
    expect(result.outcome).toBe('cancelled')
    expect(2_000_000 + others - (await admin.dbsize())).toBe(result.deleted)
    expect(result.deleted).toBeGreaterThan(0)
    expect(result.deleted).toBeLessThan(2_000_000)
  })
})

describe('lookout cache warm', () => {
  it('checks every line, needs --yes, then writes in pipelined batches with exact counts, audited', async () => {
    const dir = tempDir()
    const file = join(dir, 'warm.txt')
    const lines = ['# after the deploy']
    for (let i = 0; i < 2500; i++) lines.push(`SET warm:${i} "{\\"id\\": ${i}}" EX 3600`)
    lines.push('HSET warm:h field "a value"')
    writeFileSync(file, lines.join('\n'))
    const refused = lookout(['cache', 'warm', '--redis', server.url, '--file', file])
    expect(refused.code).toBe(2)
    expect(await admin.exists('warm:0')).toBe(0)
    const done = lookout(['cache', 'warm', '--redis', server.url, '--file', file, '--yes'])
    expect(done.code).toBe(0)
    expect(JSON.parse(done.stdout)).toMatchObject({ outcome: 'done', total: 2501, ok: 2501, failed: 0 })
    expect(await admin.get('warm:7')).toBe('{"id": 7}')
    expect(await admin.ttl('warm:7')).toBeGreaterThan(3500)
    expect(await admin.hget('warm:h', 'field')).toBe('a value')
    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
    expect(audit).toMatch(/"action":"warm cache".*"outcome":"refused"/)
    expect(audit).toMatch(/"action":"warm cache \(job ended\)".*"ok":2501.*"outcome":"ok"/)
  })

  it('a file with a forbidden or broken line is refused whole, naming the line', () => {
    const dir = tempDir()
    const file = join(dir, 'bad.txt')
    writeFileSync(file, 'SET a 1\nFLUSHALL\n')
    const r = lookout(['cache', 'warm', '--redis', server.url, '--file', file, '--yes'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('line 2: FLUSHALL is not allowed in a warm-up file')
  })
})

describe('lookout cache expire', () => {
  it('sets, then clears, the TTL of exactly the matching keys: guarded, counted, audited', async () => {
    await seed('sess:', 2000)
    await seed('stay:', 300)
    const needsOne = lookout(['cache', 'expire', '--redis', server.url, '--pattern', 'sess:*', '--yes'])
    expect(needsOne.code).toBe(2)
    expect(needsOne.stderr).toContain('give exactly one of --ttl SECONDS or --persist')
    const badTtl = lookout(['cache', 'expire', '--redis', server.url, '--pattern', 'sess:*', '--ttl', '1.5', '--yes'])
    expect(badTtl.code).toBe(2)
    expect(badTtl.stderr).toContain('--ttl takes a whole number of seconds above 0, not 1.5')
    const refused = lookout(['cache', 'expire', '--redis', server.url, '--pattern', 'sess:*', '--ttl', '600'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain('refusing to set TTLs without --yes')
    expect(await admin.ttl('sess:7')).toBe(-1)

    // A TTL of 600 s, less the seconds since the command started (a busy machine runs it slowly).
    const setAt = Date.now()
    const ttlOk = (t: number) => t <= 600 && t >= 600 - Math.ceil((Date.now() - setAt) / 1000) - 1
    const set = lookout(['cache', 'expire', '--redis', server.url, '--pattern', 'sess:*', '--ttl', '600', '--yes'])
    expect(set.code).toBe(0)
    expect(JSON.parse(set.stdout)).toMatchObject({ outcome: 'done', changed: 2000, uncertain: 0, error: null })
    for (const k of ['sess:0', 'sess:999', 'sess:1999']) expect(ttlOk(await admin.ttl(k)), k).toBe(true)
    expect(await admin.ttl('stay:7')).toBe(-1)

    // sess:1, sess:10-19, sess:100-199 and sess:1000-1999.
    const cleared = lookout(['cache', 'expire', '--redis', server.url, '--pattern', 'sess:1*', '--persist', '--yes'])
    expect(cleared.code).toBe(0)
    expect(JSON.parse(cleared.stdout)).toMatchObject({ outcome: 'done', changed: 1111 })
    expect(await admin.ttl('sess:1500')).toBe(-1)
    expect(ttlOk(await admin.ttl('sess:500'))).toBe(true)
    expect(await admin.dbsize()).toBeGreaterThanOrEqual(2300)

    const audit = readFileSync(join(dataDir, 'audit.log'), 'utf8')
    expect(audit).toMatch(/"action":"set TTL by pattern".*"outcome":"refused"/)
    expect(audit).toMatch(
      /"action":"set TTL by pattern \(job ended\)","target":"sess:\*".*"ttlSeconds":600.*"changed":2000.*"outcome":"ok"/
    )
    expect(audit).toMatch(
      /"action":"clear TTL by pattern \(job ended\)","target":"sess:1\*".*"ttlSeconds":null.*"changed":1111.*"outcome":"ok"/
    )
  })
})
