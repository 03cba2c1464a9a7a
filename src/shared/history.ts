import { z } from 'zod'
import { ProfileName } from './schemas'

/** What the incident timeline holds, on one time axis across every watched profile. */
export const TimelineKind = z.enum(['alert', 'finding', 'action', 'statement', 'target'])
export type TimelineKind = z.infer<typeof TimelineKind>

export const TimelineEvent = z.object({
  id: z.number().int(),
  /** Unix ms. */
  t: z.number(),
  profile: z.string(),
  targetId: z.string().nullable(),
  kind: TimelineKind,
  /**
   * What happened: firing, resolved, pending or nodata (alert); appeared or cleared (finding);
   * the audited action's name (action); jumped (statement); down or up (target).
   */
  change: z.string(),
  severity: z.enum(['critical', 'warning', 'info']).nullable(),
  title: z.string(),
  detail: z.string().nullable()
})
export type TimelineEvent = z.infer<typeof TimelineEvent>

/** How long each tier keeps its points, in ms. */
export const HistoryRetention = z
  .object({
    rawMs: z
      .number()
      .int()
      .min(3_600_000)
      .max(30 * 86_400_000),
    minuteMs: z
      .number()
      .int()
      .min(86_400_000)
      .max(400 * 86_400_000),
    quarterMs: z
      .number()
      .int()
      .min(86_400_000)
      .max(3 * 365 * 86_400_000)
  })
  .refine((r) => r.rawMs <= r.minuteMs && r.minuteMs <= r.quarterMs, 'each tier keeps at least as long as the finer one before it')
export type HistoryRetention = z.infer<typeof HistoryRetention>

/** A tier's retention as people say it: whole days from two days up, else hours. */
export function retentionSpan(ms: number): string {
  return ms >= 2 * 86_400_000 && ms % 86_400_000 === 0 ? `${ms / 86_400_000} d` : `${Math.round(ms / 3_600_000)} h`
}

/** The retention of every tier, as `lookout history info` and the Timeline's History panel print it. */
export function retentionText(r: HistoryRetention): string {
  return `raw points ${retentionSpan(r.rawMs)}, 1-minute ${retentionSpan(r.minuteMs)}, 15-minute ${retentionSpan(r.quarterMs)}`
}

export const DEFAULT_RETENTION: HistoryRetention = { rawMs: 86_400_000, minuteMs: 14 * 86_400_000, quarterMs: 90 * 86_400_000 }

export const HistoryInfo = z.object({
  /** Where the store is (one SQLite file and its write-ahead log). */
  path: z.string(),
  bytes: z.number().int(),
  retention: HistoryRetention,
  /** Per profile: its series and events, and the oldest and newest point kept. */
  profiles: z.array(
    z.object({
      profile: z.string(),
      series: z.number().int(),
      rawChunks: z.number().int(),
      events: z.number().int(),
      statementRows: z.number().int(),
      oldest: z.number().nullable(),
      newest: z.number().nullable()
    })
  ),
  /** A problem with the store (it could not be opened): history is off and says why. */
  problem: z.string().nullable()
})
export type HistoryInfo = z.infer<typeof HistoryInfo>

/** One series over a range, for a chart: a point per bucket (average, min and max), null where nothing was stored. */
export const SeriesRange = z.object({
  seriesId: z.string(),
  /** Which tier answered: raw points, 1-minute or 15-minute buckets. */
  tier: z.enum(['raw', 'minute', 'quarter']),
  t: z.array(z.number()),
  avg: z.array(z.number().nullable()),
  min: z.array(z.number().nullable()),
  max: z.array(z.number().nullable()),
  /** Points at the start that came from the profile's Prometheus server (older than the local history). */
  fromPrometheus: z.number().int().default(0)
})
export type SeriesRange = z.infer<typeof SeriesRange>

export const TimeRange = z
  .object({ from: z.number(), to: z.number() })
  .refine((r) => r.to > r.from, 'a range ends after it starts')
  .refine((r) => r.to - r.from <= 400 * 86_400_000, 'a range spans at most 400 days')
export type TimeRange = z.infer<typeof TimeRange>

export const TimelineQuery = z.object({
  range: TimeRange,
  /** Every profile that has history when empty. */
  profiles: z.array(ProfileName).max(200).default([]),
  kinds: z.array(TimelineKind).max(5).default([]),
  severities: z
    .array(z.enum(['critical', 'warning', 'info']))
    .max(3)
    .default([]),
  search: z.string().max(200).default(''),
  limit: z.number().int().min(1).max(5000).default(1000)
})
export type TimelineQuery = z.infer<typeof TimelineQuery>
