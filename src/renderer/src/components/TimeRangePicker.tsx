import { useState } from 'react'
import { RANGE_PRESETS, useTimeRange } from '../stores/time-range'
import { clockLabel } from '../lib/format'

const pad = (n: number) => String(n).padStart(2, '0')
/** A time as a datetime-local input holds it (local time, to the minute). */
function toLocalInput(ms: number): string {
  const d = new Date(ms)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/**
 * The time range every chart follows: Live, a preset ending now, or from–to. A drag across any
 * chart sets it too ("Zoomed"); Live goes back to the newest points.
 */
export function TimeRangePicker() {
  const live = useTimeRange((s) => s.live)
  const from = useTimeRange((s) => s.from)
  const to = useTimeRange((s) => s.to)
  const label = useTimeRange((s) => s.label)
  const setLive = useTimeRange((s) => s.setLive)
  const preset = useTimeRange((s) => s.preset)
  const setRange = useTimeRange((s) => s.setRange)
  const [custom, setCustom] = useState<{ from: string; to: string } | null>(null)
  const span = to - from
  return (
    <div className="time-range" role="group" aria-label="Time range">
      <select
        aria-label="Range"
        value={live ? 'live' : custom ? 'custom' : (RANGE_PRESETS.find((p) => p.label === label)?.label ?? 'shown')}
        onChange={(e) => {
          const v = e.target.value
          if (v === 'live') {
            setCustom(null)
            setLive()
          } else if (v === 'custom')
            setCustom({ from: toLocalInput(live ? Date.now() - 3_600_000 : from), to: toLocalInput(live ? Date.now() : to) })
          else {
            const p = RANGE_PRESETS.find((x) => x.label === v)
            if (p) {
              setCustom(null)
              preset(p.ms, p.label)
            }
          }
        }}
      >
        <option value="live">Live</option>
        {RANGE_PRESETS.map((p) => (
          <option key={p.label} value={p.label}>
            {p.label}
          </option>
        ))}
        <option value="custom">From – to…</option>
        {!live && !RANGE_PRESETS.some((p) => p.label === label) && <option value="shown">{label}</option>}
      </select>
      {!live && (
        <span className="range-text" data-testid="range-text">
          {clockLabel(from, span)} – {clockLabel(to, span)}
        </span>
      )}
      {custom && (
        <form
          className="range-custom"
          onSubmit={(e) => {
            e.preventDefault()
            const f = new Date(custom.from).getTime()
            const t = new Date(custom.to).getTime()
            if (Number.isFinite(f) && Number.isFinite(t) && t > f) {
              setRange(f, t, 'From – to')
              setCustom(null)
            }
          }}
        >
          <input
            type="datetime-local"
            aria-label="From"
            value={custom.from}
            onChange={(e) => setCustom({ ...custom, from: e.target.value })}
          />
          <input type="datetime-local" aria-label="To" value={custom.to} onChange={(e) => setCustom({ ...custom, to: e.target.value })} />
          <button type="submit">Apply</button>
        </form>
      )}
      {!live && (
        <button onClick={setLive} title="Back to the newest points">
          Live
        </button>
      )}
    </div>
  )
}
