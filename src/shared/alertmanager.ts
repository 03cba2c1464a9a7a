import { z } from 'zod'

/** Alertmanager: alerts and silences as the Alerts view shows them. */

export const SilenceMatcher = z.object({
  name: z.string().min(1).max(200),
  value: z.string().max(1000),
  isRegex: z.boolean().default(false),
  isEqual: z.boolean().default(true)
})

export const SilenceView = z.object({
  id: z.string(),
  state: z.enum(['active', 'pending', 'expired']),
  matchers: z.array(SilenceMatcher),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string()
})
export type SilenceView = z.infer<typeof SilenceView>

export const AmAlertView = z.object({
  fingerprint: z.string(),
  labels: z.record(z.string(), z.string()),
  summary: z.string(),
  state: z.string(),
  silencedBy: z.array(z.string()),
  startsAt: z.string()
})
export type AmAlertView = z.infer<typeof AmAlertView>
