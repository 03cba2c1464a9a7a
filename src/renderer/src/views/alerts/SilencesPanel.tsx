import { useCallback, useEffect, useState } from 'react'
import type { Alert, ProfileSummary } from '../../../../shared/schemas'
import type { SilenceView } from '../../../../shared/alertmanager'
import { api } from '../../api'
import { ConfirmField } from '../../components/ConfirmField'
import { toAlertmanagerMatchers, useMatcherEditor } from './MatcherEditor'

const DURATIONS = [30, 60, 240, 1440]

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

function matcherText(s: SilenceView): string {
  return s.matchers.map((m) => `${m.name}${m.isEqual ? '' : '!'}${m.isRegex ? '=~' : '='}"${m.value}"`).join(', ')
}

/** How long a silence lasts: half an hour to a day. */
export function DurationSelect({ minutes, onChange }: { minutes: number; onChange(m: number): void }) {
  return (
    <select aria-label="Duration" value={minutes} onChange={(e) => onChange(Number(e.target.value))}>
      {DURATIONS.map((m) => (
        <option key={m} value={m}>
          {m < 60 ? `${m} min` : `${m / 60} h`}
        </option>
      ))}
    </select>
  )
}

/**
 * Silences alerts in the profile's Alertmanager: the matchers start as the alert's exact labels
 * and can be edited, with a preview of the current alerts they would hit.
 */
export function SilenceForm({ profile, alert, onDone }: { profile: ProfileSummary; alert: Alert; onDone(msg: string | null): void }) {
  const [minutes, setMinutes] = useState(60)
  const [comment, setComment] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const { matchers, editor } = useMatcherEditor(
    Object.entries(alert.labels)
      .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
      .join(', ')
  )
  async function create(confirmation: string) {
    if (!matchers) return
    setBusy(true)
    setError(null)
    try {
      const r = await api.call('alertmanager.createSilence', {
        profile: profile.name,
        matchers: toAlertmanagerMatchers(matchers),
        durationMinutes: minutes,
        comment,
        confirmation
      })
      onDone(`Silence ${r.silenceId} created for ${minutes} min.`)
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }
  return (
    <div className="silence-form" aria-label={`Silence ${alert.name}`}>
      {editor}
      <div className="toolbar">
        <DurationSelect minutes={minutes} onChange={setMinutes} />
        <input aria-label="Why" placeholder="why (required)" value={comment} onChange={(e) => setComment(e.target.value)} />
        {matchers && comment.trim().length >= 3 && (
          <ConfirmField profile={profile} action="Silence" busy={busy} onConfirm={(c) => void create(c)} />
        )}
        <button className="link" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  )
}

/** The Alertmanager's silences, newest first, with Expire on active ones. */
export function SilencesPanel({ profile, refreshKey }: { profile: ProfileSummary; refreshKey: number }) {
  const [silences, setSilences] = useState<SilenceView[] | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [expiring, setExpiring] = useState<string | null>(null)
  const load = useCallback(() => {
    api.call('alertmanager.silences', { profile: profile.name }).then(
      (s) => (setSilences(s.filter((x) => x.state !== 'expired').sort((a, b) => b.startsAt.localeCompare(a.startsAt))), setError(null)),
      (e: unknown) => setError(message(e))
    )
  }, [profile.name])
  useEffect(() => {
    load()
    const t = setInterval(load, 5000)
    return () => clearInterval(t)
  }, [load, refreshKey])

  async function expire(id: string, confirmation: string) {
    try {
      await api.call('alertmanager.expireSilence', { profile: profile.name, silenceId: id, confirmation })
      setExpiring(null)
      load()
    } catch (err) {
      setError(message(err))
    }
  }

  return (
    <section className="silences" aria-label="Silences">
      <h3>Silences in {profile.alertmanager}</h3>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {silences && silences.length === 0 && <p className="muted">No active silence.</p>}
      {silences && silences.length > 0 && (
        <table className="series-table">
          <tbody>
            {silences.map((s) => (
              <tr key={s.id} data-silence={s.id}>
                <td>{s.state}</td>
                <td>
                  <code>{matcherText(s)}</code>
                </td>
                <td>until {new Date(s.endsAt).toLocaleString()}</td>
                <td>
                  {s.createdBy}: {s.comment}
                </td>
                <td>
                  {expiring === s.id ? (
                    <ConfirmField profile={profile} action="Expire" busy={false} onConfirm={(c) => void expire(s.id, c)} />
                  ) : (
                    !profile.readOnly && (
                      <button className="link" onClick={() => setExpiring(s.id)}>
                        Expire…
                      </button>
                    )
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
