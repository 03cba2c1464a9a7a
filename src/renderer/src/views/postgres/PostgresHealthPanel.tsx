import type { PgFinding } from '../../../../shared/postgres'
import { formatBytes } from '../../lib/format'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'

const HEALTH_CATEGORIES = new Set(['health', 'cache', 'activity', 'replication', 'queries'])
const pct = (r: number | null) => (r === null ? 'no reads' : `${(r * 100).toFixed(2)}%`)
const rate = (r: number | null) => (r === null ? '–' : r.toFixed(1))

/** The Postgres headline figures over the last 5 minutes and the problems of the moment. */
export function PostgresHealthPanel({ profile }: { profile: string }) {
  const { data, error } = usePoll(() => api.call('postgres.details', { profile }), 5000, profile)
  if (error) return <p className="error">{error}</p>
  if (!data) return null
  const w = data.window
  const findings: PgFinding[] = data.findings.filter((f) => HEALTH_CATEGORIES.has(f.category))
  const figures: [string, string][] = [
    ['Commits/s', rate(w.commitsPerSec)],
    ['Rollbacks/s', rate(w.rollbacksPerSec)],
    ['Cache hit', pct(w.cacheHitRatio)],
    ['Heap / index hit', `${pct(data.cacheByKind.heapWindow)} / ${pct(data.cacheByKind.indexWindow)}`],
    ['Connections', data.connections ? `${data.connections.used} of ${data.connections.max}` : '–'],
    ['Deadlocks', w.deadlocks === null ? '–' : String(w.deadlocks)],
    ['Temp files', w.tempFiles === null ? '–' : `${w.tempFiles} (${formatBytes(w.tempBytes ?? 0)})`],
    ['Checkpoints req/timed', data.checkpoints ? `${data.checkpoints.requested} / ${data.checkpoints.timed}` : '–'],
    [
      'Database size',
      data.databaseSizeBytes === null
        ? '–'
        : `${formatBytes(data.databaseSizeBytes)}${data.databaseGrowthBytesPerHour !== null ? `, ${formatBytes(data.databaseGrowthBytesPerHour)}/h` : ''}`
    ]
  ]
  return (
    <section className="panel" aria-label="Postgres health" data-testid="postgres-health">
      <h3>
        Postgres over the last {Math.round(w.seconds)} s{' '}
        <span className="muted">
          (cache hit since reset {pct(data.sinceReset.cacheHitRatio)}; heap {pct(data.cacheByKind.heapSinceReset)}, index{' '}
          {pct(data.cacheByKind.indexSinceReset)})
        </span>
      </h3>
      <dl className="figures">
        {figures.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {findings.length > 0 && (
        <ul className="findings">
          {findings.slice(0, 12).map((f) => (
            <li key={`${f.check}:${f.object}`} data-check={f.check}>
              <span className={`badge badge-${f.severity === 'critical' ? 'down' : f.severity === 'warning' ? 'degraded' : 'pending'}`}>
                {f.severity}
              </span>{' '}
              {f.message}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}
