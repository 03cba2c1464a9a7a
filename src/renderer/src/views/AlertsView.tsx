import { formatAgo } from '../app/format'
import { useNow } from '../app/useNow'
import { useSession } from '../stores/session'

const ORDER = { critical: 0, warning: 1, info: 2 } as const

export function AlertsView() {
  const alerts = useSession((s) => s.alerts)
  const now = useNow()
  const firing = [...alerts.firing].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.since - b.since)
  if (firing.length === 0) return <section className="empty">No alert is firing.</section>
  return (
    <section className="alerts-view" aria-label="Alerts">
      <table className="series-table">
        <thead>
          <tr>
            <th>Severity</th>
            <th>Alert</th>
            <th>Summary</th>
            <th>From</th>
            <th>Since</th>
          </tr>
        </thead>
        <tbody>
          {firing.map((a) => (
            <tr key={a.id} data-alert={a.name} className={`sev-${a.severity}`}>
              <td>
                <span className={`badge badge-${a.severity === 'critical' ? 'down' : a.severity === 'warning' ? 'degraded' : 'pending'}`}>
                  {a.severity}
                </span>
              </td>
              <td>
                <strong>{a.name}</strong>
                <div className="muted">
                  <code>
                    {Object.entries(a.labels)
                      .filter(([k]) => k !== 'alertname' && k !== 'severity')
                      .map(([k, v]) => `${k}="${v}"`)
                      .join(', ')}
                  </code>
                </div>
              </td>
              <td>{a.summary}</td>
              <td>
                {a.source === 'prometheus' ? 'Prometheus rule' : 'Lookout'} · {a.profile}/{a.targetId}
              </td>
              <td title={new Date(a.since).toISOString()}>{formatAgo(a.since, now)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}
