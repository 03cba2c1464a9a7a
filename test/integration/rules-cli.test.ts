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
async function lookoutRules(verb: 'export' | 'check' | 'test' | 'import', o: Record<string, unknown>) {
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

  it('import: a team’s alerting rules into a profile with a Prometheus; a file with a problem imports nothing; audited', async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, 'team.yml'),
      'groups:\n  - name: team\n    rules:\n      - record: x:y\n        expr: sum(up)\n      - alert: ApiDown\n        expr: up{job="api"} == 0\n        for: 2m\n        labels: { severity: critical }\n'
    )
    writeFileSync(
      join(dir, 'bad.yml'),
      'groups:\n  - name: team\n    rules:\n      - alert: ApiDown\n        expr: up == 0\n        labels: [critical]\n'
    )
    // The profile has no Prometheus: its rules could not run.
    const refused = await lookoutRules('import', { profile: 'shop', file: join(dir, 'team.yml') })
    expect(refused).toMatchObject({ code: 2, stderr: expect.stringContaining('names no Prometheus server') })
    const setup = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    expect(
      (await setup.dispatch('profiles.save', { profile: { name: 'team', environment: 'prod', prometheus: 'http://127.0.0.1:9/' } })).ok
    ).toBe(true)
    await setup.close()
    const bad = await lookoutRules('import', { profile: 'team', file: join(dir, 'bad.yml') })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain(
      'bad.yml:6:17: ApiDown: labels: must be a mapping of names to strings\nlookout rules import: nothing imported\n'
    )
    const ok = await lookoutRules('import', { profile: 'team', file: join(dir, 'team.yml') })
    expect(ok).toMatchObject({
      code: 0,
      stdout: 'skipped x:y: a recording rule: Lookout evaluates alerting rules only\nimported into team: ApiDown\n'
    })
    const check = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    const rules = await check.dispatch('alerts.rules', { profile: 'team' })
    const audit = await check.dispatch('audit.recent', { limit: 10, action: 'import alert rules' })
    await check.close()
    const imported = (
      (rules as { result: unknown }).result as { rules: { rule: { name: string; forS: number; severity: string }; origin: string }[] }
    ).rules
    expect(imported.find((r) => r.rule.name === 'ApiDown')).toMatchObject({ origin: 'profile', rule: { forS: 120, severity: 'critical' } })
    // Newest first: the import, the file with a problem, the profile without a Prometheus.
    expect(((audit as { result: unknown }).result as { profile: string; outcome: string }[]).map((a) => [a.profile, a.outcome])).toEqual([
      ['team', 'ok'],
      ['team', 'failed'],
      ['shop', 'failed']
    ])
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
