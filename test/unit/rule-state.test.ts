import { describe, expect, it } from 'vitest'
import { instanceKey, renderTemplate, RESOLVED_RETENTION_MS, RuleState, type RuleCondition } from '../../src/main/core/alerts/rule-state'

const labels = { target: 'redis' }
const key = instanceKey(labels)
/** One instance's value per tick (null: no data; undefined: the series is gone). */
function run(condition: RuleCondition, ticks: [number, number | null | undefined][]) {
  const rule = new RuleState(condition)
  const log: string[] = []
  for (const [t, v] of ticks) {
    const values = new Map<string, { labels: Record<string, string>; value: number | null }>()
    if (v !== undefined) values.set(key, { labels, value: v })
    for (const tr of rule.step(values, t)) log.push(`${t}: ${tr.from}->${tr.to}`)
  }
  return { rule, log, phase: () => rule.alerts().find((a) => a.key === key)?.phase ?? 'inactive' }
}

const hitRateLow: RuleCondition = { comparator: '<', threshold: 0.8, forMs: 5 * 60_000 }

describe('an alerting rule, with Prometheus’s semantics', () => {
  it('goes pending when the condition holds and fires once it has held for `for`', () => {
    const { log, rule } = run(hitRateLow, [
      [0, 0.95],
      [60_000, 0.5],
      [120_000, 0.6],
      [359_000, 0.7],
      [360_000, 0.7]
    ])
    expect(log).toEqual(['60000: inactive->pending', '360000: pending->firing'])
    expect(rule.alerts()[0]).toMatchObject({ phase: 'firing', activeAt: 60_000, firedAt: 360_000, value: 0.7 })
  })

  it('drops a pending alert whose condition fails: `for` starts again from zero', () => {
    const { log, phase } = run(hitRateLow, [
      [0, 0.5],
      [200_000, 0.9],
      [210_000, 0.5],
      [500_000, 0.5],
      [510_000, 0.5]
    ])
    expect(log).toEqual(['0: inactive->pending', '200000: pending->inactive', '210000: inactive->pending', '510000: pending->firing'])
    expect(phase()).toBe('firing')
  })

  it('fires at once with for 0, resolves when the condition fails, and forgets the resolved alert after 15 minutes', () => {
    const c: RuleCondition = { comparator: '>', threshold: 0, forMs: 0 }
    const { log, phase, rule } = run(c, [
      [0, 3],
      [1000, 0],
      [1000 + RESOLVED_RETENTION_MS - 1, 0]
    ])
    expect(log).toEqual(['0: inactive->pending', '0: pending->firing', '1000: firing->resolved'])
    expect(phase()).toBe('resolved')
    rule.step(new Map([[key, { labels, value: 0 }]]), 1000 + RESOLVED_RETENTION_MS)
    expect(rule.alerts()).toEqual([])
  })

  it('keeps firing for keep_firing_for after the condition fails, and stays firing if it holds again meanwhile', () => {
    const c: RuleCondition = { comparator: '>', threshold: 10, forMs: 0, keepFiringForMs: 60_000 }
    const { log } = run(c, [
      [0, 20],
      [30_000, 5],
      [59_000, 5],
      [70_000, 20],
      [100_000, 5],
      [130_000, 5]
    ])
    expect(log).toEqual(['0: inactive->pending', '0: pending->firing', '130000: firing->resolved'])
  })

  it('missing data is a state of its own, timers kept; the alert goes on from where it was when data returns', () => {
    const { log, rule } = run(hitRateLow, [
      [0, 0.5],
      [100_000, null],
      [200_000, undefined],
      [250_000, 0.5],
      [300_000, 0.5]
    ])
    expect(log).toEqual(['0: inactive->pending', '100000: pending->nodata', '250000: nodata->pending', '300000: pending->firing'])
    expect(rule.alerts()[0]).toMatchObject({ activeAt: 0, firedAt: 300_000 })
    // A firing alert whose target goes down is not resolved: it says there is no data.
    const firing = run({ comparator: '>', threshold: 0, forMs: 0 }, [
      [0, 1],
      [1000, undefined]
    ])
    expect(firing.rule.alerts()[0]).toMatchObject({ phase: 'nodata', phaseBeforeNoData: 'firing', noDataSince: 1000, value: null })
  })

  it('with hysteresis, a firing alert clears only past the clear threshold', () => {
    const c: RuleCondition = { comparator: '>', threshold: 0.9, clearThreshold: 0.8, forMs: 0 }
    const { log } = run(c, [
      [0, 0.95],
      [1000, 0.85],
      [2000, 0.82],
      [3000, 0.79],
      [4000, 0.85]
    ])
    expect(log).toEqual(['0: inactive->pending', '0: pending->firing', '3000: firing->resolved'])
  })

  it('resumes `for` from a snapshot after a restart instead of starting over', () => {
    const before = run(hitRateLow, [
      [0, 0.5],
      [120_000, 0.5]
    ])
    const after = new RuleState(hitRateLow)
    after.restore(JSON.parse(JSON.stringify(before.rule.snapshot())))
    const tr = after.step(new Map([[key, { labels, value: 0.5 }]]), 300_000)
    expect(tr).toEqual([{ key, from: 'pending', to: 'firing', at: 300_000 }])
  })

  it('renders {{ $value }} and {{ $labels.x }} as Prometheus templates write them', () => {
    expect(renderTemplate('hit rate {{ $value }} on {{$labels.target}}{{ $labels.none }}', 0.123456, labels)).toBe(
      'hit rate 0.1235 on redis'
    )
    expect(renderTemplate('{{ $value }}', null, {})).toBe('no data')
    expect(renderTemplate('{{ $value }} keys', 42, {})).toBe('42 keys')
  })
})
