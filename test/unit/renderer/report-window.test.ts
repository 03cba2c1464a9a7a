import { describe, expect, it } from 'vitest'
import { LIVE_REPORT_MS, reportWindows } from '../../../src/renderer/src/lib/report-window'

const now = Date.UTC(2026, 11, 2, 12, 0)
const hour = 3_600_000

describe('the window an exported report covers', () => {
  it('is the charts’ range, or the last hour when they are live; compared only when asked', () => {
    expect(reportWindows({ live: true, from: 0, to: 0 }, 'previous', false, now)).toEqual({
      range: { from: now - LIVE_REPORT_MS, to: now },
      compareTo: null
    })
    expect(reportWindows({ live: false, from: now - 2 * hour, to: now - hour }, 'day', false, now)).toEqual({
      range: { from: now - 2 * hour, to: now - hour },
      compareTo: null
    })
  })

  it('side by side: the window just before, or the same window a day or a week earlier', () => {
    const r = { live: false, from: now - 2 * hour, to: now - hour }
    expect(reportWindows(r, 'previous', true, now).compareTo).toEqual({ from: now - 3 * hour, to: now - 2 * hour })
    expect(reportWindows(r, 'day', true, now).compareTo).toEqual({ from: now - 2 * hour - 86_400_000, to: now - hour - 86_400_000 })
    expect(reportWindows(r, 'week', true, now).compareTo).toEqual({
      from: now - 2 * hour - 7 * 86_400_000,
      to: now - hour - 7 * 86_400_000
    })
  })
})
