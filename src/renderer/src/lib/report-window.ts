import type { CompareChoice } from '../stores/report'

/** A report's window when the charts are live: the last hour, what an incident note usually covers. */
export const LIVE_REPORT_MS = 3_600_000

const SHIFT: Record<Exclude<CompareChoice, 'previous'>, number> = { day: 86_400_000, week: 7 * 86_400_000 }

/** The window a report covers (the charts' range, or the last hour when live) and the one it is compared with. */
export function reportWindows(
  range: { live: boolean; from: number; to: number },
  compare: CompareChoice,
  sideBySide: boolean,
  now: number
): { range: { from: number; to: number }; compareTo: { from: number; to: number } | null } {
  const main = range.live ? { from: now - LIVE_REPORT_MS, to: now } : { from: range.from, to: range.to }
  if (!sideBySide) return { range: main, compareTo: null }
  const shift = compare === 'previous' ? main.to - main.from : SHIFT[compare]
  return { range: main, compareTo: { from: main.from - shift, to: main.to - shift } }
}
