import { AlertRule, NotificationPolicy } from '../src/shared/alert-rules'
import type { TargetState } from '../src/shared/schemas'
import { AlertBook } from '../src/main/core/alerts/alerts'
import { ProfileRules, type RuleReads } from '../src/main/core/alerts/profile-rules'
import { RingSeries } from '../src/shared/ring'
import type { BenchResult } from './benchmarks'

/** The measure: 1,000 rules over 10,000 series, evaluated per tick. */
const SERIES = 10_000
const RULES = 1_000
/** The series belong to this many targets (100 series each), as a profile's monitor holds them. */
const TARGETS = 100
/** Points per series: ten minutes at one a second, the newest of the core's hour. */
const POINTS = 600
const TICKS = Number(process.env.BENCH_TICKS ?? 200)
const AGGREGATIONS = ['last', 'avg', 'max', 'min', 'rate', 'increase'] as const

/**
 * `npm run bench alerts`: the core's own path. 1,000 rules (every aggregation, 1 to 5 minute
 * windows, `for` and `keep_firing_for`) over 10,000 series of 600 points each, in 100 targets;
 * one tick is every target's evaluation after its poll (ProfileRules.evaluateTarget) and the
 * alert book taking each target's alerts (mutes, grouping, notifications, change detection).
 * The floor: reading the newest value of every series once. Both read the same rings in the same run.
 */
export async function alertsBench(): Promise<BenchResult> {
  const rings: RingSeries[] = []
  const now0 = 1_800_000_000_000
  for (let s = 0; s < SERIES; s++) {
    const r = new RingSeries(3600)
    for (let i = 0; i < POINTS; i++) r.push(now0 - (POINTS - i) * 1000, Math.sin(i / 30 + s) * 50 + 50 + (i % 97 === 0 ? NaN : 0))
    rings.push(r)
  }
  // Series s of target s % TARGETS, as `t<target>:k<s>`.
  const byId = new Map(rings.map((r, s) => [`t${s % TARGETS}:k${s}`, r]))
  const rules = Array.from({ length: RULES }, (_, i) => {
    const s = (i * 7919) % SERIES
    return AlertRule.parse({
      name: `Rule${i}`,
      watch: { kind: 'series', metric: `redis_k${s}`, target: `t${s % TARGETS}` },
      aggregation: AGGREGATIONS[i % AGGREGATIONS.length]!,
      windowS: (1 + (i % 5)) * 60,
      comparator: i % 2 ? '>' : '<',
      threshold: 50,
      forS: 60,
      keepFiringForS: i % 3 ? 0 : 30,
      severity: i % 10 ? 'warning' : 'critical',
      summary: '{{ $value }} on {{ $labels.target }}'
    })
  })
  const up = { health: 'up' } as TargetState
  const reads: RuleReads = {
    targetState: () => up,
    series: (id) => byId.get(id)?.view() ?? null,
    findings: () => null,
    collector: () => undefined
  }
  const targets = Array.from({ length: TARGETS }, (_, i) => ({ id: `t${i}`, kind: 'redis' as const, endpoint: `redis://h:${6000 + i}` }))
  const profileRules = new ProfileRules('bench', rules, targets, reads, null)
  let notified = 0
  const book = new AlertBook({
    notifier: { notify: () => notified++ },
    onChange: () => {},
    journal: null,
    policy: () => NotificationPolicy.parse({}),
    silences: () => []
  })
  let sink = 0
  const floorTick = () => {
    for (const r of rings) sink += r.last()?.v ?? 0
  }
  const rulesTick = (t: number) => {
    for (const target of targets) book.updateTarget('bench', profileRules.evaluateTarget(target.id, t), t)
  }
  // Warm both up, then alternate so neither gets the quieter half of the run.
  for (let i = 0; i < 20; i++) {
    floorTick()
    rulesTick(now0 + i * 1000)
  }
  const ours: number[] = []
  const floor: number[] = []
  for (let i = 0; i < TICKS; i++) {
    const t = now0 + (20 + i) * 1000
    let s = performance.now()
    rulesTick(t)
    ours.push(performance.now() - s)
    s = performance.now()
    floorTick()
    floor.push(performance.now() - s)
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.99)]!
  const r3 = (x: number) => Math.round(x * 1000) / 1000
  return {
    ours_ms: r3(median(ours)),
    ref: 'reading the newest value of each of the 10,000 series once',
    ref_ms: r3(median(floor)),
    ratio: r3(median(ours) / median(floor)),
    ours_p99_ms: r3(p99(ours)),
    rules: RULES,
    series: SERIES,
    points_per_series: POINTS,
    ticks: TICKS,
    goal_ms: 5,
    targets: TARGETS,
    firing: book.summary(now0).firing.length,
    notifications: notified,
    sink: Number.isFinite(sink) ? 1 : 0
  }
}
