import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { AlertRule } from '../../src/shared/alert-rules'
import { BUILTIN_RULES } from '../../src/main/core/alerts/builtin-pack'
import { exportRuleFile, importRuleFile } from '../../src/main/core/alerts/rule-file'
import { findBinary } from '../../src/main/harness/binaries'
import { tempDir } from '../helpers/temp'

const promtool = findBinary('promtool', 'prometheus')

function run(args: string[], cwd: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: execFileSync(promtool, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) }
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string }
    return { ok: false, out: `${e.stdout ?? ''}${e.stderr ?? ''}` }
  }
}

/** The built-in pack and a user's PromQL rule, with `keep_firing_for`, exported as one file. */
function exported(dir: string): { file: string; text: string } {
  const user = AlertRule.parse({
    name: 'QueueBacklog',
    watch: { kind: 'promql', expr: 'sum(queue_depth)' },
    comparator: '>',
    threshold: 100,
    forS: 120,
    keepFiringForS: 60,
    severity: 'critical',
    labels: { team: 'payments' },
    summary: 'backlog {{ $value }} jobs',
    runbookUrl: 'https://runbooks.example/queue'
  })
  const { text } = exportRuleFile('lookout-shop', [...BUILTIN_RULES, user])
  const file = join(dir, 'rules.yml')
  writeFileSync(file, text)
  return { file, text }
}

describe('exported rule files, checked by Debian’s promtool', () => {
  it('pass promtool check rules, and read back as the same rules', () => {
    const dir = tempDir()
    const { file, text } = exported(dir)
    const r = run(['check', 'rules', file], dir)
    expect(r.out).toMatch(/SUCCESS: 4 rules found/)
    expect(r.ok).toBe(true)
    const back = importRuleFile(text)
    expect(back.problems).toEqual([])
    expect(back.rules.map((x) => [x.name, x.forS, x.severity])).toEqual([
      ['TargetDown', 60, 'critical'],
      ['HttpLatencyP95High', 300, 'warning'],
      ['HttpErrorRatioHigh', 300, 'warning'],
      ['QueueBacklog', 120, 'critical']
    ])
  })

  it('fire and stay quiet as Lookout would under promtool test rules', () => {
    const dir = tempDir()
    exported(dir)
    // Series at a 1m interval. Each rule gets a firing case and a quiet one.
    const tests = {
      rule_files: ['rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            { series: 'up{job="api",instance="a"}', values: '1 0 0 0' },
            { series: 'up{job="db",instance="b"}', values: '1 1 1 1' },
            // 10 requests a minute: at first all fast, then a tenth take 0.5 s and a tenth fail.
            { series: 'http_request_duration_seconds_bucket{le="0.1"}', values: '0+10x6 60+9x10' },
            { series: 'http_request_duration_seconds_bucket{le="1"}', values: '0+10x6 60+10x10' },
            { series: 'http_request_duration_seconds_bucket{le="+Inf"}', values: '0+10x6 60+10x10' },
            { series: 'http_requests_total{status="200"}', values: '0+10x6 60+9x10' },
            { series: 'http_requests_total{status="500"}', values: '0+0x6 0+1x10' },
            { series: 'queue_depth{queue="q1"}', values: '50 150 150 150 150 50 50 50' }
          ],
          alert_rule_test: [
            // Down since minute 1: pending at 1m, firing from 2m (for: 1m); the db target never.
            { eval_time: '1m', alertname: 'TargetDown', exp_alerts: [] },
            {
              eval_time: '2m',
              alertname: 'TargetDown',
              exp_alerts: [
                {
                  exp_labels: { job: 'api', instance: 'a', severity: 'critical' },
                  exp_annotations: {
                    summary: 'api target a is down',
                    description: 'a has not answered for over a minute. In Lookout, its other alerts are muted until it does.'
                  }
                }
              ]
            },
            // Healthy for the first six minutes: no latency or error alert.
            { eval_time: '5m', alertname: 'HttpLatencyP95High', exp_alerts: [] },
            { eval_time: '5m', alertname: 'HttpErrorRatioHigh', exp_alerts: [] },
            // From minute 7 the p95 is past 0.2 s and errors are 10%; both fire after their 5m `for`.
            {
              eval_time: '16m',
              alertname: 'HttpLatencyP95High',
              exp_alerts: [{ exp_labels: { severity: 'warning' }, exp_annotations: { summary: 'p95 request latency 0.55 s on ' } }]
            },
            {
              eval_time: '16m',
              alertname: 'HttpErrorRatioHigh',
              exp_alerts: [{ exp_labels: { severity: 'warning' }, exp_annotations: { summary: '10% of requests fail on ' } }]
            },
            // Over 100 from 1m, firing at 3m; below at 5m but kept firing until 6m by keep_firing_for.
            { eval_time: '2m', alertname: 'QueueBacklog', exp_alerts: [] },
            {
              eval_time: '5m',
              alertname: 'QueueBacklog',
              exp_alerts: [
                {
                  exp_labels: { severity: 'critical', team: 'payments' },
                  exp_annotations: { summary: 'backlog 150 jobs', runbook_url: 'https://runbooks.example/queue' }
                }
              ]
            },
            { eval_time: '7m', alertname: 'QueueBacklog', exp_alerts: [] }
          ]
        }
      ]
    }
    writeFileSync(join(dir, 'tests.yml'), stringify(tests))
    const r = run(['test', 'rules', 'tests.yml'], dir)
    expect(r.out).toMatch(/SUCCESS/)
    expect(r.ok).toBe(true)
  })

  it('promtool refuses what Lookout refuses on import: a rule file with a bad duration', () => {
    const dir = tempDir()
    const bad = 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n        for: soon\n'
    writeFileSync(join(dir, 'bad.yml'), bad)
    expect(run(['check', 'rules', 'bad.yml'], dir).ok).toBe(false)
    expect(importRuleFile(bad).problems[0]!.message).toMatch(/for: "soon" is not a duration/)
  })
})
