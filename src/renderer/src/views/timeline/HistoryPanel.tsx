import { useState } from 'react'
import { retentionText, type HistoryInfo } from '../../../../shared/history'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'
import { formatBytes } from '../../lib/format'

const AGES = [
  { label: 'older than 7 days', ms: 7 * 86_400_000 },
  { label: 'older than 24 hours', ms: 86_400_000 },
  { label: 'all of it', ms: null }
] as const

/**
 * Where the history is, how big it is, its retention, and pruning it (every profile's: the core
 * wants "confirm"; a prod profile's own history is pruned from the command line with its name).
 */
export function HistoryPanel() {
  const { data, error, refresh } = usePoll(() => api.call('history.info', {}), 30_000, 'history-info')
  const [age, setAge] = useState(0)
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [outcome, setOutcome] = useState<string | null>(null)
  const info: HistoryInfo | null = data
  const prune = async () => {
    setBusy(true)
    try {
      const r = await api.call('history.prune', { profile: null, olderThanMs: AGES[age]!.ms, confirmation: typed })
      setOutcome(`deleted ${r.deleted} row(s); ${formatBytes(r.bytesBefore)} → ${formatBytes(r.bytesAfter)}`)
      setTyped('')
      refresh()
    } catch (e) {
      setOutcome(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <details className="panel history-panel" data-testid="history-panel">
      <summary>
        History store{info && !info.problem ? `: ${formatBytes(info.bytes)}` : ''}
        {info?.problem ? <span className="error-text"> · {info.problem}</span> : null}
      </summary>
      {error && <p className="error-text">{error}</p>}
      {info && !info.problem && (
        <>
          <p>
            <code>{info.path}</code> · {retentionText(info.retention)} · <code>lookout history info</code> prints the same
          </p>
          <ul>
            {info.profiles.map((p) => (
              <li key={p.profile}>
                {p.profile}: {p.series} series, {p.events} events, {p.statementRows} statement rows
              </li>
            ))}
          </ul>
          <div className="toolbar">
            <label>
              Prune every profile’s history{' '}
              <select aria-label="What to prune" value={age} onChange={(e) => setAge(Number(e.target.value))}>
                {AGES.map((a, i) => (
                  <option key={a.label} value={i}>
                    {a.label}
                  </option>
                ))}
              </select>
            </label>
            <input aria-label="Type confirm to prune" placeholder="type confirm" value={typed} onChange={(e) => setTyped(e.target.value)} />
            <button type="button" className="danger" disabled={busy || typed !== 'confirm'} onClick={() => void prune()}>
              Prune
            </button>
            {outcome && <span className="muted">{outcome}</span>}
          </div>
        </>
      )}
    </details>
  )
}
