import { useState } from 'react'
import type { KeyspaceAnalysis } from '../../../../shared/redis'
import { api } from '../../api'
import { runJob } from '../../api/jobs'
import { formatBytes } from '../../lib/format'
import { Treemap } from '../../components/Treemap'

const SAMPLE_KEYS = 20_000

/** Key-space analysis: a sample of the keys by prefix, TTLs, the biggest keys, and what to do. */
export function KeyspacePanel({ profile }: { profile: string }) {
  const [delimiter, setDelimiter] = useState(':')
  const [a, setA] = useState<KeyspaceAnalysis | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [job, setJob] = useState<{ id: string; sampled: number } | null>(null)
  async function analyse() {
    setBusy(true)
    setError(null)
    const id = crypto.randomUUID()
    setJob({ id, sampled: 0 })
    const off = api.on('keyspace.progress', (p) => p.jobId === id && setJob({ id, sampled: p.sampled }))
    try {
      setA(await runJob('cache.analyse', id, () => api.call('cache.analyse', { profile, delimiter, sampleKeys: SAMPLE_KEYS, jobId: id })))
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      off()
      setJob(null)
      setBusy(false)
    }
  }
  const scale = a && !a.complete && a.sampled > 0 ? a.dbsize / a.sampled : 1
  return (
    <section className="panel" aria-label="Key-space analysis">
      <h3>Key-space analysis</h3>
      <div className="toolbar">
        <label>
          Delimiter <input aria-label="Delimiter" value={delimiter} size={3} onChange={(e) => setDelimiter(e.target.value)} />
        </label>
        <button disabled={busy || !delimiter} onClick={() => void analyse()}>
          {busy ? 'Sampling…' : 'Analyse (samples up to 20,000 keys with SCAN)'}
        </button>
        {job && (
          <>
            <progress max={SAMPLE_KEYS} value={job.sampled} aria-label="Keys sampled" />{' '}
            <span className="muted" data-testid="keyspace-progress">
              {job.sampled} keys sampled
            </span>{' '}
            <button onClick={() => void api.call('job.cancel', { jobId: job.id })}>Cancel</button>
          </>
        )}
        {a && (
          <span className="muted" data-testid="keyspace-summary">
            {a.sampled} of {a.dbsize} keys {a.complete ? '(all of them)' : `sampled; figures scaled x${scale.toFixed(1)}`}
            {a.readFrom ? `, read from ${a.readFrom}` : ''}
          </span>
        )}
      </div>
      {error && <p className="error">{error}</p>}
      {a && (
        <>
          <Treemap items={a.prefixes.map((p) => ({ label: p.prefix, weight: p.bytes * scale }))} format={formatBytes} />
          <div className="two-cols">
            <table className="series-table">
              <thead>
                <tr>
                  <th>Prefix</th>
                  <th className="num">Keys</th>
                  <th className="num">Memory</th>
                  <th className="num">No TTL</th>
                </tr>
              </thead>
              <tbody>
                {a.prefixes.slice(0, 15).map((p) => (
                  <tr key={p.prefix}>
                    <td>
                      <code>{p.prefix}</code>
                    </td>
                    <td className="num">{Math.round(p.keys * scale)}</td>
                    <td className="num">{formatBytes(p.bytes * scale)}</td>
                    <td className="num">{Math.round((p.withoutTtl / p.keys) * 100)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <div>
              <p className="muted">
                TTLs:{' '}
                {Object.entries(a.ttl)
                  .map(([b, n]) => `${b} ${Math.round((n / Math.max(1, a.sampled)) * 100)}%`)
                  .join(' · ')}
              </p>
              <p className="muted">Biggest by memory:</p>
              <ul className="findings">
                {a.biggestByMemory.slice(0, 5).map((k) => (
                  <li key={k.key}>
                    <code>{k.key}</code> {k.type}, {formatBytes(k.bytes)}
                  </li>
                ))}
              </ul>
              {a.recommendations.length > 0 && (
                <ul className="findings" data-testid="recommendations">
                  {a.recommendations.map((r) => (
                    <li key={r} className="warning">
                      {r}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        </>
      )}
    </section>
  )
}
