import type { TimelineEvent, TimelineKind } from '../../../shared/history'

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

/** Live, the axis spans at least this much. */
export const LIVE_MIN_AXIS_MS = 15 * 60_000

/** The range an event opens: five minutes either side of it. */
export const EVENT_CONTEXT_MS = 5 * 60_000

export function eventRange(t: number): [number, number] {
  return [t - EVENT_CONTEXT_MS, t + EVENT_CONTEXT_MS]
}

/** How far back the views look for a finding or alert that was already active when a range starts. */
export const ACTIVE_LOOKBACK_MS = 7 * 24 * 3_600_000

export interface ActiveSpan {
  kind: 'alert' | 'finding'
  profile: string
  title: string
  severity: TimelineEvent['severity']
  detail: string | null
  /** When it started (appeared, pending or fired) and ended (cleared, resolved), null while it still holds. */
  since: number
  until: number | null
}

const STARTS = new Set(['appeared', 'firing', 'pending', 'nodata'])
const ENDS = new Set(['cleared', 'resolved'])

/**
 * The findings and alerts that were active at some moment of [from, to], from the timeline's
 * events (oldest first): each one's span from its start to its end, kept when it overlaps.
 */
export function activeInRange(events: readonly TimelineEvent[], from: number, to: number): ActiveSpan[] {
  const open = new Map<string, ActiveSpan>()
  const out: ActiveSpan[] = []
  for (const e of events) {
    if (e.kind !== 'alert' && e.kind !== 'finding') continue
    if (e.t > to) break
    const key = `${e.profile}\u0000${e.kind}\u0000${e.title}`
    const cur = open.get(key)
    if (STARTS.has(e.change)) {
      if (cur) {
        // Still open: a change of phase (pending to firing) or severity; the span goes on.
        cur.severity = e.severity ?? cur.severity
        if (e.change === 'firing') cur.detail = e.detail ?? cur.detail
      } else
        open.set(key, { kind: e.kind, profile: e.profile, title: e.title, severity: e.severity, detail: e.detail, since: e.t, until: null })
    } else if (ENDS.has(e.change) && cur) {
      cur.until = e.t
      open.delete(key)
      if (cur.until >= from) out.push(cur)
    }
  }
  for (const s of open.values()) out.push(s)
  return out.sort((a, b) => a.since - b.since)
}
