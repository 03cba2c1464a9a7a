import { describe, expect, it } from 'vitest'
import type { TimelineEvent } from '../../../src/shared/history'
import { activeInRange, eventRange, EVENT_CONTEXT_MS } from '../../../src/renderer/src/lib/timeline'

let id = 0
const ev = (
  t: number,
  kind: TimelineEvent['kind'],
  change: string,
  title: string,
  severity: TimelineEvent['severity'] = 'warning'
): TimelineEvent => ({
  id: ++id,
  t,
  profile: 'p',
  targetId: 'postgres',
  kind,
  change,
  severity,
  title,
  detail: null
})

describe('what was active in a range, from the timeline', () => {
  const events = [
    ev(100, 'finding', 'appeared', 'blocked_session: pid 1'),
    ev(150, 'finding', 'cleared', 'blocked_session: pid 1'),
    ev(200, 'alert', 'pending', 'PgBlocked'),
    ev(260, 'alert', 'firing', 'PgBlocked', 'critical'),
    ev(300, 'action', 'invalidate keys', 'invalidate keys a:*', 'info'),
    ev(320, 'finding', 'appeared', 'unused_index: i'),
    ev(400, 'alert', 'resolved', 'PgBlocked', 'critical'),
    ev(900, 'finding', 'appeared', 'late: x')
  ]

  it('keeps what overlaps the range, from its start to its end, and what still holds', () => {
    const spans = activeInRange(events, 250, 500)
    expect(spans.map((s) => [s.title, s.since, s.until, s.severity])).toEqual([
      ['PgBlocked', 200, 400, 'critical'],
      ['unused_index: i', 320, null, 'warning']
    ])
  })

  it('leaves out what ended before the range and what began after it; actions are not spans', () => {
    expect(activeInRange(events, 160, 190)).toEqual([])
    expect(activeInRange(events, 120, 130).map((s) => s.title)).toEqual(['blocked_session: pid 1'])
    expect(activeInRange(events, 0, 1000).some((s) => s.title.startsWith('invalidate'))).toBe(false)
  })

  it('an event opens five minutes either side of it', () => {
    expect(eventRange(1_000_000)).toEqual([1_000_000 - EVENT_CONTEXT_MS, 1_000_000 + EVENT_CONTEXT_MS])
  })
})
