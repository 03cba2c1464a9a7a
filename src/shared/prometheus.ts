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
