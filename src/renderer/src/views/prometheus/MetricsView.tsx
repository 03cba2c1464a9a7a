import { useEffect, useState } from 'react'
import type { ExploredPage } from '../../../../shared/prometheus'
import { formatValue } from '../../lib/format'
import { listSeries, unwatchSeries, watchSeries } from '../../app/explorer'
import { SeriesChart } from '../../components/SeriesChart'
import { useSeries } from '../../stores/series'
import { useTargets } from '../../stores/targets'

/** Refresh the list as scrapes come in, without flooding the core. */
const LIST_REFRESH_MS = 2000

export function MetricsView() {
  const metricsTargets = useTargets((s) => s.order.filter((id) => s.byId[id]!.kind === 'metrics').join('\n'))
  const targetIds = metricsTargets.split('\n').filter(Boolean)
  const [target, setTarget] = useState<string | null>(null)
  const [search, setSearch] = useState('')
  const [rows, setRows] = useState<ExploredPage | null>(null)
  const [error, setError] = useState<string | null>(null)
  const chosen = target && targetIds.includes(target) ? target : (targetIds[0] ?? null)
  const state = useTargets((s) => (chosen ? s.byId[chosen] : undefined))
  const watched = useSeries((s) =>
    Object.keys(s.byId)
      .filter((id) => chosen !== null && id.startsWith(`${chosen}|`))
      .join('\n')
  )

  useEffect(() => {
    if (!chosen) return
    let live = true
    const load = () =>
      listSeries(chosen, search).then(
        (r) => live && (setRows(r), setError(null)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e))
      )
    const first = setTimeout(load, 150)
    const t = setInterval(load, LIST_REFRESH_MS)
    return () => {
      live = false
      clearTimeout(first)
      clearInterval(t)
    }
  }, [chosen, search])

  if (!chosen)
    return <section className="empty">This profile has no /metrics endpoint. Add one to the profile to explore its series.</section>
  return (
    <section className="metrics" aria-label="Metrics explorer">
      <div className="toolbar">
        <label>
          Endpoint{' '}
          <select value={chosen} onChange={(e) => setTarget(e.target.value)} aria-label="Endpoint">
            {targetIds.map((id) => (
              <option key={id} value={id}>
                {useTargets.getState().byId[id]?.endpoint ?? id}
              </option>
            ))}
          </select>
        </label>
        <span className={`badge badge-${state?.health ?? 'pending'}`}>{state?.health ?? 'pending'}</span>
        <input
          type="search"
          placeholder="Filter series: name or label"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          aria-label="Filter series"
        />
        {rows && (
          <span className="muted" data-testid="series-count">
            {rows.total} series{rows.total > rows.series.length ? `, first ${rows.series.length} shown` : ''}
          </span>
        )}
      </div>
      {state?.lastError && <p className={state.health === 'down' ? 'error' : 'warning'}>{state.lastError}</p>}
      {error && <p className="error">{error}</p>}
      {rows && rows.warningCount > 0 && (
        <details className="format-warnings" data-testid="format-warnings">
          <summary className="warning">
            {rows.warningCount} format warning{rows.warningCount === 1 ? '' : 's'}: the page breaks the written format where Prometheus
            takes it anyway
          </summary>
          <ul>
            {rows.warnings.map((w, i) => (
              <li key={i}>
                <code>
                  line {w.line}, column {w.column}
                </code>
                : {w.message}
              </li>
            ))}
          </ul>
          {rows.warningCount > rows.warnings.length && (
            <p className="muted">
              First {rows.warnings.length} shown; <code>lookout metrics lint</code> prints them all.
            </p>
          )}
        </details>
      )}
      {watched && (
        <div className="watched">
          {watched.split('\n').map((id) => (
            <div key={id} className="watched-chart">
              <SeriesChart seriesId={id} height={110} />
              <button className="link" onClick={() => void unwatchSeries(id)} aria-label="Stop charting">
                Remove
              </button>
            </div>
          ))}
        </div>
      )}
      <table className="series-table">
        <thead>
          <tr>
            <th>Series</th>
            <th>Type</th>
            <th className="num">Value</th>
            <th className="num">Rate /s</th>
          </tr>
        </thead>
        <tbody>
          {rows?.series.map((s) => (
            <tr key={s.key} onClick={() => void watchSeries(chosen, s.key)} title="Click to chart it live">
              <td>
                <code>{s.key}</code>
              </td>
              <td>{s.quantile !== null ? `histogram p${s.quantile * 100}` : s.type}</td>
              <td className="num">{formatValue(s.value, s.quantile !== null ? 's' : '')}</td>
              <td className="num">{formatValue(s.rate, '')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
