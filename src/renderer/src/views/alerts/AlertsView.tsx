import { Fragment, useEffect, useState } from 'react'
import type { AmAlertView } from '../../../../shared/alertmanager'
import { api } from '../../api'
import { formatAgo } from '../../lib/format'
import { useNow } from '../../app/useNow'
import { useSession } from '../../stores/session'
import { SilenceForm, SilencesPanel } from './SilencesPanel'

const ORDER = { critical: 0, warning: 1, info: 2 } as const

export function AlertsView() {
  const alerts = useSession((s) => s.alerts)
  const profile = useSession((s) => s.profiles.find((p) => p.name === s.active))
  const now = useNow()
  const [silencing, setSilencing] = useState<string | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [refresh, setRefresh] = useState(0)
  const [amAlerts, setAmAlerts] = useState<AmAlertView[]>([])
  const amProfile = profile?.alertmanager ? profile.name : null
  useEffect(() => {
    if (!amProfile) return
    const load = () => api.call('alertmanager.alerts', { profile: amProfile }).then(setAmAlerts, () => setAmAlerts([]))
    load()
    const t = setInterval(load, 5000)
    return () => clearInterval(t)
  }, [amProfile, refresh])
  /** The silences Alertmanager applies to an alert with exactly these labels. */
  const silencedBy = (labels: Record<string, string>) => {
    const keys = Object.keys(labels)
    const match = amAlerts.find((m) => Object.keys(m.labels).length === keys.length && keys.every((k) => m.labels[k] === labels[k]))
    return match?.silencedBy ?? []
  }
  const firing = [...alerts.firing].sort((a, b) => ORDER[a.severity] - ORDER[b.severity] || a.since - b.since)
  const canSilence = Boolean(profile?.alertmanager)
  return (
    <section className="alerts-view" aria-label="Alerts">
      {notice && <p className="notice">{notice}</p>}
      {firing.length === 0 ? (
        <p className="empty">No alert is firing.</p>
      ) : (
        <table className="series-table">
          <thead>
            <tr>
              <th>Severity</th>
              <th>Alert</th>
              <th>Summary</th>
              <th>From</th>
              <th>Since</th>
              {canSilence && <th />}
            </tr>
          </thead>
          <tbody>
            {firing.map((a) => (
              <Fragment key={a.id}>
                <tr data-alert={a.name} className={`sev-${a.severity}`}>
                  <td>
                    <span
                      className={`badge badge-${a.severity === 'critical' ? 'down' : a.severity === 'warning' ? 'degraded' : 'pending'}`}
                    >
                      {a.severity}
                    </span>
                  </td>
                  <td>
                    <strong>{a.name}</strong>
                    {silencedBy(a.labels).length > 0 && (
                      <span className="badge badge-pending silenced" title={`silenced by ${silencedBy(a.labels).join(', ')}`}>
                        silenced
                      </span>
                    )}
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
                  {canSilence && (
                    <td>
                      {a.source === 'prometheus' &&
                        profile &&
                        a.profile === profile.name &&
                        !profile.readOnly &&
                        silencedBy(a.labels).length === 0 && (
                          <button className="link" onClick={() => setSilencing(a.id)}>
                            Silence…
                          </button>
                        )}
                    </td>
                  )}
                </tr>
                {silencing === a.id && profile && (
                  <tr>
                    <td colSpan={6}>
                      <SilenceForm
                        profile={profile}
                        alert={a}
                        onDone={(msg) => {
                          setSilencing(null)
                          if (msg) {
                            setNotice(msg)
                            setRefresh((n) => n + 1)
                          }
                        }}
                      />
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
      {profile && canSilence && <SilencesPanel profile={profile} refreshKey={refresh} />}
    </section>
  )
}
