import { useState } from 'react'
import type { PgFinding, RelationCache } from '../../../../shared/postgres'
import { formatBytes } from '../../lib/format'
import { api } from '../../api'
import { runJob } from '../../api/jobs'
import { usePoll } from '../../app/usePoll'
import { useSession } from '../../stores/session'

const RISK = { critical: 0, warning: 1, info: 2 }
const CATEGORIES = new Set(['indexes', 'maintenance', 'replication'])

function FixSql({ sql }: { sql: string }) {
  const [copied, setCopied] = useState(false)
  return (
    <div className="fix">
      <pre className="sql">{sql}</pre>
      <button
        onClick={() =>
          void navigator.clipboard.writeText(sql).then(
            () => setCopied(true),
            () => setCopied(false)
          )
        }
      >
        Copy SQL
      </button>{' '}
      <span className="muted">{copied ? 'copied' : 'Lookout shows this fix; it never runs it.'}</span>
    </div>
  )
}

/** Index, maintenance and replication findings, ranked by size or risk, each with the SQL that would fix it. */
export function IndexesView() {
  const profile = useSession((s) => s.active)!
  const { data, error, refresh } = usePoll(() => api.call('postgres.details', { profile }), 5000, profile)
  const [running, setRunning] = useState(false)
  const runChecks = () => {
    setRunning(true)
    const id = crypto.randomUUID()
    runJob('postgres.runChecks', id, () => api.call('postgres.runChecks', { profile, jobId: id }))
      .then(refresh, () => refresh())
      .finally(() => setRunning(false))
  }
  const [rank, setRank] = useState<'size' | 'risk'>('size')
  const [cache, setCache] = useState<RelationCache[] | null>(null)
  const [cacheError, setCacheError] = useState<string | null>(null)
  const findings: PgFinding[] = (data?.findings ?? []).filter((f) => CATEGORIES.has(f.category))
  findings.sort((a, b) =>
    rank === 'size'
      ? (b.sizeBytes ?? -1) - (a.sizeBytes ?? -1) || RISK[a.severity] - RISK[b.severity]
      : RISK[a.severity] - RISK[b.severity] || (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0)
  )
  const failing = data?.checks.filter((c) => c.error) ?? []
  return (
    <section className="indexes" aria-label="Indexes and maintenance">
      <div className="toolbar">
        <label>
          Rank by{' '}
          <select aria-label="Rank by" value={rank} onChange={(e) => setRank(e.target.value as 'size' | 'risk')}>
            <option value="size">size</option>
            <option value="risk">risk</option>
          </select>
        </label>
        <button onClick={runChecks} disabled={running}>
          {running ? 'Checking…' : 'Run checks now'}
        </button>
        {data && (
          <span className="muted">
            PostgreSQL {data.serverVersion}
            {data.inRecovery ? ' (standby)' : ''}
            {data.databaseSizeBytes !== null ? `, database ${formatBytes(data.databaseSizeBytes)}` : ''}
            {data.databaseGrowthBytesPerHour !== null ? `, growing ${formatBytes(data.databaseGrowthBytesPerHour)}/h` : ''}
          </span>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data && findings.length === 0 && <p className="muted">No index, maintenance or replication finding.</p>}
      <ul className="findings pg-findings" data-testid="pg-findings">
        {findings.map((f) => (
          <li key={`${f.check}:${f.object}`} data-check={f.check}>
            <span className={`badge badge-${f.severity === 'critical' ? 'down' : f.severity === 'warning' ? 'degraded' : 'pending'}`}>
              {f.severity}
            </span>{' '}
            <strong>{f.check.replace(/_/g, ' ')}</strong>: {f.message}
            {f.sizeBytes !== null && <span className="muted"> ({formatBytes(f.sizeBytes)})</span>}
            {f.fixSql && <FixSql sql={f.fixSql} />}
          </li>
        ))}
      </ul>
      {failing.length > 0 && (
        <section className="panel" aria-label="Checks that could not run">
          <h3>Checks that could not run fully</h3>
          <ul>
            {failing.map((c) => (
              <li key={c.check}>
                <strong>{c.check}</strong>: {c.error}
                {c.enable && (
                  <>
                    {' '}
                    To enable: <code>{c.enable}</code>
                  </>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section className="panel" aria-label="Cache hit per relation">
        <h3>Cache hit per table and index (since the statistics were reset)</h3>
        <button
          onClick={() =>
            api.call('postgres.relationCache', { profile, limit: 30 }).then(
              (r) => (setCache(r), setCacheError(null)),
              (e: unknown) => setCacheError(e instanceof Error ? e.message : String(e))
            )
          }
        >
          {cache ? 'Refresh' : 'Load'}
        </button>
        {cacheError && <p className="error">{cacheError}</p>}
        {cache && (
          <table className="series-table">
            <thead>
              <tr>
                <th>Relation</th>
                <th>Kind</th>
                <th className="num">Hit</th>
                <th className="num">Read</th>
                <th className="num">Hit ratio</th>
                <th className="num">Size</th>
              </tr>
            </thead>
            <tbody>
              {cache.map((r) => (
                <tr key={`${r.kind}:${r.relation}`}>
                  <td>{r.relation}</td>
                  <td>{r.kind}</td>
                  <td className="num">{r.hit}</td>
                  <td className="num">{r.read}</td>
                  <td className="num">{r.ratio === null ? 'no reads' : `${(r.ratio * 100).toFixed(2)}%`}</td>
                  <td className="num">{formatBytes(r.sizeBytes)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {data && data.settings.length > 0 && (
        <section className="panel" aria-label="Settings">
          <h3>Settings that matter for performance</h3>
          <table className="series-table">
            <tbody>
              {data.settings.map((s) => (
                <tr key={s.name}>
                  <td>
                    <code>{s.name}</code>
                  </td>
                  <td>{s.setting}</td>
                  <td className="muted">{s.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </section>
  )
}
