import { z } from 'zod'
import { ProfileName } from './schemas'
import { TimeRange } from './history'

/** What `reports.create` is asked: a profile, its window, and optionally a window to compare it with. */
export const ReportRequest = z.object({
  profile: ProfileName,
  range: TimeRange,
  /** The "before" window of a comparison report (a deploy's or a fix's other side); null: the previous window of the same length, for the summary only. */
  compareTo: TimeRange.nullable().default(null),
  /** Replace literals in query texts, key names and label values with stand-ins. */
  anonymise: z.boolean().default(false),
  /**
   * When neither the history nor the profile's Prometheus server covers the window: watch the
   * profile this long first (ms), then report on what was polled (`lookout report --duration`).
   */
  pollForMs: z
    .number()
    .int()
    .min(1000)
    .max(6 * 3_600_000)
    .nullable()
    .default(null),
  jobId: z.string().min(1).max(100).optional()
})
export type ReportRequest = z.infer<typeof ReportRequest>

/** A report as a job ends with it: the self-contained HTML file and what went into it. */
export const ReportResult = z.object({
  fileName: z.string(),
  html: z.string(),
  bytes: z.number().int(),
  /** The sections the report has (those whose data exists). */
  sections: z.array(z.string()),
  /** Shown in the report too: targets that could not be reached, sources that were missing. */
  warnings: z.array(z.string()),
  /** True when a target could not be reached: the report is partial (`lookout report` exits non-zero). */
  partial: z.boolean(),
  /** Where the figures came from: the history store, the profile's Prometheus server, a watch of `pollForMs`. */
  sources: z.array(z.enum(['history', 'prometheus', 'polled'])),
  generatedMs: z.number()
})
export type ReportResult = z.infer<typeof ReportResult>

/** A report job's progress: the step under way, of how many. */
export const ReportProgress = z.object({
  jobId: z.string(),
  step: z.string(),
  done: z.number().int(),
  total: z.number().int()
})
export type ReportProgress = z.infer<typeof ReportProgress>
