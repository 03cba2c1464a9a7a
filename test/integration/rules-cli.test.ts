import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { importRuleFile } from '../../src/main/core/alerts/rule-file'
import { rulesCommand } from '../../src/main/cli/rules-command'
import { startRedis, type RedisHandle } from '../harness'
import { tempDir } from '../helpers/temp'

/** `lookout rules …` as the CLI runs it (one-shot core on the data directory), its output captured. */
async function lookoutRules(verb: 'export' | 'check' | 'test', o: Record<string, unknown>) {
  let stdout = ''
  let stderr = ''
  const code = await rulesCommand(verb, { dataDir, ...o }, { out: (s) => (stdout += s), err: (s) => (stderr += s) })
  return { code, stdout, stderr }
}

let redis: RedisHandle
const dataDir = tempDir()

beforeAll(async () => {
  redis = await startRedis()
  const core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  const ok = async (m: string, p: unknown) => expect((await core.dispatch(m, p)).ok).toBe(true)
  await ok('profiles.save', { profile: { name: 'shop', environment: 'staging', redis: redis.url, pollIntervalMs: 500 } })
  await ok('alerts.saveRule', {
    profile: 'shop',
    rule: {
      name: 'AlwaysBusy',
      watch: { kind: 'series', metric: 'redis_ops' },
      comparator: '>=',
      threshold: 0,
      forS: 60,
      severity: 'critical',
      summary: '{{ $value }} ops/s'
    }
  })
  await ok('alerts.saveRule', {
    profile: 'shop',
    rule: { name: 'QueueBacklog', watch: { kind: 'promql', expr: 'sum(queue_depth)' }, threshold: 100, severity: 'warning' }
  })
  await core.close()
}, 60_000)

afterAll(async () => {
  await redis?.stop()
})

describe('lookout rules', () => {
  it('check: what a rule file holds, and each problem at its line and column', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'good.yml'),
      'groups:\n  - name: g\n    rules:\n      - alert: ApiDown\n        expr: up == 0\n        for: 5m\n'
    )
    writeFileSync(
      join(dir, 'bad.yml'),
      'groups:\n  - name: g\n    rules:\n      - alert: ApiDown\n        expr: up == 0\n        for: soon\n'
    )
    const good = await lookoutRules('check', { file: join(dir, 'good.yml') })
    expect(good).toMatchObject({ code: 0, stderr: '' })
    expect(good.stdout).toContain('1 alerting rule(s) read: ApiDown')
    const bad = await lookoutRules('check', { file: join(dir, 'bad.yml') })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(`${join(dir, 'bad.yml')}:6:14: ApiDown: for: "soon" is not a duration (like 5m)\n`)
    expect((await lookoutRules('check', { file: join(dir, 'missing.yml') })).code).toBe(2)
  })

  it('export: the profile’s PromQL rules, and which stay behind and why', async () => {
    const r = await lookoutRules('export', { profile: 'shop' })
    expect(r.code).toBe(0)
    expect(importRuleFile(r.stdout).rules.map((x) => x.name)).toEqual([
      'TargetDown',
      'HttpLatencyP95High',
      'HttpErrorRatioHigh',
      'QueueBacklog'
    ])
    expect(r.stderr).toContain('not exported: AlwaysBusy: it watches Lookout’s own series redis_ops')
  })

  it('test: the rules once against the live server, what would fire, exit 1', async () => {
    const r = await lookoutRules('test', { profile: 'shop' })
    expect(r.stderr).toBe('')
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/^FIRES critical AlwaysBusy on redis: [\d.]+ \(after for 60 s\): [\d.]+ ops\/s$/m)
    expect(r.stdout).toMatch(/^ok {4}critical TargetDown on redis: 1$/m)
    const off = await lookoutRules('test', { profile: 'nope' })
    expect(off).toMatchObject({ code: 2, stderr: expect.stringContaining('nope') })
  })
})
