import { useEffect, useState } from 'react'
import type { InstantAnswer, RangeAnswer, SavedQuery } from '../../../../shared/prometheus'
import { api } from '../../api'
import { formatValue } from '../../lib/format'
import { checkPromql, seriesLabel } from '../../app/promql'
import { MAX_DRAWN_SERIES, RangeChart } from '../../components/RangeChart'
import { useSession } from '../../stores/session'

const RANGES = [
  { label: '5m', s: 300 },
  { label: '15m', s: 900 },
  { label: '1h', s: 3600 },
  { label: '6h', s: 6 * 3600 },
  { label: '24h', s: 86400 },
  { label: '7d', s: 7 * 86400 }
]

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

export function PromqlView() {
  const profile = useSession((s) => s.active)
  const hasServer = useSession((s) => Boolean(s.profiles.find((p) => p.name === s.active)?.prometheus))
  const [expr, setExpr] = useState('')
  const [range, setRange] = useState(900)
  const [mode, setMode] = useState<'range' | 'instant'>('range')
  const [answer, setAnswer] = useState<RangeAnswer | null>(null)
  const [instant, setInstant] = useState<InstantAnswer | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [saved, setSaved] = useState<SavedQuery[]>([])
  const [saveName, setSaveName] = useState('')
  const problem = expr ? checkPromql(expr) : null

  useEffect(() => {
    if (!profile || !hasServer) return
    api.call('prom.savedQueries', { profile }).then(setSaved, (e: unknown) => setError(message(e)))
  }, [profile, hasServer])

  if (!profile) return null
  if (!hasServer)
    return <section className="empty">This profile names no Prometheus server. Add its URL to the profile to query it.</section>

  async function run() {
    if (!profile || problem || !expr.trim()) return
    setBusy(true)
    setError(null)
    try {
      const endS = Math.floor(Date.now() / 1000)
      if (mode === 'range') {
        const width = Math.max(300, Math.round(document.querySelector('.promql')?.clientWidth ?? 1000))
        setAnswer(await api.call('prom.queryRange', { profile, expr, startS: endS - range, endS, widthPx: width }))
        setInstant(null)
      } else {
        setInstant(await api.call('prom.query', { profile, expr }))
        setAnswer(null)
      }
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }

  async function save() {
    const name = saveName.trim()
    if (!profile || !expr.trim() || !name) return
    api.call('prom.saveQuery', { profile, query: { name, expr } }).then(setSaved, (e: unknown) => setError(message(e)))
  }

  const notes = [...(answer?.warnings ?? instant?.warnings ?? []), ...(answer?.infos ?? instant?.infos ?? [])]
  return (
    <section className="promql" aria-label="PromQL">
      <div className="editor">
        <textarea
          aria-label="PromQL expression"
          spellCheck={false}
          rows={3}
          value={expr}
          placeholder="sum by (route) (rate(http_requests_total[1m]))   (Ctrl+Enter runs)"
          onChange={(e) => setExpr(e.target.value)}
          onKeyDown={(e) => {
            if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
              e.preventDefault()
              void run()
            }
          }}
          className={problem ? 'invalid' : ''}
        />
        <p className={problem ? 'error' : 'muted'} data-testid="promql-syntax">
          {problem ? problem.message : expr ? 'syntax ok' : 'type a PromQL expression'}
        </p>
      </div>
      <div className="toolbar">
        <select aria-label="Mode" value={mode} onChange={(e) => setMode(e.target.value as 'range' | 'instant')}>
          <option value="range">Range</option>
          <option value="instant">Instant</option>
        </select>
        {mode === 'range' &&
          RANGES.map((r) => (
            <button key={r.label} className={range === r.s ? 'tab active' : 'tab'} onClick={() => setRange(r.s)}>
              {r.label}
            </button>
          ))}
        <button onClick={() => void run()} disabled={busy || Boolean(problem) || !expr.trim()}>
          {busy ? 'Running…' : 'Run'}
        </button>
        <input aria-label="Query name" placeholder="name to save as" value={saveName} onChange={(e) => setSaveName(e.target.value)} />
        <button onClick={() => void save()} disabled={!expr.trim() || !saveName.trim()}>
          Save
        </button>
        {answer && (
          <span className="muted">
            {answer.series.length} series, step {answer.stepS}s
            {answer.series.length > MAX_DRAWN_SERIES ? `, first ${MAX_DRAWN_SERIES} drawn` : ''}
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notes.map((n) => (
        <p key={n} className="warning">
          {n}
        </p>
      ))}
      {answer && <RangeChart answer={answer} />}
      {instant && (
        <table className="series-table">
          <tbody>
            {instant.scalar !== null ? (
              <tr>
                <td>{instant.resultType}</td>
                <td className="num">{instant.scalar}</td>
              </tr>
            ) : (
              instant.series.map((s) => (
                <tr key={seriesLabel(s.metric)}>
                  <td>
                    <code>{seriesLabel(s.metric)}</code>
                  </td>
                  <td className="num">{formatValue(s.value, '')}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      )}
      {saved.length > 0 && (
        <div className="saved">
          <h3>Saved queries</h3>
          <ul>
            {saved.map((q) => (
              <li key={q.name}>
                <button className="link" onClick={() => setExpr(q.expr)} title={q.expr}>
                  {q.name}
                </button>{' '}
                <button
                  className="link"
                  aria-label={`Delete ${q.name}`}
                  onClick={() =>
                    profile && api.call('prom.deleteQuery', { profile, name: q.name }).then(setSaved, (e: unknown) => setError(message(e)))
                  }
                >
                  ×
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  )
}
