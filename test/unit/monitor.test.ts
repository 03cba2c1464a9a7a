import { describe, expect, it } from 'vitest'
import type { CollectResult, TargetCollector } from '../../src/main/core/collector'
import { ProfileMonitor } from '../../src/main/core/monitor'
import { Scheduler } from '../../src/main/core/scheduler/scheduler'
import { AlertBook } from '../../src/main/core/alerts/alerts'
import { BUILTIN_RULES, TARGET_DOWN_FOR_S } from '../../src/main/core/alerts/builtin-pack'
import { NotificationPolicy } from '../../src/shared/alert-rules'
import type { Notification } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import { testProfile } from '../helpers/profile'
import { FakeClock } from '../helpers/fake-clock'

function collector(id: string, behave: () => Promise<CollectResult>): TargetCollector {
  return {
    id,
    kind: 'redis',
    endpoint: `redis://h/${id}`,
    series: [{ seriesId: `${id}:ops`, targetId: id, label: 'ops', unit: 'ops/s' }],
    collect: behave,
    close: async () => {}
  }
}

function testBook(notes: Notification[], onChange: (n: number) => void = () => {}) {
  return new AlertBook({
    notifier: { notify: (n) => notes.push(n) },
    onChange: (s) => onChange(s.firing.length),
    journal: null,
    policy: () => NotificationPolicy.parse({ groupWaitS: 0 }),
    silences: () => []
  })
}

function setup(env: 'dev' | 'prod', behave: () => Promise<CollectResult>) {
  const clock = new FakeClock()
  const states: EventPayload<'target.state'>[] = []
  const deltas: EventPayload<'series.delta'>[] = []
  const notes: Notification[] = []
  const book = testBook(notes)
  // The core's own wiring: polls report to the monitor, which feeds the alert book itself.
  const scheduler = new Scheduler<CollectResult>({ clock, random: () => 0.5 })
  const monitor = new ProfileMonitor(testProfile({ environment: env, pollIntervalMs: 1000 }), [collector('r', behave)], {
    scheduler,
    clock,
    events: { targetState: (s) => states.push(s), seriesDelta: (d) => deltas.push(d) },
    alerts: book,
    rules: BUILTIN_RULES,
    journal: null,
    timeoutMs: 500
  })
  monitor.start()
  return { clock, states, deltas, notes, book, monitor }
}

describe('ProfileMonitor', () => {
  it('marks a target up, records its samples and sends deltas in sequence', async () => {
    let v = 0
    const { clock, states, deltas, monitor } = setup('dev', async () => ({
      figures: [{ label: 'ops', value: ++v, unit: '' }],
      samples: [{ seriesId: 'r:ops', value: v * 10 }]
    }))
    await clock.advance(2500)
    expect(states.map((s) => s.health)).toEqual(['up', 'up', 'up'])
    // One event per poll, its points numbered in sequence.
    expect(deltas.map((d) => d.points.map((p) => [p.seriesId, p.seq, p.v]))).toEqual([
      [['r:ops', 1, 10]],
      [['r:ops', 2, 20]],
      [['r:ops', 3, 30]]
    ])
    expect(deltas.map((d) => d.targetId)).toEqual(['r', 'r', 'r'])
    expect(monitor.snapshot().series[0]!.v).toEqual([10, 20, 30])
  })

  it('polls a kind of target on its own interval and timeout when the profile gives one', async () => {
    const clock = new FakeClock()
    const states: EventPayload<'target.state'>[] = []
    let slowStarted = 0
    const monitor = new ProfileMonitor(
      testProfile({ pollIntervalMs: 1000, targetSettings: { metrics: { pollIntervalMs: 3000, timeoutMs: 250 } } }),
      [
        collector('r', async () => ({ figures: [], samples: [] })),
        {
          ...collector('m', async () => ({ figures: [], samples: [] })),
          kind: 'metrics',
          // Never answers; gives up when the poll's timeout aborts it, as real collectors do.
          collect: (signal: AbortSignal) => {
            slowStarted++
            return new Promise<CollectResult>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))))
          }
        }
      ],
      {
        scheduler: new Scheduler<CollectResult>({ clock, random: () => 0.5 }),
        clock,
        events: { targetState: (s) => states.push(s), seriesDelta: () => {} },
        alerts: testBook([]),
        rules: [],
        journal: null,
        timeoutMs: 900
      }
    )
    monitor.start()
    await clock.advance(6100)
    const gaps = (id: string) => states.filter((s) => s.targetId === id).map((s) => [s.nextPollAt! - s.lastPollAt!, s.lastLatencyMs])
    // Redis on the profile's second; the /metrics page 3 s after each attempt, each given up after its own 250 ms.
    expect(new Set(gaps('r').map(([gap]) => gap))).toEqual(new Set([1000]))
    expect(gaps('m')).toEqual([
      [3000, 250],
      [3000, 250]
    ])
    expect(slowStarted).toBe(2)
    expect(states.filter((s) => s.targetId === 'm').every((s) => /250 ms/.test(s.lastError ?? ''))).toBe(true)
    await monitor.stop()
  })

  it('shows the error of a failing target and leaves a gap in its chart', async () => {
    const { clock, states, deltas } = setup('dev', async () => {
      throw new Error('Redis h:6379: connection refused')
    })
    await clock.advance(10)
    expect(states[0]).toMatchObject({ health: 'down', lastError: 'Redis h:6379: connection refused', consecutiveFailures: 1 })
    expect(deltas[0]!.points).toEqual([{ seriesId: 'r:ops', seq: 1, v: null }])
  })

  it('a failed poll leaves a gap in the series watched on the target too, not only in its own', async () => {
    let up = true
    const clock = new FakeClock()
    const deltas: EventPayload<'series.delta'>[] = []
    const watchedInfo = { seriesId: 'm|x', targetId: 'm', label: 'x', unit: '' }
    const metrics: TargetCollector = {
      ...collector('m', async () => {
        if (!up) throw new Error('HTTP 500')
        return { figures: [], samples: [{ seriesId: 'm|x', value: 7 }] }
      }),
      explorer: { list: () => ({ series: [], total: 0, warnings: [], warningCount: 0 }), watch: () => watchedInfo, unwatch: () => true }
    }
    const monitor = new ProfileMonitor(testProfile({ environment: 'dev', pollIntervalMs: 1000 }), [metrics], {
      scheduler: new Scheduler<CollectResult>({ clock, random: () => 0.5 }),
      clock,
      events: { targetState: () => {}, seriesDelta: (d) => deltas.push(d) },
      alerts: { updateTarget: () => {}, observeExternal: () => {} },
      rules: [],
      journal: null,
      timeoutMs: 500
    })
    monitor.watch('m', 'x', null)
    monitor.start()
    await clock.advance(10)
    up = false
    await clock.advance(1000)
    const watched = deltas.map((d) => d.points.find((p) => p.seriesId === 'm|x')?.v)
    expect(watched).toEqual([7, null])
    expect(monitor.snapshot().series.find((s) => s.seriesId === 'm|x')!.v).toEqual([7, null])
    await monitor.stop()
  })

  it('marks a target degraded when the poll works but warns', async () => {
    const { clock, states } = setup('dev', async () => ({ figures: [], samples: [], warning: 'connections at 90% of max_connections' }))
    await clock.advance(10)
    expect(states[0]).toMatchObject({ health: 'degraded', lastError: 'connections at 90% of max_connections' })
  })

  it('raises TargetDown pending at once, firing after its `for`, notifies once, and resolves when the target answers', async () => {
    let up = false
    const { clock, notes, book } = setup('prod', async () => {
      if (!up) throw new Error('refused')
      return { figures: [], samples: [] }
    })
    await clock.advance(6000)
    expect(book.summary(clock.now()).other.map((a) => [a.name, a.state])).toEqual([['TargetDown', 'pending']])
    expect(notes).toHaveLength(0)
    await clock.advance(TARGET_DOWN_FOR_S * 1000)
    expect(book.summary(clock.now()).critical).toBe(1)
    await clock.advance(30_000)
    expect(notes.filter((n) => n.severity === 'critical').map((n) => n.title)).toEqual(['p: TargetDown'])
    up = true
    // The circuit is open after a minute of failures: the next trial comes within its backoff.
    for (let i = 0; i < 60 && book.summary(clock.now()).firing.length; i++) await clock.advance(5000)
    expect(book.summary(clock.now()).firing).toHaveLength(0)
    expect(book.summary(clock.now()).other.map((a) => [a.name, a.state])).toEqual([['TargetDown', 'resolved']])
    expect(notes).toHaveLength(1)
  })
})

describe('alerts a Prometheus server reports', () => {
  it('fire once, notify when critical, and resolve when the server stops reporting them', () => {
    const notes: Notification[] = []
    const summaries: number[] = []
    const book = testBook(notes, (n) => summaries.push(n))
    const crit = {
      name: 'HighErrorRate',
      severity: 'critical' as const,
      summary: '5xx above 5%',
      labels: { alertname: 'HighErrorRate', job: 'api' },
      since: 1000
    }
    const warn = {
      name: 'DiskFilling',
      severity: 'warning' as const,
      summary: 'disk 85%',
      labels: { alertname: 'DiskFilling' },
      since: null
    }
    book.observeExternal('p', 'prometheus', [crit, warn], 5000)
    book.observeExternal('p', 'prometheus', [crit, warn], 6000)
    expect(book.summary(7000).firing.map((a) => [a.source, a.name, a.severity, a.since])).toEqual([
      ['prometheus', 'HighErrorRate', 'critical', 1000],
      ['prometheus', 'DiskFilling', 'warning', 5000]
    ])
    expect(notes.map((n) => n.title)).toEqual(['p: HighErrorRate'])
    book.observeExternal('p', 'prometheus', [warn], 7000)
    expect(book.summary(7000).firing.map((a) => a.name)).toEqual(['DiskFilling'])
    expect(summaries).toEqual([2, 1])
  })
})

describe('a target with a floor on its interval', () => {
  it('is polled no faster than its floor, however short the profile asks', async () => {
    const clock = new FakeClock()
    let polls = 0
    const scheduler = new Scheduler<CollectResult>({ clock, random: () => 0.5 })
    const redis = { ...collector('r', async () => (polls++, { figures: [], samples: [] })), minIntervalMs: 1000 }
    let other = 0
    const fast = collector('m', async () => (other++, { figures: [], samples: [] }))
    const monitor = new ProfileMonitor(testProfile({ environment: 'dev', pollIntervalMs: 250 }), [redis, fast], {
      scheduler,
      clock,
      events: { targetState: () => {}, seriesDelta: () => {} },
      alerts: { updateTarget: () => {}, observeExternal: () => {} },
      rules: [],
      journal: null,
      timeoutMs: 200
    })
    monitor.start()
    await clock.advance(5000)
    // About five polls in five seconds for the floored target; about twenty for the other.
    expect(polls).toBeGreaterThanOrEqual(4)
    expect(polls).toBeLessThanOrEqual(6)
    expect(other).toBeGreaterThanOrEqual(18)
    await monitor.stop()
  })
})
