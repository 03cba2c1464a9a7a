import { z } from 'zod'

/**
 * Alert rules as the core evaluates them and the renderer edits them. The fields follow
 * Prometheus's alerting rules where they exist there (name, `for`, `keep_firing_for`, labels,
 * annotations), so the rules that can move to a team's Prometheus export as they are.
 */

/** An alert name Prometheus accepts (`rulefmt` checks it as a metric name). */
export const RuleName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_:][A-Za-z0-9_:]*$/, 'a rule name is letters, digits, _ and :, not starting with a digit (as Prometheus names alerts)')

export const LabelName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a label name is letters, digits and _, not starting with a digit')

/** One label matcher, as PromQL and Alertmanager write them: `name op value`. */
export const LabelMatcher = z.object({
  name: LabelName,
  op: z.enum(['=', '!=', '=~', '!~']).default('='),
  value: z.string().max(1000)
})
export type LabelMatcher = z.infer<typeof LabelMatcher>

/**
 * What a rule watches.
 * - `series`: one of the core's own series (what the charts show), by its name (`redis_hitrate`,
 *   `postgres_connections`, `up`...) on every target that has it, or on one target.
 * - `finding`: a check's findings (Postgres, Redis) by the check's name; one alert per object.
 * - `scraped`: a family scraped from the profile's /metrics endpoints: a counter's rate, a
 *   histogram's quantile, or the ratio of two counters' increases, summed over the matching series.
 * - `promql`: an expression on the profile's Prometheus server; one alert per series it returns.
 */
export const RuleWatch = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('series'), metric: z.string().min(1).max(100), target: z.string().max(100).optional() }),
  z.object({
    kind: z.literal('finding'),
    /** A check's name, or `*`: every check no other finding rule of the profile names. */
    check: z.string().min(1).max(100),
    /** Only findings at least this severe. */
    minSeverity: z.enum(['info', 'warning', 'critical']).optional()
  }),
  z.object({
    kind: z.literal('scraped'),
    metric: z.string().min(1).max(200),
    matchers: z.array(LabelMatcher).max(20).default([]),
    /** For `ratio`: the denominator's matchers on the same family (the numerator's are `matchers`). */
    denominator: z.array(LabelMatcher).max(20).optional()
  }),
  z.object({ kind: z.literal('promql'), expr: z.string().min(1).max(10_000) })
])
export type RuleWatch = z.infer<typeof RuleWatch>

/** How a window is reduced to one value. p95/p99 read a histogram; ratio two counters (as a percentage). */
export const RuleAggregation = z.enum(['last', 'avg', 'max', 'min', 'rate', 'increase', 'p95', 'p99', 'ratio'])
export type RuleAggregation = z.infer<typeof RuleAggregation>

export const RuleComparator = z.enum(['>', '>=', '<', '<=', '==', '!='])

export const RuleSeverity = z.enum(['info', 'warning', 'critical'])

export const AlertRule = z
  .object({
    name: RuleName,
    watch: RuleWatch,
    aggregation: RuleAggregation.default('last'),
    /** The window the aggregation reads, in seconds (ignored by `last` on series and by PromQL). */
    windowS: z.number().min(0).max(86_400).default(60),
    comparator: RuleComparator.default('>'),
    /** Optional for PromQL, where the expression's own comparison decides, as in Prometheus. */
    threshold: z.number().finite().optional(),
    /** Hysteresis (not exportable): once firing, the value must cross this to clear. */
    clearThreshold: z.number().finite().optional(),
    forS: z
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(0),
    keepFiringForS: z
      .number()
      .min(0)
      .max(7 * 86_400)
      .default(0),
    /**
     * Flap damping (not exportable): an alert that resolved less than this many seconds ago
     * comes back as firing without waiting `for` again, and without notifying again.
     */
    flapDampingS: z.number().min(0).max(86_400).default(0),
    severity: RuleSeverity.default('warning'),
    labels: z.record(LabelName, z.string().max(1000)).default({}),
    summary: z.string().max(2000).default(''),
    description: z.string().max(10_000).default(''),
    runbookUrl: z
      .string()
      .max(2000)
      .regex(/^https?:\/\//, 'a runbook URL is http(s)://')
      .optional(),
    enabled: z.boolean().default(true)
  })
  .superRefine((r, ctx) => {
    if (r.watch.kind !== 'promql' && r.threshold === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['threshold'],
        message: 'a threshold is required (only a PromQL rule may leave it to its expression)'
      })
    const histogram = r.aggregation === 'p95' || r.aggregation === 'p99'
    if ((histogram || r.aggregation === 'ratio') && r.watch.kind !== 'scraped')
      ctx.addIssue({ code: 'custom', path: ['aggregation'], message: `${r.aggregation} reads a scraped /metrics family` })
    if (r.aggregation === 'ratio' && r.watch.kind === 'scraped' && !r.watch.denominator)
      ctx.addIssue({ code: 'custom', path: ['watch', 'denominator'], message: 'a ratio needs the denominator’s matchers' })
    if (r.watch.kind === 'promql' && r.aggregation !== 'last')
      ctx.addIssue({ code: 'custom', path: ['aggregation'], message: 'a PromQL rule takes its window in its expression; use last' })
    if (r.clearThreshold !== undefined && r.threshold !== undefined) {
      const above = r.comparator === '>' || r.comparator === '>='
      const below = r.comparator === '<' || r.comparator === '<='
      if ((above && r.clearThreshold > r.threshold) || (below && r.clearThreshold < r.threshold))
        ctx.addIssue({
          code: 'custom',
          path: ['clearThreshold'],
          message: 'the clear threshold must be on the healthy side of the threshold, or the alert could never clear'
        })
    }
  })
export type AlertRule = z.infer<typeof AlertRule>
export type AlertRuleInput = z.input<typeof AlertRule>

/** Where a profile's effective rule comes from: Lookout's built-in pack, the user's pack, or the profile's override. */
export const RuleOrigin = z.enum(['builtin', 'pack', 'profile'])

export const EffectiveRule = z.object({
  rule: AlertRule,
  origin: RuleOrigin,
  /** Why it cannot move to a Prometheus rule file, or null when it can. */
  notExportable: z.string().nullable()
})
export type EffectiveRule = z.infer<typeof EffectiveRule>

/** How alerts turn into notifications: grouping, waits, what notifies. */
export const NotificationPolicy = z.object({
  groupBy: z.array(LabelName).max(10).default(['profile', 'alertname']),
  /** A new group waits this long for its other alerts before it notifies (Alertmanager's group_wait). */
  groupWaitS: z.number().min(0).max(3600).default(5),
  /**
   * A group that notified does not notify again before this (Alertmanager's repeat_interval, 4 h
   * there; an hour here, since a desktop is watched, not paged).
   */
  repeatIntervalS: z
    .number()
    .min(1)
    .max(7 * 86_400)
    .default(3600),
  /** Warnings notify too (critical alerts always do). */
  notifyWarnings: z.boolean().default(false),
  /** Firing alerts are sent to the profile's Alertmanager (POST /api/v2/alerts). */
  forwardToAlertmanager: z.boolean().default(false)
})
export type NotificationPolicy = z.infer<typeof NotificationPolicy>

/** A local silence: alerts whose labels match every matcher are muted until it ends. */
export const LocalSilence = z.object({
  id: z.string(),
  matchers: z.array(LabelMatcher).min(1).max(20),
  endsAt: z.number(),
  comment: z.string().min(1).max(1000),
  createdAt: z.number()
})
export type LocalSilence = z.infer<typeof LocalSilence>

/** Whether labels match every matcher (an anchored regex, as Prometheus and Alertmanager match). */
export function matchesAll(labels: Record<string, string>, matchers: readonly LabelMatcher[]): boolean {
  return matchers.every((m) => {
    const v = labels[m.name] ?? ''
    switch (m.op) {
      case '=':
        return v === m.value
      case '!=':
        return v !== m.value
      case '=~':
        return anchored(m.value).test(v)
      case '!~':
        return !anchored(m.value).test(v)
    }
  })
}

const regexCache = new Map<string, RegExp>()
function anchored(source: string): RegExp {
  let re = regexCache.get(source)
  if (!re) {
    try {
      re = new RegExp(`^(?:${source})$`)
    } catch {
      re = /$^/ // an invalid regex matches nothing
    }
    if (regexCache.size > 1000) regexCache.clear()
    regexCache.set(source, re)
  }
  return re
}

/** One transition of an alert, from the journal. */
export const AlertHistoryEntry = z.object({
  t: z.number(),
  profile: z.string(),
  rule: z.string(),
  target: z.string(),
  labels: z.record(z.string(), z.string()),
  from: z.string(),
  to: z.string(),
  severity: z.string(),
  value: z.number().nullable()
})
export type AlertHistoryEntry = z.infer<typeof AlertHistoryEntry>

export const AlertNotification = z.object({
  title: z.string(),
  body: z.string(),
  severity: z.enum(['info', 'warning', 'critical']),
  alertId: z.string().optional()
})
export type AlertNotification = z.infer<typeof AlertNotification>

/** A rule replayed over the data held: per target, the series, and when it would have been pending, firing, resolved. */
export const RulePreview = z.object({
  targets: z.array(
    z.object({
      target: z.string(),
      /** The aggregated value at each evaluation (null: no data), for the chart. */
      t: z.array(z.number()),
      v: z.array(z.number().nullable()),
      transitions: z.array(z.object({ at: z.number(), from: z.string(), to: z.string(), labels: z.record(z.string(), z.string()) }))
    })
  ),
  threshold: z.number().nullable(),
  clearThreshold: z.number().nullable(),
  /** What the preview could not replay, and why (no history held for findings or scraped windows). */
  note: z.string().nullable()
})
export type RulePreview = z.infer<typeof RulePreview>

export const RuleFileCheck = z.object({
  rules: z.array(z.string()),
  skipped: z.array(z.object({ name: z.string(), reason: z.string() })),
  problems: z.array(z.object({ line: z.number(), column: z.number(), message: z.string() }))
})
export type RuleFileCheck = z.infer<typeof RuleFileCheck>

export const RuleTestResult = z.object({
  rule: z.string(),
  target: z.string(),
  labels: z.record(z.string(), z.string()),
  value: z.number().nullable(),
  /** Whether the condition holds now (what would fire once `for` has passed). */
  holds: z.boolean(),
  severity: RuleSeverity,
  summary: z.string(),
  forS: z.number()
})
export type RuleTestResult = z.infer<typeof RuleTestResult>
