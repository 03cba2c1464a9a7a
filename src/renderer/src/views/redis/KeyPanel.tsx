import { useEffect, useState } from 'react'
import { useView } from '../../stores/view'
import type { ProfileSummary } from '../../../../shared/schemas'
import type { z } from 'zod'
import type { KeyInspection } from '../../../../shared/redis'
import { api } from '../../api'
import { formatValue } from '../../lib/format'
import { ConfirmField } from '../../components/ConfirmField'

type Inspection = z.infer<typeof KeyInspection>
type Pending = 'delete' | 'ttl' | 'persist' | 'flush' | null

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Inspect one key; delete it or change its TTL; flush the database when the profile allows it. */
export function KeyPanel({ profile }: { profile: ProfileSummary }) {
  const [key, setKey] = useState('')
  const [info, setInfo] = useState<Inspection | null>(null)
  const [ttl, setTtl] = useState(3600)
  const [pending, setPending] = useState<Pending>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  async function inspect(k = key) {
    setError(null)
    try {
      setInfo(await api.call('cache.inspect', { profile: profile.name, key: k }))
    } catch (err) {
      setError(message(err))
    }
  }

  // A key typed in the command palette is inspected at once.
  const focus = useView((s) => (s.focus?.kind === 'key' ? s.focus.key : null))
  const [focused, setFocused] = useState<string | null>(null)
  if (focus && focus !== focused) {
    setFocused(focus)
    setKey(focus)
  }
  useEffect(() => {
    if (focus) api.call('cache.inspect', { profile: profile.name, key: focus }).then(setInfo, (err: unknown) => setError(message(err)))
  }, [focus, profile.name])

  async function run(confirmation: string) {
    setBusy(true)
    setError(null)
    try {
      if (pending === 'delete')
        setNotice(`${(await api.call('cache.deleteKey', { profile: profile.name, key, confirmation })).deleted} key deleted.`)
      if (pending === 'ttl') {
        await api.call('cache.setTtl', { profile: profile.name, key, ttlSeconds: ttl, confirmation })
        setNotice(`TTL of ${key} set to ${ttl} s.`)
      }
      if (pending === 'persist') {
        await api.call('cache.setTtl', { profile: profile.name, key, ttlSeconds: null, confirmation })
        setNotice(`${key} no longer expires.`)
      }
      if (pending === 'flush')
        setNotice(
          `Database flushed (ASYNC): ${(await api.call('cache.flush', { profile: profile.name, confirmation })).keysBefore} keys were in it.`
        )
      setPending(null)
      if (key) await inspect(key)
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="panel" aria-label="Inspect a key">
      <h3>Inspect a key</h3>
      <div className="toolbar">
        <input
          aria-label="Key"
          placeholder="e.g. customer:42"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          onKeyDown={(e) => e.key === 'Enter' && void inspect()}
        />
        <button disabled={!key} onClick={() => void inspect()}>
          Inspect
        </button>
        {profile.allowFlush && !profile.readOnly && (
          <button className="danger" onClick={() => setPending('flush')}>
            Flush database…
          </button>
        )}
      </div>
      {info && !info.exists && <p className="muted">{info.key}: no such key.</p>}
      {info?.exists && (
        <div data-testid="key-info">
          <p>
            <strong>{info.type}</strong> ({info.encoding ?? '?'}), {info.length ?? '?'} {info.type === 'string' ? 'bytes' : 'items'},{' '}
            {formatValue(info.memoryBytes, 'B')} in memory, TTL {info.ttlMs === null ? 'none' : formatValue(info.ttlMs / 1000, 's')}
          </p>
          <pre className="preview">{info.preview.join('\n') + (info.truncated ? '\n…' : '')}</pre>
          {!profile.readOnly && (
            <div className="toolbar">
              <button onClick={() => setPending('delete')}>Delete…</button>
              <input aria-label="TTL seconds" type="number" min={1} value={ttl} onChange={(e) => setTtl(Number(e.target.value))} />
              <button onClick={() => setPending('ttl')}>Set TTL…</button>
              {info.ttlMs !== null && <button onClick={() => setPending('persist')}>Clear TTL…</button>}
            </div>
          )}
        </div>
      )}
      {pending && (
        <p className="warning">
          {pending === 'flush'
            ? `Flush every key of ${profile.redis}?`
            : `${pending === 'delete' ? 'Delete' : pending === 'ttl' ? `Set a ${ttl} s TTL on` : 'Clear the TTL of'} ${key}?`}{' '}
          <ConfirmField profile={profile} action={pending === 'flush' ? 'Flush' : 'Apply'} busy={busy} onConfirm={(c) => void run(c)} />{' '}
          <button className="link" onClick={() => setPending(null)}>
            Cancel
          </button>
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
