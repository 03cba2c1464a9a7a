import type { AlertRule, RulePreview } from '../../../shared/alert-rules'
import type { TargetKind } from '../../../shared/schemas'
import { conditionOf, seriesAggregation } from './profile-rules'
import { RuleState, instanceKey } from './rule-state'
import { aggregate, type SeriesView } from './series-rules'

/** Evaluations a preview replays at most per target (an hour of one-second polls is 3,600). */
const MAX_STEPS = 4000

/**
 * A series rule replayed over what a ring holds: at each point, the window's value as the rule
 * would have read it then, stepped through a fresh state machine. The transitions say when it
 * would have gone pending, fired and resolved.
 */
export function replaySeries(rule: AlertRule, target: string, view: SeriesView): RulePreview['targets'][number] {
  const state = new RuleState(conditionOf(rule))
  const n = view.t.length
  const stride = Math.max(1, Math.ceil(n / MAX_STEPS))
  const t: number[] = []
  const v: (number | null)[] = []
  const transitions: RulePreview['targets'][number]['transitions'] = []
  const how = seriesAggregation(rule)
  const key = instanceKey({})
  for (let i = 0; i < n; i += stride) {
    const now = view.t[i]!
    // The window as it was then: the points up to this one.
    const value = aggregate({ t: view.t.subarray(0, i + 1), v: view.v.subarray(0, i + 1) }, now, rule.windowS * 1000, how)
    t.push(now)
    v.push(value)
    for (const tr of state.step(new Map([[key, { labels: {}, value }]]), now))
      if (tr.to !== 'inactive' || tr.from === 'pending') transitions.push({ at: tr.at, from: tr.from, to: tr.to, labels: {} })
  }
  return { target, t, v, transitions }
}

/** A PromQL rule replayed over a range query's answer: each step one evaluation, each series an instance. */
export function replayRange(
  rule: AlertRule,
  target: string,
  series: { labels: Record<string, string>; t: number[]; v: number[] }[]
): RulePreview['targets'][number] {
  const state = new RuleState(conditionOf(rule), 'false')
  const times = [...new Set(series.flatMap((s) => s.t))].sort((a, b) => a - b)
  const at = series.map((s) => new Map(s.t.map((x, i) => [x, s.v[i]!])))
  const transitions: RulePreview['targets'][number]['transitions'] = []
  // The chart shows the first series (most expressions give one); transitions cover all of them.
  const v: (number | null)[] = []
  for (const now of times) {
    const values = new Map<string, { labels: Record<string, string>; value: number | null }>()
    series.forEach((s, i) => {
      const x = at[i]!.get(now)
      if (x !== undefined) values.set(instanceKey(s.labels), { labels: s.labels, value: x })
    })
    v.push(at[0]?.get(now) ?? null)
    for (const tr of state.step(values, now)) {
      const labels = values.get(tr.key)?.labels ?? {}
      transitions.push({ at: tr.at, from: tr.from, to: tr.to, labels })
    }
  }
  return { target, t: times, v, transitions }
}

/** Which target's series a series rule reads: `<kind>_<key>` on targets of that kind. */
export function seriesOfRule(rule: AlertRule, targets: { id: string; kind: TargetKind }[]): { target: string; seriesId: string }[] {
  const w = rule.watch
  if (w.kind !== 'series' || w.metric === 'up') return []
  return targets
    .filter((t) => w.metric.startsWith(`${t.kind}_`) && (w.target === undefined || w.target === t.id))
    .map((t) => ({ target: t.id, seriesId: `${t.id}:${w.metric.slice(t.kind.length + 1)}` }))
}
