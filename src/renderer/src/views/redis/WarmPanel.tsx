import { useState } from 'react'
import type { ProfileSummary } from '../../../../shared/schemas'
import { api } from '../../api'
import { runJob } from '../../api/jobs'
import { ConfirmField } from '../../components/ConfirmField'

type Result = { outcome: string; total: number; ok: number; failed: number; errors: string[]; error: string | null }

/**
 * Cache warming after a flush or a deploy: commands pasted or loaded from a file, checked whole
 * by the core before anything is sent, then written in pipelined batches with progress and cancel.
 */
export function WarmPanel({ profile }: { profile: ProfileSummary }) {
  const [text, setText] = useState('')
  const [format, setFormat] = useState<'commands' | 'jsonl'>('commands')
  const [pending, setPending] = useState(false)
  const [job, setJob] = useState<{ id: string; ok: number; failed: number; total: number } | null>(null)
  const [result, setResult] = useState<Result | null>(null)
  const [error, setError] = useState<string | null>(null)
  const run = async (confirmation: string) => {
    const id = crypto.randomUUID()
    setJob({ id, ok: 0, failed: 0, total: 0 })
    setError(null)
    setResult(null)
    const off = api.on('warm.progress', (p) => p.jobId === id && setJob({ id, ok: p.ok, failed: p.failed, total: p.total }))
    try {
      setResult(
        await runJob('cache.warm', id, () => api.call('cache.warm', { profile: profile.name, text, format, jobId: id, confirmation }))
      )
      setPending(false)
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e))
    } finally {
      off()
      setJob(null)
    }
  }
  return (
    <section className="panel warm" aria-label="Warm the cache">
      <h3>Warm the cache</h3>
      <p className="muted">
        redis-cli commands, one per line (SET, SETEX, HSET, SADD, ZADD, RPUSH, EXPIRE…), or JSON lines {'{"key", "value", "ttl"}'}.
      </p>
      <div className="toolbar">
        <select aria-label="Warm-up format" value={format} onChange={(e) => setFormat(e.target.value as 'commands' | 'jsonl')}>
          <option value="commands">commands</option>
          <option value="jsonl">JSON lines</option>
        </select>
        <input
          type="file"
          aria-label="Load a warm-up file"
          onChange={(e) => {
            const f = e.target.files?.[0]
            if (f) void f.text().then(setText)
          }}
        />
      </div>
      <textarea aria-label="Warm-up commands" rows={4} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} />
      <p>
        {!pending ? (
          <button disabled={!text.trim() || profile.readOnly} onClick={() => setPending(true)}>
            Warm…
          </button>
        ) : (
          <>
            Write these to {profile.redis}?{' '}
            <ConfirmField profile={profile} action="Warm" busy={job !== null} onConfirm={(c) => void run(c)} />{' '}
            <button className="link" onClick={() => setPending(false)}>
              Cancel
            </button>
          </>
        )}
        {profile.readOnly && <span className="muted"> read-only profile: warming is not allowed</span>}
      </p>
      {job && (
        <p>
          <progress max={job.total || 1} value={job.ok + job.failed} aria-label="Commands written" /> {job.ok + job.failed} of{' '}
          {job.total || '…'} written <button onClick={() => void api.call('job.cancel', { jobId: job.id })}>Stop</button>
        </p>
      )}
      {result && (
        <p className="notice" data-testid="warm-result">
          {result.outcome}: {result.ok} of {result.total} written
          {result.failed ? `, ${result.failed} failed (${result.errors.join('; ')})` : ''}
          {result.error ? `: ${result.error}` : ''}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}
