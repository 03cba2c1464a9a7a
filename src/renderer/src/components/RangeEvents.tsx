import { api } from '../api'
import { usePoll } from '../app/usePoll'
import { clockLabel } from '../lib/format'
import { ACTIVE_LOOKBACK_MS, activeInRange } from '../lib/timeline'
import { useTimeRange } from '../stores/time-range'
import { useView } from '../stores/view'

/**
 * On a chosen range, what a view's charts do not say: the findings that were active and the
 * alerts that were pending or firing at some moment of it (from the history's timeline), each with
 * its span. Nothing while live: the view's own findings and alerts are the current ones.
 */
export function RangeEvents({ profile }: { profile: string }) {
  const live = useTimeRange((s) => s.live)
  const from = useTimeRange((s) => s.from)
  const to = useTimeRange((s) => s.to)
  const { data, error } = usePoll(
    async () => {
      if (live) return null
      const r = await api.call('history.timeline', {
        range: { from: from - ACTIVE_LOOKBACK_MS, to },
        profiles: [profile],
        kinds: ['alert', 'finding'],
        limit: 5000
      })
      return activeInRange(r.events, from, to)
    },
    60_000,
    JSON.stringify([live, from, to, profile])
  )
  if (live) return null
  const spans = data ?? []
  const span = to - from
  return (
    <section className="panel range-events" aria-label="Active in this range" data-testid="range-events">
      <h3>
        Active in this range{' '}
        <button className="link" onClick={() => useView.getState().show('timeline')}>
          Timeline
        </button>
      </h3>
      {error && <p className="error-text">{error}</p>}
      {data && spans.length === 0 && <p className="muted">No finding was active and no alert pending or firing in this range.</p>}
      <ul>
        {spans.map((s) => (
          <li key={`${s.kind}${s.title}${s.since}`} className={`sev-${s.severity ?? 'none'}`} data-kind={s.kind}>
            <strong>{s.kind}</strong> {s.title}{' '}
            <span className="muted">
              {clockLabel(s.since, span)} – {s.until === null ? 'still' : clockLabel(s.until, span)}
              {s.detail ? ` · ${s.detail}` : ''}
            </span>
          </li>
        ))}
      </ul>
    </section>
  )
}
