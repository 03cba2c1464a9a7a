import { useRef, useState } from 'react'
import type { TimelineEvent, TimelineKind } from '../../../../shared/history'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'
import { clockLabel } from '../../lib/format'
import { laneOf, TIMELINE_LANES, eventRange, LIVE_TIMELINE_MS, LIVE_MIN_AXIS_MS } from '../../lib/timeline'
import { useSession } from '../../stores/session'
import { useTimeRange } from '../../stores/time-range'
import { TimeRangePicker } from '../../components/TimeRangePicker'
import { HistoryPanel } from './HistoryPanel'

const STRIP_WIDTH = 1000
const LANE_HEIGHT = 22
const AXIS_HEIGHT = 18

/**
 * The incident timeline: alerts, findings, audited actions, statements whose time jumped and
 * targets going down and up, for every profile, on one time axis (the app's time range; live: the
 * last 24 hours). Linked both ways: clicking an event sets the range around it; dragging across
 * the strip sets the range, and the list below shows what happened in it.
 */
export function TimelineView() {
  const profiles = useSession((s) => s.profiles)
  // The picker sits in the profile's bar; with no profile open, it is here.
  const active = useSession((s) => s.active)
  const live = useTimeRange((s) => s.live)
  const rangeFrom = useTimeRange((s) => s.from)
  const rangeTo = useTimeRange((s) => s.to)
  const setRange = useTimeRange((s) => s.setRange)
  const [profile, setProfile] = useState('')
  const [kinds, setKinds] = useState<TimelineKind[]>([])
  const [severity, setSeverity] = useState('')
  const [search, setSearch] = useState('')
  const [drag, setDrag] = useState<{ a: number; b: number } | null>(null)
  const svg = useRef<SVGSVGElement>(null)
  const { data, error } = usePoll(
    async () => {
      const to = live ? Date.now() : rangeTo
      const from = live ? to - LIVE_TIMELINE_MS : rangeFrom
      const r = await api.call('history.timeline', {
        range: { from, to },
        profiles: profile ? [profile] : [],
        kinds,
        severities: severity ? [severity as 'critical' | 'warning' | 'info'] : [],
        search,
        limit: 2000
      })
      // Live, the axis starts a little before the oldest event of the day (a day-wide axis would
      // squeeze this morning's incident into a sliver), and spans at least 15 minutes.
      const oldest = r.events[0]?.t ?? to
      const axisFrom = live ? Math.max(from, Math.min(to - LIVE_MIN_AXIS_MS, oldest - (to - oldest) * 0.05)) : from
      return { ...r, from: axisFrom, to }
    },
    live ? 5000 : 60_000,
    JSON.stringify([live, rangeFrom, rangeTo, profile, kinds, severity, search])
  )
  const from = data?.from ?? 0
  const to = data?.to ?? 1
  const x = (t: number) => ((t - from) / (to - from)) * STRIP_WIDTH
  const timeAt = (clientX: number) => {
    const box = svg.current!.getBoundingClientRect()
    return from + ((clientX - box.left) / box.width) * (to - from)
  }
  const events = data?.events ?? []
  const toggleKind = (k: TimelineKind) => setKinds((ks) => (ks.includes(k) ? ks.filter((x) => x !== k) : [...ks, k]))
  const height = AXIS_HEIGHT + TIMELINE_LANES.length * LANE_HEIGHT
  const ticks = Array.from({ length: 7 }, (_, i) => from + ((to - from) * i) / 6)
  return (
    <section className="timeline" aria-label="Incident timeline">
      <div className="toolbar">
        {!active && <TimeRangePicker />}
        <label>
          Profile{' '}
          <select aria-label="Timeline profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option value="">all</option>
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        {TIMELINE_LANES.map((l) => (
          <label key={l.kind} className="check">
            <input type="checkbox" checked={kinds.length === 0 || kinds.includes(l.kind)} onChange={() => toggleKind(l.kind)} /> {l.label}
          </label>
        ))}
        <label>
          Severity{' '}
          <select aria-label="Timeline severity" value={severity} onChange={(e) => setSeverity(e.target.value)}>
            <option value="">all</option>
            <option value="critical">critical</option>
            <option value="warning">warning</option>
            <option value="info">info</option>
          </select>
        </label>
        <input
          type="search"
          placeholder="Filter text"
          aria-label="Timeline filter"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <span className="muted">
          {live ? `last 24 h (axis from ${clockLabel(from, to - from)})` : `${clockLabel(from, to - from)} – ${clockLabel(to, to - from)}`}{' '}
          · {events.length} event(s){data?.truncated ? ', the newest (older ones left out: narrow the range or filter)' : ''}
        </span>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <svg
        ref={svg}
        className="timeline-strip"
        viewBox={`0 0 ${STRIP_WIDTH} ${height}`}
        preserveAspectRatio="none"
        role="img"
        aria-label="Events on a time axis; drag to set the range"
        onMouseDown={(e) => setDrag({ a: timeAt(e.clientX), b: timeAt(e.clientX) })}
        onMouseMove={(e) => drag && setDrag({ ...drag, b: timeAt(e.clientX) })}
        onMouseUp={() => {
          if (drag && Math.abs(x(drag.b) - x(drag.a)) > 3) setRange(Math.min(drag.a, drag.b), Math.max(drag.a, drag.b), 'From the timeline')
          setDrag(null)
        }}
        onMouseLeave={() => setDrag(null)}
      >
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={AXIS_HEIGHT} y2={height} className="timeline-grid" />
            <text x={Math.min(STRIP_WIDTH - 40, Math.max(0, x(t) - 20))} y={12} className="timeline-tick">
              {clockLabel(t, to - from)}
            </text>
          </g>
        ))}
        {TIMELINE_LANES.map((l, i) => (
          <text key={l.kind} x={2} y={AXIS_HEIGHT + i * LANE_HEIGHT + 15} className="timeline-lane">
            {l.label}
          </text>
        ))}
        {events.map((e) => (
          <rect
            key={e.id}
            x={x(e.t) - 2}
            y={AXIS_HEIGHT + laneOf(e.kind) * LANE_HEIGHT + 4}
            width={4}
            height={LANE_HEIGHT - 8}
            className={`timeline-event sev-${e.severity ?? 'none'} change-${e.change}`}
            onMouseDown={(ev) => ev.stopPropagation()}
            onClick={() => setRange(...eventRange(e.t), 'Around an event')}
          >
            <title>
              {new Date(e.t).toLocaleString()} · {e.profile} · {e.title}
            </title>
          </rect>
        ))}
        {drag && (
          <rect
            x={Math.min(x(drag.a), x(drag.b))}
            y={AXIS_HEIGHT}
            width={Math.abs(x(drag.b) - x(drag.a))}
            height={height - AXIS_HEIGHT}
            className="timeline-select"
          />
        )}
      </svg>
      <table className="timeline-list" data-testid="timeline-list">
        <thead>
          <tr>
            <th>Time</th>
            <th>Profile</th>
            <th>What</th>
            <th>Change</th>
            <th>Event</th>
            <th>Detail</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e: TimelineEvent) => (
            <tr key={e.id} className={`sev-${e.severity ?? 'none'}`} data-kind={e.kind} data-change={e.change}>
              <td>
                <button className="link" title="Show the range around it" onClick={() => setRange(...eventRange(e.t), 'Around an event')}>
                  {new Date(e.t).toLocaleTimeString()}
                </button>
              </td>
              <td>{e.profile}</td>
              <td>{e.kind}</td>
              <td>{e.change}</td>
              <td>{e.title}</td>
              <td className="muted detail" title={e.detail ?? ''}>
                {e.detail}
              </td>
            </tr>
          ))}
          {events.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                Nothing happened in this range (or nothing matches the filters).
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <HistoryPanel />
    </section>
  )
}
