import { create } from 'zustand'

/** The picker's ranges ending now, as an SRE asks for them. */
export const RANGE_PRESETS = [
  { label: 'Last 15 min', ms: 15 * 60_000 },
  { label: 'Last 1 h', ms: 3_600_000 },
  { label: 'Last 6 h', ms: 6 * 3_600_000 },
  { label: 'Last 24 h', ms: 24 * 3_600_000 },
  { label: 'Last 7 d', ms: 7 * 24 * 3_600_000 }
] as const

/** A range narrower than this is a click, not a drag. */
export const MIN_RANGE_MS = 5_000

export interface TimeRangeState {
  /** Live: the charts follow the newest points; otherwise every chart of the view shows [from, to]. */
  live: boolean
  from: number
  to: number
  /** What the picker shows for the range. */
  label: string
  setLive(): void
  setRange(from: number, to: number, label?: string): void
  preset(ms: number, label: string): void
}

/**
 * The one time range every chart follows (Health, Cache, Metrics), set by the picker, by dragging
 * across any chart, or by the timeline. Live by default.
 */
export const useTimeRange = create<TimeRangeState>((set) => ({
  live: true,
  from: 0,
  to: 0,
  label: 'Live',
  setLive: () => set({ live: true, label: 'Live' }),
  setRange: (from, to, label) => {
    if (!(to - from >= MIN_RANGE_MS)) return
    set({ live: false, from: Math.round(from), to: Math.round(to), label: label ?? 'Custom' })
  },
  preset: (ms, label) => {
    const to = Date.now()
    set({ live: false, from: to - ms, to, label })
  }
}))
