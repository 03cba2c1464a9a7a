import { useState } from 'react'
import type { ConnectionTest } from '../../../shared/schemas'
import { api } from '../api'
import { useSession } from '../stores/session'

/**
 * "Test connection" for one Postgres, Redis or Prometheus target: the core reaches it step by step (DNS,
 * TCP, TLS, authentication, version, privileges) and the card lists each step with its time; the
 * first that failed is the last shown, with what to do.
 */
export function ConnectionTestButton({ target }: { target: 'postgres' | 'redis' | 'prometheus' }) {
  const profile = useSession((s) => s.active)
  const [result, setResult] = useState<ConnectionTest | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async () => {
    if (!profile) return
    setBusy(true)
    setError(null)
    try {
      const [t] = await api.call('profiles.testConnection', { profile, target })
      setResult(t ?? null)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }
  return (
    <>
      <button className="link" disabled={busy || !profile} onClick={() => void run()}>
        {busy ? 'Testing…' : 'Test connection'}
      </button>
      {error && <p className="error">{error}</p>}
      {result && (
        <ol className="steps" aria-label="Connection test" data-ok={result.ok}>
          {result.steps.map((s) => (
            <li key={s.step} data-step={s.step} data-ok={s.ok} className={s.ok ? 'ok' : 'failed'}>
              <strong>{s.ok ? 'ok' : 'failed'}</strong> {s.step} <span className="muted">{s.ms} ms</span> {s.detail}
            </li>
          ))}
        </ol>
      )}
    </>
  )
}
