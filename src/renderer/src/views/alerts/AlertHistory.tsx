import { useEffect, useState } from 'react'
import type { AlertHistoryEntry } from '../../../../shared/alert-rules'
import { api } from '../../api'
import { formatValue } from '../../lib/format'

/** Alert transitions, newest first, from the journal (they survive restarts). */
export function AlertHistory({ profile }: { profile: string | undefined }) {
  const [entries, setEntries] = useState<AlertHistoryEntry[] | null>(null)
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
  )
}
