import { useState, type FormEvent } from 'react'
import type { Environment } from '../../../shared/schemas'
import { saveProfile } from '../app/controller'

/**
 * A new connection profile. Passwords typed into the URLs go to the core once, which moves
 * them to the secret store; they never come back to this page.
 */
export function ProfileForm({ onDone }: { onDone(): void }) {
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault()
    const f = new FormData(e.currentTarget)
    const text = (k: string) => String(f.get(k) ?? '').trim()
    const opt = (k: string) => text(k) || undefined
    setBusy(true)
    const err = await saveProfile(
      {
        name: text('name'),
        environment: text('environment') as Environment,
        readOnly: f.get('readOnly') === 'on',
        postgres: opt('postgres'),
        redis: opt('redis'),
        prometheus: opt('prometheus'),
        metrics: text('metrics')
          .split(/[\s,]+/)
          .filter(Boolean),
        pollIntervalMs: Number(text('poll') || 2000)
      },
      false
    )
    setBusy(false)
    if (err) setError(err)
    else onDone()
  }

  return (
    <form className="profile-form" onSubmit={submit} aria-label="New profile">
      <h2>New connection profile</h2>
      <label>
        Name <input name="name" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]*" placeholder="checkout-prod" />
      </label>
      <label>
        Environment
        <select name="environment" defaultValue="dev">
          <option value="dev">dev</option>
          <option value="staging">staging</option>
          <option value="prod">prod</option>
        </select>
      </label>
      <label className="inline">
        <input type="checkbox" name="readOnly" /> Read-only (refuse every mutating action)
      </label>
      <label>
        PostgreSQL DSN <input name="postgres" placeholder="postgresql://monitor@db.internal:5432/app" autoComplete="off" />
      </label>
      <label>
        Redis URL <input name="redis" placeholder="redis://cache.internal:6379/0 or rediss://…" autoComplete="off" />
      </label>
      <label>
        Prometheus server <input name="prometheus" placeholder="http://prometheus.internal:9090" />
      </label>
      <label>
        /metrics URLs <input name="metrics" placeholder="http://app.internal:8080/metrics, …" />
      </label>
      <label>
        Poll every (ms) <input name="poll" type="number" min={250} step={250} defaultValue={2000} />
      </label>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy}>
          Save and open
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}
