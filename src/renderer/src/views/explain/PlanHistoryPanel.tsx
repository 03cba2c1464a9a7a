import { useEffect, useState } from 'react'
import type { PlanComparison, PlanHistoryEntry } from '../../../../shared/explain'
import { api } from '../../api'

const ms = (v: number | null) => (v === null ? '–' : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`)
const pair = (p: [number | null, number | null], f: (v: number | null) => string) => `${f(p[0])} → ${f(p[1])}`
const n = (v: number | null) => (v === null ? '–' : String(Math.round(v)))

/** Earlier plans of the same query while Lookout runs, and a node-by-node comparison with one. */
export function PlanHistoryPanel({ profile, historyId }: { profile: string; historyId: string }) {
  const [entries, setEntries] = useState<PlanHistoryEntry[]>([])
  const [comparison, setComparison] = useState<PlanComparison | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    api.call('explain.history', { profile, historyId }).then(
      (r) => live && setEntries(r),
      (e: unknown) => live && setError(e instanceof Error ? e.message : String(e))
    )
    return () => {
      live = false
    }
  }, [profile, historyId])
  const earlier = entries.filter((e) => e.id !== historyId)
  if (earlier.length === 0 && !error) return null
  return (
    <section className="panel" aria-label="Plan history" data-testid="plan-history">
      <h3>Earlier plans of this query</h3>
      {error && <p className="error">{error}</p>}
      <ul>
        {earlier.map((e) => (
          <li key={e.id}>
            {new Date(e.at).toLocaleTimeString()}: {e.nodes} nodes, cost {n(e.totalCost)},{' '}
            {e.analyzed ? `execution ${ms(e.executionMs)}` : 'not executed'}{' '}
            <button
              onClick={() =>
                api
                  .call('explain.compare', { before: e.id, after: historyId })
                  .then(setComparison, (err: unknown) => setError(err instanceof Error ? err.message : String(err)))
              }
            >
              Compare with this plan
            </button>
          </li>
        ))}
      </ul>
      {comparison && (
        <>
          <p>
            Execution {pair(comparison.executionMs, ms)}, estimated cost {pair(comparison.totalCost, n)}
          </p>
          <table className="series-table" data-testid="plan-comparison">
            <thead>
              <tr>
                <th>Node</th>
                <th>Change</th>
                <th className="num">Own time</th>
                <th className="num">Rows</th>
                <th className="num">Cost</th>
              </tr>
            </thead>
            <tbody>
              {comparison.nodes.map((r, i) => (
                <tr key={i} data-change={r.change}>
                  <td style={{ paddingLeft: `${0.5 + r.depth}em` }}>{r.label}</td>
                  <td>{r.change}</td>
                  <td className="num">{pair(r.exclusiveMs, ms)}</td>
                  <td className="num">{pair(r.rows, n)}</td>
                  <td className="num">{pair(r.cost, n)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  )
}
