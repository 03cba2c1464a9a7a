import type { TargetState } from '../../../shared/schemas'
import { formatAgo, formatValue } from '../lib/format'
import { useSeries } from '../stores/series'
import { useTargets } from '../stores/targets'
import { useSession } from '../stores/session'
import { alertStateText } from '../lib/alert-view'
import { ConnectionTestButton } from './ConnectionTestButton'
import { SeriesChart } from './SeriesChart'

const KIND_LABEL: Record<TargetState['kind'], string> = {
  postgres: 'PostgreSQL',
  redis: 'Redis',
  prometheus: 'Prometheus server',
  metrics: '/metrics endpoint'
}

const HEALTH_LABEL: Record<TargetState['health'], string> = {
  pending: 'waiting for first poll',
  up: 'up',
  degraded: 'degraded',
  down: 'down'
}

export function TargetCard({ targetId, now }: { targetId: string; now: number }) {
  const t = useTargets((s) => s.byId[targetId])
  const seriesIds = useSeries((s) =>
    Object.keys(s.byId)
      .filter((id) => s.byId[id]!.info.targetId === targetId && s.byId[id]!.info.headline !== false)
      .join('|')
  )
  // This target's alerts: firing, pending, no data (a string, so the selector's result compares equal).
  const alertState = useSession((s) => {
    const mine = [...s.alerts.firing, ...s.alerts.other].filter(
      (a) => a.profile === s.active && a.targetId === targetId && a.state !== 'resolved'
    )
    return alertStateText(mine)
  })
  if (!t) return null
  return (
    <article
      className={`target health-${t.health}`}
      data-target={t.targetId}
      data-health={t.health}
      aria-label={`${KIND_LABEL[t.kind]} ${t.health}`}
    >
      <header>
        <span className={`badge badge-${t.health}`}>{HEALTH_LABEL[t.health]}</span>
        <h2>{KIND_LABEL[t.kind]}</h2>
        <code className="endpoint">{t.endpoint}</code>
      </header>
      {alertState && (
        <p className="alert-state" data-testid="target-alerts">
          {alertState}
        </p>
      )}
      {t.lastError && (
        <p className={t.health === 'down' ? 'error' : 'warning'} role={t.health === 'down' ? 'alert' : undefined}>
          {t.lastError}
        </p>
      )}
      <dl className="figures">
        {t.figures.map((f) => (
          <div key={f.label} title={f.detail}>
            <dt>{f.label}</dt>
            <dd>{f.text ?? formatValue(f.value, f.unit)}</dd>
          </div>
        ))}
      </dl>
      {seriesIds
        .split('|')
        .filter(Boolean)
        .map((id) => (
          <SeriesChart key={id} seriesId={id} />
        ))}
      <footer className="meta">
        <span>polled {formatAgo(t.lastPollAt, now)}</span>
        <span>latency {formatValue(t.lastLatencyMs, 'ms')}</span>
        {t.consecutiveFailures > 0 && <span>{t.consecutiveFailures} failed in a row</span>}
        {t.circuit !== 'closed' && (
          <span className="circuit">
            circuit {t.circuit}, next try {t.nextPollAt ? `in ${Math.max(0, Math.round((t.nextPollAt - now) / 1000))}s` : 'soon'}
          </span>
        )}
      </footer>
      {(t.kind === 'postgres' || t.kind === 'redis' || t.kind === 'prometheus') && (
        <div className="connection-test">
          <ConnectionTestButton target={t.kind} />
        </div>
      )}
    </article>
  )
}
