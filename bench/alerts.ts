import { SeriesRuleSet, type Aggregation, type SeriesRule } from '../src/main/core/alerts/series-rules'
import { RingSeries } from '../src/shared/ring'
import type { BenchResult } from './benchmarks'

/** The measure: 1,000 rules over 10,000 series, evaluated per tick. */
const SERIES = 10_000
const RULES = 1_000
/** Points per series: ten minutes at one a second, the newest of the core's hour. */
const POINTS = 600
const TICKS = Number(process.env.BENCH_TICKS ?? 200)
const AGGREGATIONS: Aggregation[] = ['last', 'avg', 'max', 'min', 'rate', 'increase']

/**
 * `npm run bench alerts`: 1,000 rules (every aggregation, 1 to 5 minute windows) over 10,000
 * series of 600 points each, every rule stepped once per tick, against the floor: reading the
 * newest value of every series once. Both read the same rings in the same run.
 */
export async function alertsBench(): Promise<BenchResult> {
  const rings: RingSeries[] = []
  const now0 = 1_800_000_000_000
  for (let s = 0; s < SERIES; s++) {
    const r = new RingSeries(3600)
    for (let i = 0; i < POINTS; i++) r.push(now0 - (POINTS - i) * 1000, Math.sin(i / 30 + s) * 50 + 50 + (i % 97 === 0 ? NaN : 0))
    rings.push(r)
  }
  const byId = new Map(rings.map((r, i) => [`s${i}`, r]))
  const rules: SeriesRule[] = Array.from({ length: RULES }, (_, i) => ({
    name: `Rule${i}`,
    seriesId: `s${(i * 7919) % SERIES}`,
    aggregation: AGGREGATIONS[i % AGGREGATIONS.length]!,
    windowMs: (1 + (i % 5)) * 60_000,
    condition: { comparator: i % 2 ? '>' : '<', threshold: 50, forMs: 60_000, keepFiringForMs: i % 3 ? 0 : 30_000 }
  }))
  const set = new SeriesRuleSet(rules)
  const read = (id: string) => byId.get(id)?.view() ?? null
  let sink = 0
  const floorTick = () => {
    for (const r of rings) sink += r.last()?.v ?? 0
  }
  const rulesTick = (t: number) => {
    sink += set.tick(t, read).length
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
    firing: set.alerts().filter((a) => a.phase === 'firing').length,
    sink: Number.isFinite(sink) ? 1 : 0
  }
}
