import { useState } from 'react'
import type { Result } from '../../../../shared/api'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'
import { auditJsonLines, downloadText } from '../../lib/audit'
import { useSession } from '../../stores/session'

type Outcome = '' | 'ok' | 'refused' | 'failed'
const LIMIT = 1000

/**
 * Every audited action on every profile, newest first. The core filters (so a rare action is
 * found past the newest thousand); the export is what the filters show, as JSON lines.
 */
export function AuditView() {
  const profiles = useSession((s) => s.profiles)
  const [profile, setProfile] = useState('')
  const [action, setAction] = useState('')
  const [outcome, setOutcome] = useState<Outcome>('')
  const [actions, setActions] = useState<string[]>([])
  const { data, error, refresh } = usePoll(
    async () => {
      const entries = await api.call('audit.recent', {
        limit: LIMIT,
        profile: profile || undefined,
        action: action || undefined,
        outcome: outcome || undefined
      })
      // The action list grows with what has been seen, so a filter never hides its own choices.
      setActions((known) => [...new Set([...known, ...entries.map((e) => e.action)])].sort())
      return entries
    },
    5000,
    JSON.stringify([profile, action, outcome])
  )
  const entries: Result<'audit.recent'> = data ?? []
  return (
    <section className="audit" aria-label="Audit log">
      <div className="toolbar">
        <label>
          Profile{' '}
          <select aria-label="Audit profile" value={profile} onChange={(e) => setProfile(e.target.value)}>
            <option value="">all</option>
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Action{' '}
          <select aria-label="Audit action" value={action} onChange={(e) => setAction(e.target.value)}>
            <option value="">all</option>
            {actions.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
        <label>
          Outcome{' '}
          <select aria-label="Audit outcome" value={outcome} onChange={(e) => setOutcome(e.target.value as Outcome)}>
            <option value="">all</option>
            <option value="ok">ok</option>
            <option value="refused">refused</option>
            <option value="failed">failed</option>
          </select>
        </label>
        <button onClick={refresh}>Refresh</button>
        <button
          disabled={entries.length === 0}
          onClick={() => downloadText('lookout-audit.jsonl', auditJsonLines(entries), 'application/x-ndjson')}
        >
          Export JSON lines
        </button>
        <span className="muted">
          {entries.length}
          {entries.length === LIMIT ? '+' : ''} entries
        </span>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <table className="audit-log" aria-label="Audit entries">
        <thead>
          <tr>
            <th>Time</th>
            <th>Profile</th>
            <th>Action</th>
            <th>Target</th>
            <th>Outcome</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e, i) => (
            <tr key={`${e.time}-${i}`} className={`outcome-${e.outcome}`} data-outcome={e.outcome}>
              <td>{new Date(e.time).toLocaleString()}</td>
              <td>
                {e.profile} <span className={`env env-${e.environment}`}>{e.environment}</span>
              </td>
              <td>{e.action}</td>
              <td>
                <code>{e.target}</code>
              </td>
              <td title={e.error}>
                {e.outcome}
                {e.error ? `: ${e.error}` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
