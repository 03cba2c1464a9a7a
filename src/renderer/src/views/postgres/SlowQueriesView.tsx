import { useState } from 'react'
import type { PgStatement, StatementSort, StatementWindow } from '../../../../shared/postgres'
import { formatValue } from '../../lib/format'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'
import { Sparkline } from '../../components/Sparkline'
import { useSession } from '../../stores/session'
import { useExplain } from '../../stores/explain'
import { useView } from '../../stores/view'
import { useTimeRange } from '../../stores/time-range'

const WINDOWS: { id: StatementWindow; label: string }[] = [
  { id: '5m', label: 'last 5 min' },
  { id: '1h', label: 'last hour' },
  { id: 'connect', label: 'since connect' }
]
const SORTS: { id: StatementSort; label: string }[] = [
  { id: 'total', label: 'total time' },
  { id: 'mean', label: 'mean time' },
  { id: 'calls', label: 'calls' },
  { id: 'io', label: 'I/O (blocks read + temp)' }
]

const ms = (v: number) => formatValue(v, 'ms')

/** pg_stat_statements over a window, as the core computes it: sort, filter, a sparkline per row. */
export function SlowQueriesView() {
  const profile = useSession((s) => s.active)!
  const [win, setWin] = useState<StatementWindow>('5m')
  const [sort, setSort] = useState<StatementSort>('total')
  const [search, setSearch] = useState('')
  const [user, setUser] = useState('')
  const [database, setDatabase] = useState('')
  const [open, setOpen] = useState<string | null>(null)
  // A query chosen in the command palette opens its details (over the last hour, where it was found).
  const focus = useView((s) => (s.focus?.kind === 'query' ? s.focus.key : null))
  const [focused, setFocused] = useState<string | null>(null)
  if (focus && focus !== focused) {
    setFocused(focus)
    setWin('1h')
    setOpen(focus)
  }
  // A range chosen for every view (the picker, a drag on a chart, the timeline): the statements of that range, from the history.
  const live = useTimeRange((s) => s.live)
  const from = useTimeRange((s) => s.from)
  const to = useTimeRange((s) => s.to)
  const { data, error } = usePoll(
    () =>
      api.call('postgres.statements', {
        profile,
        window: win,
        sort,
        search,
        user: user || null,
        database: database || null,
        limit: 100,
        ...(live ? {} : { range: { from, to } })
      }),
    live ? 5000 : 60_000,
    JSON.stringify([profile, win, sort, search, user, database, live, from, to])
  )
  const selected = data?.statements.find((s) => s.key === open) ?? null
  return (
    <section className="slow-queries" aria-label="Slow queries">
      <div className="toolbar">
        <label>
          Window{' '}
          <select aria-label="Window" value={win} disabled={!live} onChange={(e) => setWin(e.target.value as StatementWindow)}>
            {WINDOWS.map((w) => (
              <option key={w.id} value={w.id}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort by{' '}
          <select aria-label="Sort by" value={sort} onChange={(e) => setSort(e.target.value as StatementSort)}>
            {SORTS.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <input
          aria-label="Filter by text"
          placeholder="filter: text or query id"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select aria-label="User" value={user} onChange={(e) => setUser(e.target.value)}>
          <option value="">all users</option>
          {data?.users.map((u) => (
            <option key={u}>{u}</option>
          ))}
        </select>
        <select aria-label="Database" value={database} onChange={(e) => setDatabase(e.target.value)}>
          <option value="">all databases</option>
          {data?.databases.map((d) => (
            <option key={d}>{d}</option>
          ))}
        </select>
        {data && (
          <span className="muted">
            {data.total} statements over {Math.round(data.windowSeconds)} s, sampled every {data.sampleIntervalMs / 1000} s
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data && !data.available && (
        <p className="error" role="alert" data-testid="statements-unavailable">
          {data.unavailable ?? 'waiting for the first pg_stat_statements sample…'}
        </p>
      )}
      {!live && <p className="muted">The statements of the range chosen above, from the history (go Live for the windows).</p>}
      {live && data?.source === 'history' && (
        <p className="muted">This window reaches before Lookout started: answered from the history kept by the run before.</p>
      )}
      {data?.available && data.statements.length === 0 && <p className="muted">No statement ran in this window.</p>}
      {data && data.statements.length > 0 && (
        <table className="series-table statements" data-testid="statements">
          <thead>
            <tr>
              <th>Query</th>
              <th className="num">Calls</th>
              <th className="num">Calls/s</th>
              <th className="num">Total</th>
              <th className="num">Mean</th>
              <th className="num" title="Execution time's standard deviation over the window's calls">
                Stddev
              </th>
              <th className="num" title="The slowest call, when it happened in this window">
                Max
              </th>
              <th className="num">Rows</th>
              <th className="num">Blocks read</th>
              <th className="num">Temp blocks</th>
              <th>Total time per {data.sampleIntervalMs / 1000} s</th>
            </tr>
          </thead>
          <tbody>
            {data.statements.map((s) => (
              <tr key={s.key} className={open === s.key ? 'selected' : ''} onClick={() => setOpen(open === s.key ? null : s.key)}>
                <td className="query" title={s.query}>
                  <code>{s.query.replace(/\s+/g, ' ').slice(0, 140)}</code>
                  <span className="muted">
                    {' '}
                    {s.user}@{s.database}
                  </span>
                </td>
                <td className="num">{s.calls}</td>
                <td className="num">{s.callsPerSec.toFixed(1)}</td>
                <td className="num">{ms(s.totalMs)}</td>
                <td className="num">{ms(s.meanMs)}</td>
                <td className="num">{s.stddevMs === null ? '–' : ms(s.stddevMs)}</td>
                <td className="num" title={s.maxMs === null ? 'no new maximum in this window' : ''}>
                  {s.maxMs === null ? '–' : ms(s.maxMs)}
                </td>
                <td className="num">{s.rows}</td>
                <td className="num">{s.sharedRead}</td>
                <td className="num">{s.tempBlocks}</td>
                <td>
                  <Sparkline values={s.history} label={`history of query ${s.queryid}`} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selected && <StatementDetail s={selected} intervalS={(data?.sampleIntervalMs ?? 15000) / 1000} />}
    </section>
  )
}

function StatementDetail({ s, intervalS }: { s: PgStatement; intervalS: number }) {
  const [copied, setCopied] = useState(false)
  return (
    <section className="panel" aria-label="Query detail">
      <h3>
        Query {s.queryid}{' '}
        <span className="muted">
          ({s.user}@{s.database})
        </span>
      </h3>
      <pre className="sql">{s.query}</pre>
      <p>
        {s.calls} calls, {ms(s.totalMs)} in total, {ms(s.meanMs)} each, {s.rows} rows; shared blocks {s.sharedHit} hit / {s.sharedRead}{' '}
        read, {s.tempBlocks} temp blocks.
      </p>
      <Sparkline values={s.history} width={600} height={80} label={`total time per ${intervalS} s of query ${s.queryid}`} />
      <p>
        <button
          onClick={() =>
            void navigator.clipboard.writeText(s.query).then(
              () => setCopied(true),
              () => setCopied(false)
            )
          }
        >
          Copy query
        </button>{' '}
        <button
          onClick={() => {
            useExplain.getState().setSql(s.query)
            useExplain.getState().setResult(null)
            useView.getState().show('explain')
          }}
        >
          Explain
        </button>{' '}
        {copied && <span className="muted">copied</span>}
      </p>
    </section>
  )
}
