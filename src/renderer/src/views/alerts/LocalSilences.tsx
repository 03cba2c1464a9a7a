import { useEffect, useMemo, useState } from 'react'
import type { LocalSilence } from '../../../../shared/alert-rules'
import type { Alert } from '../../../../shared/schemas'
import { api } from '../../api'
import { useNow } from '../../app/useNow'
import { matchersText, parseMatchers } from '../../lib/alert-view'
import { DurationSelect } from './SilencesPanel'

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Local silences: a matcher editor that previews which current alerts it would hit, a duration
 * and a comment; below it, the silences with Expire. Local ones mute notifications on this
 * desktop only; nothing is sent to an Alertmanager.
 */
export function LocalSilences({
  initial,
  onDone,
  formOnly = false
}: {
  initial?: Record<string, string>
  onDone(msg: string | null): void
  formOnly?: boolean
}) {
  const [text, setText] = useState(() =>
    initial
      ? Object.entries(initial)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ')
      : ''
  )
  const [minutes, setMinutes] = useState(60)
  const [comment, setComment] = useState('')
  const [hitsFor, setHits] = useState<{ key: string; alerts: Alert[] } | null>(null)
  const [silences, setSilences] = useState<LocalSilence[]>([])
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const now = useNow(10_000)
  const parsed = useMemo(() => parseMatchers(text), [text])
  const matchers = 'matchers' in parsed ? parsed.matchers : null
  const key = matchers === null ? '' : JSON.stringify(matchers)
  useEffect(() => {
    if (!key) return
    let live = true
    api.call('alerts.previewSilence', { matchers: JSON.parse(key) as LocalSilence['matchers'] }).then(
      (h) => live && setHits({ key, alerts: h }),
      () => live && setHits(null)
    )
    return () => {
      live = false
    }
  }, [key])
  useEffect(() => {
    if (formOnly) return
    api.call('alerts.silences', {}).then(setSilences, (e: unknown) => setError(message(e)))
  }, [formOnly, version])

  // The preview of the matchers as typed now (an older answer is not shown).
  const hits = hitsFor && hitsFor.key === key ? hitsFor.alerts : null
  async function create() {
    if (!matchers) return
    try {
      const s = await api.call('alerts.createSilence', { matchers, durationS: minutes * 60, comment })
      setComment('')
      setVersion((v) => v + 1)
      onDone(`Silenced ${matchersText(s.matchers)} until ${new Date(s.endsAt).toLocaleTimeString()}.`)
    } catch (err) {
      setError(message(err))
    }
  }
  async function expire(id: string) {
    try {
      await api.call('alerts.expireSilence', { id })
      setVersion((v) => v + 1)
    } catch (err) {
      setError(message(err))
    }
  }
  return (
    <section className="local-silences" aria-label="Local silences">
      <div className="silence-form">
        <label>
          Matchers
          <input
            aria-label="Matchers"
            value={text}
            onChange={(e) => setText(e.target.value)}
            placeholder='alertname="RedisCacheHitLow", profile="shop"'
          />
        </label>
        {'error' in parsed && text.trim() !== '' && <p className="error">{parsed.error}</p>}
        {hits && key && (
          <p className="muted" aria-label="Silence preview">
            {hits.length === 0
              ? 'matches no current alert'
              : `would silence ${hits.length} current alert${hits.length > 1 ? 's' : ''}: ${hits
                  .slice(0, 5)
                  .map((a) => `${a.name} (${a.profile}/${a.targetId})`)
                  .join(', ')}${hits.length > 5 ? '…' : ''}`}
          </p>
        )}
        <div className="toolbar">
          <DurationSelect minutes={minutes} onChange={setMinutes} />
          <input aria-label="Why" placeholder="why (required)" value={comment} onChange={(e) => setComment(e.target.value)} />
          <button disabled={!matchers || comment.trim().length < 3} onClick={() => void create()}>
            Silence here
          </button>
          {formOnly && (
            <button className="link" onClick={() => onDone(null)}>
              Cancel
            </button>
          )}
        </div>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!formOnly && (
        <table className="series-table">
          <tbody>
            {silences.length === 0 && (
              <tr>
                <td className="muted">No local silence.</td>
              </tr>
            )}
            {silences.map((s) => (
              <tr key={s.id} data-silence={s.id}>
                <td>
                  <code>{matchersText(s.matchers)}</code>
                </td>
                <td>{s.endsAt > now ? `until ${new Date(s.endsAt).toLocaleString()}` : `ended ${new Date(s.endsAt).toLocaleString()}`}</td>
                <td>{s.comment}</td>
                <td>
                  {s.endsAt > now && (
                    <button className="link" onClick={() => void expire(s.id)}>
                      Expire
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
