import { useEffect, useState } from 'react'
import type { AlertHistoryEntry } from '../../../../shared/alert-rules'
import { api } from '../../api'
import { useNow } from '../../app/useNow'
import { historyTimeline } from '../../lib/alert-view'
import { clockLabel, formatValue } from '../../lib/format'

const TIMELINE_MS = 3600_000

/** Alert transitions, newest first, from the journal (they survive restarts). */
export function AlertHistory({ profile }: { profile: string | undefined }) {
  const [entries, setEntries] = useState<AlertHistoryEntry[] | null>(null)
  const now = useNow(5000)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    const load = () =>
      api.call('alerts.history', { ...(profile ? { profile } : {}), limit: 500 }).then(
        (h) => (setEntries(h), setError(null)),
        (e: unknown) => setError(e instanceof Error ? e.message : String(e))
      )
    void load()
    const t = setInterval(() => void load(), 5000)
    return () => clearInterval(t)
  }, [profile])
  if (error)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    )
  if (!entries) return null
  if (!entries.length) return <p className="empty">No alert has changed state{profile ? ` on ${profile}` : ''} yet.</p>
  return (
    <>
      <Timeline entries={entries} now={now} />
      <table className="series-table" aria-label="Alert history">
        <thead>
          <tr>
            <th>When</th>
            <th>Rule</th>
            <th>Where</th>
            <th>Change</th>
            <th>Value</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={i} className={e.to === 'firing' ? `sev-${e.severity}` : ''}>
              <td title={new Date(e.t).toISOString()}>{new Date(e.t).toLocaleString()}</td>
              <td>{e.rule}</td>
              <td>
                {e.profile}/{e.target}
                {e.labels.object ? ` · ${e.labels.object}` : ''}
              </td>
              <td>
                {e.from} → <strong>{e.to}</strong>
              </td>
              <td>{formatValue(e.value, '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  )
}

/** The last hour's alerts as spans on one time axis: pending amber, firing red, no data grey. */
function Timeline({ entries, now }: { entries: AlertHistoryEntry[]; now: number }) {
  const from = now - TIMELINE_MS
  const rows = historyTimeline(entries, from, now)
  if (!rows.length) return null
  const x = (t: number) => ((t - from) / TIMELINE_MS) * 100
  return (
    <figure className="alert-timeline" aria-label="Alert timeline">
      <figcaption>The last hour</figcaption>
      {rows.map((r) => (
        <div key={r.key} className="timeline-row">
          <span className="timeline-label" title={r.label}>
            {r.label}
          </span>
          <svg viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={r.label}>
            {r.spans.map((s, i) => (
              <rect key={i} className={`span-${s.state}`} x={x(s.from)} width={Math.max(0.3, x(s.to) - x(s.from))} y={1} height={8}>
                <title>
                  {s.state} {clockLabel(s.from)}–{clockLabel(s.to)}
                </title>
              </rect>
            ))}
          </svg>
        </div>
      ))}
    </figure>
  )
}
