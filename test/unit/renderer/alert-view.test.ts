import { describe, expect, it } from 'vitest'
import { AlertRule } from '../../../src/shared/alert-rules'
import { Alert } from '../../../src/shared/schemas'
import {
  alertStateText,
  describeCondition,
  firingSpans,
  groupAlerts,
  historyTimeline,
  muteLabel,
  parseMatchers
} from '../../../src/renderer/src/lib/alert-view'

const alert = (o: Partial<Alert>) =>
  Alert.parse({
    id: o.name ?? 'a',
    profile: 'p',
    targetId: 'redis',
    source: 'lookout',
    name: 'A',
    severity: 'warning',
    summary: '',
    since: 0,
    ...o
  })

describe('the Alerts view’s helpers', () => {
  it('groups by severity, critical first, then profile, oldest first', () => {
    const groups = groupAlerts([
      alert({ id: '1', profile: 'b', severity: 'warning', since: 5 }),
      alert({ id: '2', profile: 'a', severity: 'critical', since: 9 }),
      alert({ id: '3', profile: 'b', severity: 'warning', since: 1 }),
      alert({ id: '4', profile: 'a', severity: 'warning', since: 1 })
    ])
    expect(groups.map((g) => [g.severity, g.profile, g.alerts.map((a) => a.id)])).toEqual([
      ['critical', 'a', ['2']],
      ['warning', 'a', ['4']],
      ['warning', 'b', ['3', '1']]
    ])
  })

  it('reads matchers as people type them, and says what does not read', () => {
    expect(parseMatchers('alertname="RedisCacheHitLow", severity=~"crit.*", target!=db')).toEqual({
      matchers: [
        { name: 'alertname', op: '=', value: 'RedisCacheHitLow' },
        { name: 'severity', op: '=~', value: 'crit.*' },
        { name: 'target', op: '!=', value: 'db' }
      ]
    })
    expect(parseMatchers('a="x, y"')).toEqual({ matchers: [{ name: 'a', op: '=', value: 'x, y' }] })
    expect(parseMatchers('')).toMatchObject({ error: expect.stringMatching(/at least one/) })
    expect(parseMatchers('9x="1"')).toMatchObject({ error: expect.stringMatching(/cannot read a matcher/) })
    expect(parseMatchers('a=~"("')).toMatchObject({ error: expect.stringMatching(/not a regular expression/) })
  })

  it('finds the spans a preview fired, the last one open to the end', () => {
    const tr = [
      { at: 10, to: 'pending' },
      { at: 20, to: 'firing' },
      { at: 30, to: 'resolved' },
      { at: 40, to: 'firing' }
    ]
    expect(firingSpans(tr, 50)).toEqual([
      { from: 20, to: 30 },
      { from: 40, to: 50 }
    ])
  })

  it('says a rule and a target’s alerts in one line', () => {
    const r = AlertRule.parse({
      name: 'X',
      watch: { kind: 'series', metric: 'redis_hitrate' },
      aggregation: 'avg',
      windowS: 60,
      comparator: '<',
      threshold: 80,
      forS: 300,
      clearThreshold: 90
    })
    expect(describeCondition(r)).toBe('avg 60s < 80, clears at 90 for 5m')
    expect(alertStateText([alert({ state: 'firing', name: 'RedisCacheHitLow' }), alert({ id: 'b', state: 'pending' })])).toBe(
      'alerts: 1 firing (RedisCacheHitLow), 1 pending'
    )
    expect(muteLabel({ kind: 'snooze', detail: 'by ana', until: 30 * 60_000 }, 0)).toBe('snoozed 30 min')
  })

  it('lays the history out as spans per alert instance, an open one running to now', () => {
    const e = (t: number, to: string, object = 'pid 1') => ({
      t,
      profile: 'p',
      rule: 'Blocked',
      target: 'postgres',
      labels: { object },
      from: '',
      to,
      severity: 'critical',
      value: null
    })
    const rows = historyTimeline(
      [e(10, 'pending'), e(20, 'firing'), e(30, 'resolved'), e(25, 'firing', 'pid 2'), e(5, 'firing', 'pid 3'), e(8, 'resolved', 'pid 3')],
      9,
      40
    )
    expect(rows).toEqual([
      {
        key: 'p/postgres/Blocked/pid 1',
        label: 'Blocked · p/postgres · pid 1',
        spans: [
          { from: 10, to: 20, state: 'pending' },
          { from: 20, to: 30, state: 'firing' }
        ]
      },
      { key: 'p/postgres/Blocked/pid 2', label: 'Blocked · p/postgres · pid 2', spans: [{ from: 25, to: 40, state: 'firing' }] }
    ])
  })
})
