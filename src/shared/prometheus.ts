import { z } from 'zod'

/** Prometheus: what the metrics explorer and the PromQL panel show. */

/** One series of a /metrics endpoint's last scrape, as the metrics explorer lists it. */
export const ExploredSeries = z.object({
  key: z.string(),
  family: z.string(),
  type: z.string(),
  value: z.number().nullable(),
  /** Per-second rate since the previous scrape, for counters. */
  rate: z.number().nullable(),
  /** For histogram groups: the quantile `value` is. */
  quantile: z.number().nullable()
})
export type ExploredSeries = z.infer<typeof ExploredSeries>

/** Where the last scrape's page breaks the written format although Prometheus takes it. */
export const FormatWarning = z.object({ line: z.number().int(), column: z.number().int(), message: z.string() })
export type FormatWarning = z.infer<typeof FormatWarning>

/** What the metrics explorer lists of an endpoint's last scrape. */
export const ExploredPage = z.object({
  series: z.array(ExploredSeries),
  total: z.number().int(),
  /** The page's format warnings, the first of them (at most MAX_LISTED_WARNINGS); `warningCount` counts all. */
  warnings: z.array(FormatWarning),
  warningCount: z.number().int()
})
export type ExploredPage = z.infer<typeof ExploredPage>

/** Warnings the explorer lists; `lookout metrics lint` prints every one. */
export const MAX_LISTED_WARNINGS = 50

export const SavedQuery = z.object({
  name: z.string().min(1).max(100),
  expr: z.string().min(1).max(20_000)
})
export type SavedQuery = z.infer<typeof SavedQuery>

/** A PromQL range query's answer, aligned for charting: one shared time axis, null where a series has no point. */
export const RangeAnswer = z.object({
  stepS: z.number(),
  t: z.array(z.number()),
  series: z.array(z.object({ metric: z.record(z.string(), z.string()), v: z.array(z.number().nullable()) })),
  warnings: z.array(z.string()),
  infos: z.array(z.string())
})
export type RangeAnswer = z.infer<typeof RangeAnswer>

export const InstantAnswer = z.object({
  resultType: z.string(),
  series: z.array(z.object({ metric: z.record(z.string(), z.string()), t: z.number(), value: z.number().nullable() })),
  /** For scalar and string results. */
  scalar: z.string().nullable(),
  warnings: z.array(z.string()),
  infos: z.array(z.string())
})
export type InstantAnswer = z.infer<typeof InstantAnswer>
