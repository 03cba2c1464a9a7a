import { useEffect, useState } from 'react'
import type { LocalSilence } from '../../../../shared/alert-rules'
import { api } from '../../api'
import { useNow } from '../../app/useNow'
import { matchersText } from '../../lib/alert-view'
import { useMatcherEditor } from './MatcherEditor'
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
  const { matchers, editor } = useMatcherEditor(
    initial
      ? Object.entries(initial)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ')
      : ''
  )
  const [minutes, setMinutes] = useState(60)
  const [comment, setComment] = useState('')
  const [silences, setSilences] = useState<LocalSilence[]>([])
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  const now = useNow(10_000)
  useEffect(() => {
    if (formOnly) return
    api.call('alerts.silences', {}).then(setSilences, (e: unknown) => setError(message(e)))
  }, [formOnly, version])

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
        {editor}
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
