import { describe, expect, it } from 'vitest'
import { AlertRule } from '../../src/shared/alert-rules'
import { BUILTIN_RULES } from '../../src/main/core/alerts/builtin-pack'
import { exportRuleFile, importRuleFile, parsePromDuration, promDuration, ruleExpression } from '../../src/main/core/alerts/rule-file'
import { ScrapedWindows } from '../../src/main/core/alerts/scraped-windows'
import { RuleState, instanceKey } from '../../src/main/core/alerts/rule-state'
import { parseExposition } from '../../src/main/core/prometheus/exposition/parser'

describe('Prometheus rule files', () => {
  it('writes durations as Prometheus does and reads them back', () => {
    expect([0, 45, 60, 300, 5400, 90_000].map(promDuration)).toEqual(['0s', '45s', '1m', '5m', '1h30m', '1d1h'])
    expect(['5m', '1h30m', '90s', '500ms', '2d', '', '5', 'm5', '5m '].map(parsePromDuration)).toEqual([
      300,
      5400,
      90,
      0.5,
      172_800,
      null,
      null,
      null,
      null
    ])
  })

  it('exports what PromQL can express and lists the rest with the reason', () => {
    const out = exportRuleFile('lookout-shop', BUILTIN_RULES)
    expect(out.exported).toEqual(['TargetDown', 'HttpLatencyP95High', 'HttpErrorRatioHigh'])
    expect(out.skipped.find((s) => s.name === 'RedisCacheHitLow')!.reason).toMatch(/Lookout’s own series redis_hitrate/)
    expect(out.skipped.find((s) => s.name === 'PostgresBlockedSessions')!.reason).toMatch(/blocked_session check’s findings/)
    expect(out.text).toContain('expr: histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m]))) > 0.2')
    expect(out.text).toContain(
      'expr: 100 * sum(increase(http_requests_total{status=~"5.."}[5m])) / sum(increase(http_requests_total[5m])) > 1'
    )
    const hysteresis = AlertRule.parse({
      name: 'X',
      watch: { kind: 'promql', expr: 'up' },
      threshold: 1,
      comparator: '<',
      clearThreshold: 1
    })
    expect(ruleExpression(hysteresis)).toBeNull()
    expect(exportRuleFile('g', [hysteresis]).skipped[0]!.reason).toMatch(/hysteresis/)
  })

  it('imports alerting rules strictly: unknown fields, bad durations and recording rules said with line and column', () => {
    const good = importRuleFile(`groups:
  - name: api
    rules:
      - record: job:errors:rate5m
        expr: sum(rate(errors_total[5m]))
      - alert: ApiDown
        expr: up{job="api"} == 0
        for: 2m
        keep_firing_for: 1m
        labels: { severity: page, team: core }
        annotations:
          summary: "{{ $labels.instance }} down"
          runbook_url: https://runbooks.example/api-down
`)
    expect(good.problems).toEqual([])
    expect(good.skipped).toEqual([{ name: 'job:errors:rate5m', reason: expect.stringMatching(/recording rule/) }])
    expect(good.rules[0]).toMatchObject({
      name: 'ApiDown',
      watch: { kind: 'promql', expr: 'up{job="api"} == 0' },
      forS: 120,
      keepFiringForS: 60,
      severity: 'critical',
      labels: { team: 'core' },
      summary: '{{ $labels.instance }} down',
      runbookUrl: 'https://runbooks.example/api-down'
    })
    const bad = importRuleFile(`groups:
  - name: api
    rules:
      - alert: A
        expr: up == 0
        for: five minutes
        severity: critical
`)
    expect(bad.rules).toEqual([])
    expect(bad.problems).toEqual([
      { line: 7, column: 9, message: 'unknown field severity in a rule' },
      { line: 6, column: 14, message: 'A: for: "five minutes" is not a duration (like 5m)' }
    ])
    expect(importRuleFile('groups: [').problems[0]).toMatchObject({ line: 1 })
  })
})

describe('scraped windows', () => {
  const page = (ok: number, errors: number, fast: number, slow: number) =>
    parseExposition(
      `# TYPE http_requests_total counter
http_requests_total{status="200"} ${ok}
http_requests_total{status="500"} ${errors}
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{route="/a",le="0.1"} ${fast}
http_request_duration_seconds_bucket{route="/a",le="1"} ${fast + slow}
http_request_duration_seconds_bucket{route="/a",le="+Inf"} ${fast + slow}
http_request_duration_seconds_count{route="/a"} ${fast + slow}
http_request_duration_seconds_sum{route="/a"} 0
`,
      'text'
    )

  it('gives p95 over the window from bucket increases, and the error ratio from two counters', () => {
    const w = new ScrapedWindows()
    const p95 = w.register({ metric: 'http_request_duration_seconds', matchers: [] }, 'p95', 60_000)
    const ratio = w.register(
      { metric: 'http_requests_total', matchers: [{ name: 'status', op: '=~', value: '5..' }], denominator: [] },
      'ratio',
      60_000
    )
    w.update(page(1000, 0, 1000, 0), 0)
    expect(w.value(p95, 'p95', 60_000, 0)).toBeNull()
    // In the next 15 s: 99 fast requests, 1 slow one that failed... then 100 slow ones.
    w.update(page(1099, 1, 1099, 1), 15_000)
    expect(w.value(ratio, 'ratio', 60_000, 15_000)).toBeCloseTo(1, 5)
    expect(w.value(p95, 'p95', 60_000, 15_000)).toBeCloseTo(0.1 * (95 / 99), 3)
    w.update(page(1199, 1, 1099, 101), 30_000)
    expect(w.value(p95, 'p95', 60_000, 30_000)).toBeGreaterThan(0.5)
    // A counter reset (the app restarted) is counted from zero, not as a negative increase.
    w.update(page(100, 0, 0, 100), 45_000)
    expect(w.value(ratio, 'ratio', 60_000, 45_000)).toBeCloseTo((1 / 300) * 100, 3)
  })
})

describe('flap damping', () => {
  it('brings a flapping alert straight back to firing without a new `for`', () => {
    const s = new RuleState({ comparator: '<', threshold: 80, forMs: 60_000, flapDampingMs: 120_000 })
    const k = instanceKey({})
    const at = (t: number, v: number) => s.step(new Map([[k, { labels: {}, value: v }]]), t).map((x) => `${x.from}->${x.to}`)
    at(0, 50)
    expect(at(60_000, 50)).toEqual(['pending->firing'])
    expect(at(61_000, 95)).toEqual(['firing->resolved'])
    expect(at(62_000, 50)).toEqual(['resolved->firing'])
    expect(s.alerts()[0]).toMatchObject({ firedAt: 60_000, activeAt: 0 })
    // Past the damping window, it is a new alert with its own `for`.
    at(63_000, 95)
    expect(at(300_000, 50)).toEqual(['resolved->pending'])
  })
})
