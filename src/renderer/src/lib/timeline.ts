import type { TimelineKind } from '../../../shared/history'

/** The timeline's lanes, top to bottom. */
export const TIMELINE_LANES: { kind: TimelineKind; label: string }[] = [
  { kind: 'alert', label: 'Alerts' },
  { kind: 'finding', label: 'Findings' },
  { kind: 'action', label: 'Actions' },
  { kind: 'statement', label: 'Queries' },
  { kind: 'target', label: 'Targets' }
]

export const laneOf = (k: TimelineKind): number =>
  Math.max(
    0,
    TIMELINE_LANES.findIndex((l) => l.kind === k)
  )

/** What the timeline shows while the app is live. */
export const LIVE_TIMELINE_MS = 24 * 3_600_000

/** The range an event opens: five minutes either side of it. */
export const EVENT_CONTEXT_MS = 5 * 60_000

export function eventRange(t: number): [number, number] {
  return [t - EVENT_CONTEXT_MS, t + EVENT_CONTEXT_MS]
}
