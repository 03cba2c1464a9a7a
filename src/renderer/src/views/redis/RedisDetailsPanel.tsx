import { useEffect, useState } from 'react'
import type { RedisDetails } from '../../../../shared/redis'
import { api } from '../../api'
import { formatValue } from '../../lib/format'

/** Findings, latency and the slowlog of the profile's Redis, refreshed with the polls. */
export function RedisDetailsPanel({ profile }: { profile: string }) {
  const [d, setD] = useState<RedisDetails | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    const load = () =>
      api.call('cache.details', { profile }).then(
        (r) => live && (setD(r), setError(null)),
        (e: unknown) => live && setError(e instanceof Error ? e.message : String(e))
      )
    void load()
    const t = setInterval(load, 2000)
    return () => {
      live = false
      clearInterval(t)
    }
  }, [profile])
  if (error) return <p className="error">{error}</p>
  if (!d) return null
  // A cluster's slowlog mixes nodes: say which one each command ran on.
  const byNode = d.slowlog.some((e) => e.node)
  return (
    <div className="redis-details">
      <section className="panel" aria-label="Findings">
        <h3>Findings</h3>
        {d.findings.length === 0 ? (
          <p className="muted">Nothing to report: memory, evictions, persistence, replication and TTLs look fine.</p>
        ) : (
          <ul className="findings">
            {d.findings.map((f) => (
              <li key={f.check} data-check={f.check}>
                <span className={`badge badge-${f.severity === 'critical' ? 'down' : f.severity === 'warning' ? 'degraded' : 'pending'}`}>
                  {f.severity}
                </span>{' '}
                {f.message}{' '}
                <span className="muted">
                  ({f.check}: {String(f.value)}, threshold {String(f.threshold)})
                </span>
              </li>
            ))}
          </ul>
        )}
      </section>
      {d.overview.length > 0 && (
        <section className="panel" aria-label="Server">
          <h3>Server{d.nodes.length > 0 ? ' (counts summed over the primaries; role and ratios of the node the URL names)' : ''}</h3>
          <dl className="figures">
            {d.overview.map((f) => (
              <div key={f.label} title={f.detail}>
                <dt>{f.label}</dt>
                <dd>
                  {f.text ?? formatValue(f.value, f.unit)}
                  {f.detail && <span className="muted"> {f.detail}</span>}
                </dd>
              </div>
            ))}
          </dl>
        </section>
      )}
      {d.nodes.length > 0 && (
        <section className="panel" aria-label="Cluster nodes" data-testid="cluster-nodes">
          <h3>Cluster primaries</h3>
          <table className="series-table">
            <thead>
              <tr>
                <th>Node</th>
                <th>Slots</th>
                <th className="num">Commands/s</th>
                <th className="num">Memory</th>
                <th className="num">Keys</th>
              </tr>
            </thead>
            <tbody>
              {d.nodes.map((n) => (
                <tr key={n.name}>
                  <td>{n.name}</td>
                  <td>{n.slots}</td>
                  <td className="num">{formatValue(n.opsPerSec, 'ops/s')}</td>
                  <td className="num">{formatValue(n.usedMemory, 'B')}</td>
                  <td className="num">{n.keys ?? '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      <div className="two-cols">
        <section className="panel" aria-label="Latency">
          <h3>Latency by command (µs)</h3>
          <table className="series-table">
            <thead>
              <tr>
                <th>Command</th>
                <th className="num">p50</th>
                <th className="num">p99</th>
                <th className="num">p99.9</th>
              </tr>
            </thead>
            <tbody>
              {d.percentiles.slice(0, 10).map((p) => (
                <tr key={p.command}>
                  <td>{p.command}</td>
                  <td className="num">{formatValue(p.p50, '')}</td>
                  <td className="num">{formatValue(p.p99, '')}</td>
                  <td className="num">{formatValue(p.p999, '')}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {d.percentiles.length === 0 && <p className="muted">This server has no latency percentiles (Redis 7 reports them).</p>}
          {d.spikes.length > 0 && (
            <p className="warning">
              Latency spikes:{' '}
              {d.spikes.map((s) => `${s.node ? `${s.node} ` : ''}${s.event} ${s.latestMs} ms (worst ${s.maxMs} ms)`).join(', ')}
            </p>
          )}
        </section>
        <section className="panel" aria-label="Top commands">
          <h3>Top commands by time</h3>
          <table className="series-table">
            <thead>
              <tr>
                <th>Command</th>
                <th className="num">Calls</th>
                <th className="num">Total</th>
                <th className="num">Per call</th>
              </tr>
            </thead>
            <tbody>
              {d.commands.map((c) => (
                <tr key={c.command}>
                  <td>{c.command}</td>
                  <td className="num">{formatValue(c.calls, '')}</td>
                  <td className="num">{formatValue(c.usec / 1e6, 's')}</td>
                  <td className="num">{formatValue(c.usecPerCall / 1e6, 's')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      </div>
      <section className="panel" aria-label="Slowlog">
        <h3>Slowlog (newest first)</h3>
        {d.slowlog.length === 0 ? (
          <p className="muted">No slow command since Lookout started watching.</p>
        ) : (
          <table className="series-table">
            <thead>
              <tr>
                <th>When</th>
                <th className="num">Took</th>
                <th>Command</th>
                <th>Client</th>
                {byNode && <th>Node</th>}
              </tr>
            </thead>
            <tbody>
              {d.slowlog.slice(0, 50).map((e) => (
                <tr key={`${e.node ?? ''}#${e.id}`}>
                  <td>{new Date(e.at).toLocaleTimeString()}</td>
                  <td className="num">{formatValue(e.durationUs / 1e6, 's')}</td>
                  <td>
                    <code>{e.command}</code>
                  </td>
                  <td className="muted">{e.client}</td>
                  {byNode && <td className="muted">{e.node}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  )
}
