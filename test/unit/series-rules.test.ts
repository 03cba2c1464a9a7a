import { describe, expect, it } from 'vitest'
import { aggregate } from '../../src/main/core/alerts/series-rules'
import { ProfileRules, type RuleReads } from '../../src/main/core/alerts/profile-rules'
import { ScrapedWindows } from '../../src/main/core/alerts/scraped-windows'
import { AlertRule } from '../../src/shared/alert-rules'
import type { TargetState } from '../../src/shared/schemas'
import { RingSeries } from '../../src/shared/ring'

function ring(points: [number, number][]): RingSeries {
  const r = new RingSeries(100)
  for (const [t, v] of points) r.push(t, v)
  return r
}

describe('a rule’s window over one of the core’s series', () => {
  const r = ring([
    [0, 10],
    [1000, 20],
    [2000, NaN],
    [3000, 5],
    [4000, 15]
  ])

  it('reduces the window to last, avg, max or min, leaving failed polls out', () => {
    expect(aggregate(r.view(), 4000, 2500, 'avg')).toBe(10)
    expect(aggregate(r.view(), 4000, 10_000, 'max')).toBe(20)
    expect(aggregate(r.view(), 4000, 10_000, 'min')).toBe(5)
    expect(aggregate(r.view(), 4000, 10_000, 'last')).toBe(15)
  })

  it('reads a counter’s increase and rate across a reset, as Prometheus does', () => {
    // 10 -> 20 (+10), reset to 5 (+5), -> 15 (+10): 25 over 4 s.
    expect(aggregate(r.view(), 4000, 10_000, 'increase')).toBe(25)
    expect(aggregate(r.view(), 4000, 10_000, 'rate')).toBe(6.25)
  })

  it('says there is no data, rather than a value, for an empty window or a newest failed poll', () => {
    expect(aggregate(r.view(), 60_000, 10_000, 'avg')).toBeNull()
    expect(aggregate(ring([[0, 1]]).view(), 0, 1000, 'rate')).toBeNull()
    expect(aggregate(ring([[0, NaN]]).view(), 0, 1000, 'last')).toBeNull()
  })

  it('steps each rule on its series: a hit rate under 80% for 5 minutes fires; a down target is no data', () => {
    const series = ring([])
    const rule = AlertRule.parse({
      name: 'RedisHitRateLow',
      watch: { kind: 'series', metric: 'redis_hitrate' },
      aggregation: 'avg',
      windowS: 60,
      comparator: '<',
      threshold: 0.8,
      forS: 300
    })
    const reads: RuleReads = {
      targetState: () => ({ health: 'up' }) as TargetState,
      series: (id) => (id === 'redis:hitrate' ? series.view() : null),
      findings: () => null,
      collector: () => undefined
    }
    const rules = new ProfileRules('p', [rule], [{ id: 'redis', kind: 'redis', endpoint: 'redis://h' }], reads, null)
    const phases: string[] = []
    for (let t = 0; t <= 420_000; t += 10_000) {
      series.push(t, t < 350_000 ? 0.5 : NaN)
      for (const r of rules.evaluateTarget('redis', t).records) if (r.k === 'state') phases.push(`${r.t / 1000}s ${r.inst.phase}`)
    }
    // Pending at once, firing 5 min later; when the polls fail the 1-minute average still has
    // data, then the window holds none: no data, not resolved.
    expect(phases).toEqual(['0s pending', '300s firing', '410s nodata'])
    expect(rules.alertsOf('redis')[0]).toMatchObject({ rule: 'RedisHitRateLow', labels: { alertname: 'RedisHitRateLow', target: 'redis' } })
  })

  it('keeps a scraped window while a rule reads it, and drops it when the last one is released', () => {
    const scraped = new ScrapedWindows()
    const source = { metric: 'http_requests_total', matchers: [] }
    const a = scraped.register(source, 'rate', 60_000)
    const b = scraped.register(source, 'rate', 300_000)
    expect([a === b, scraped.size]).toEqual([true, 1])
    scraped.release(a)
    expect(scraped.size).toBe(1)
    scraped.release(b)
    expect(scraped.size).toBe(0)
  })
})
