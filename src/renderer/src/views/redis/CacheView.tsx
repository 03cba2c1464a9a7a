import { useState } from 'react'
import type { CacheDryRun } from '../../../../shared/redis'
import { api } from '../../api'
import { formatValue } from '../../lib/format'
import { ConfirmField } from '../../components/ConfirmField'
import { SeriesChart } from '../../components/SeriesChart'
import { RangeEvents } from '../../components/RangeEvents'
import { useJobs } from '../../stores/jobs'
import { useSession } from '../../stores/session'
import { useTargets } from '../../stores/targets'
import { RedisDetailsPanel } from './RedisDetailsPanel'
import { KeyPanel } from './KeyPanel'
import { KeyspacePanel } from './KeyspacePanel'
import { WarmPanel } from './WarmPanel'

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** What a pattern job does to the keys it matches. */
type PatternAction = 'delete' | 'set-ttl' | 'clear-ttl'

const ACTION_LABEL: Record<PatternAction, string> = { delete: 'Invalidate', 'set-ttl': 'Set TTL', 'clear-ttl': 'Clear TTL' }

/**
 * Keys by pattern: a dry run, then invalidation or setting or clearing their TTL, each with typed
 * confirmation, then a job with progress and cancel.
 */
function InvalidatePanel() {
  const profile = useSession((s) => s.profiles.find((p) => p.name === s.active))
  const [pattern, setPattern] = useState('')
  const [action, setAction] = useState<PatternAction>('delete')
  const [ttl, setTtl] = useState('3600')
  const [dry, setDry] = useState<{ pattern: string; result: CacheDryRun } | null>(null)
  const [jobId, setJobId] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const job = useJobs((s) => (jobId ? s.byId[jobId] : undefined))
  if (!profile) return null

  async function runDry() {
    if (!profile) return
    setBusy(true)
    setError(null)
    setJobId(null)
    try {
      setDry({ pattern, result: await api.call('cache.dryRun', { profile: profile.name, pattern }) })
    } catch (err) {
      setError(message(err))
      setDry(null)
    } finally {
      setBusy(false)
    }
  }

  async function start(confirmation: string) {
    if (!profile || !dry) return
    setBusy(true)
    setError(null)
    try {
      const common = { profile: profile.name, pattern: dry.pattern, estimatedTotal: dry.result.estimatedTotal, confirmation }
      const r =
        action === 'delete'
          ? await api.call('cache.invalidate', common)
          : await api.call('cache.ttlPattern', { ...common, ttlSeconds: action === 'clear-ttl' ? null : Number(ttl) })
      setJobId(r.jobId)
      setDry(null)
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }

  const total = job ? Math.max(job.deleted, dry?.result.estimatedTotal ?? job.deleted, 1) : 1
  const ttlValid = action !== 'set-ttl' || (/^\d+$/.test(ttl) && Number(ttl) >= 1 && Number(ttl) <= 10 * 365 * 86400)
  const ttlJob = job?.kind === 'cache.ttl'
  return (
    <section className="panel invalidate" aria-label="Invalidate by pattern">
      <h3>Keys by pattern: invalidate or set their TTL</h3>
      <div className="toolbar">
        <input
          aria-label="Key pattern"
          placeholder='e.g. customer:* or "cache:v1:user:*"'
          value={pattern}
          onChange={(e) => (setPattern(e.target.value), setDry(null))}
        />
        <button disabled={!pattern.trim() || busy} onClick={() => void runDry()}>
          Dry run
        </button>
      </div>
      {dry && (
        <div className="dry" data-testid="dry-run">
          <p>
            About <strong>{dry.result.estimatedTotal}</strong> keys match <code>{dry.pattern}</code> ({dry.result.matched} of{' '}
            {dry.result.sampled} sampled
            {dry.result.complete ? ', the whole keyspace' : ''}; {dry.result.dbsize} keys in the database).
          </p>
          {dry.result.examples.length > 0 && (
            <p className="muted">
              e.g. <code>{dry.result.examples.join(', ')}</code>
            </p>
          )}
          {dry.result.estimatedTotal > 0 && (
            <div className="toolbar">
              <select aria-label="Pattern action" value={action} onChange={(e) => setAction(e.target.value as PatternAction)}>
                <option value="delete">delete them (UNLINK)</option>
                <option value="set-ttl">set their TTL</option>
                <option value="clear-ttl">clear their TTL (PERSIST)</option>
              </select>
              {action === 'set-ttl' && (
                <input
                  aria-label="Pattern TTL seconds"
                  className={ttlValid ? '' : 'invalid'}
                  inputMode="numeric"
                  value={ttl}
                  onChange={(e) => setTtl(e.target.value)}
                />
              )}
              {ttlValid ? (
                <ConfirmField profile={profile} action={ACTION_LABEL[action]} busy={busy} onConfirm={(c) => void start(c)} />
              ) : (
                <span className="error">a TTL is a whole number of seconds, 1 s to 10 years</span>
              )}
            </div>
          )}
        </div>
      )}
      {job && (
        <div className="job" data-testid="job" data-state={job.state}>
          <progress max={total} value={job.deleted} />
          <p>
            {job.state === 'running'
              ? ttlJob
                ? 'Updating'
                : 'Deleting'
              : job.state === 'done'
                ? 'Done'
                : job.state === 'cancelled'
                  ? 'Cancelled'
                  : 'Failed'}
            : <strong data-testid="deleted">{job.deleted}</strong> keys {ttlJob ? 'with their TTL changed' : 'deleted'} of {job.matched}{' '}
            matched, {formatValue(job.ratePerS, '/s')}
            {job.state === 'running' && job.etaS !== null ? `, about ${Math.ceil(job.etaS)} s left` : ''}
            {job.throttled ? `, paused ${job.throttled === 1 ? 'once' : `${job.throttled} times`} to keep the server responsive` : ''}
            {job.uncertain ? `; up to ${job.uncertain} more may have been ${ttlJob ? 'changed' : 'deleted'}` : ''}
          </p>
          {job.state === 'running' && <button onClick={() => void api.call('job.cancel', { jobId: job.jobId })}>Cancel</button>}
          {job.error && <p className="error">{job.error}</p>}
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  )
}

/** The Redis collector's series the Cache view charts, in reading order. */
const CACHE_CHARTS = ['hitrate', 'ops', 'memory_of_max', 'memory', 'evictions', 'expirations', 'net_in', 'net_out']

export function CacheView() {
  const redis = useTargets((s) => s.byId['redis'])
  const profile = useSession((s) => s.active)
  const summary = useSession((s) => s.profiles.find((p) => p.name === s.active))
  if (!redis) return <section className="empty">This profile names no Redis. Add its URL to the profile to see the cache.</section>
  return (
    <section className="cache" aria-label="Cache">
      <div className="toolbar">
        <span className={`badge badge-${redis.health}`}>{redis.health}</span>
        <code>{redis.endpoint}</code>
        {redis.figures.map((f) => (
          <span key={f.label} className="muted">
            {f.label} <strong>{f.text ?? formatValue(f.value, f.unit)}</strong>
          </span>
        ))}
      </div>
      {redis.lastError && <p className={redis.health === 'down' ? 'error' : 'warning'}>{redis.lastError}</p>}
      {profile && <RangeEvents profile={profile} />}
      <div className="watched">
        {CACHE_CHARTS.map((id) => (
          <div className="watched-chart" key={id}>
            <SeriesChart seriesId={`redis:${id}`} />
          </div>
        ))}
      </div>
      <InvalidatePanel />
      {summary && <KeyPanel profile={summary} />}
      {summary && <WarmPanel profile={summary} />}
      {profile && <KeyspacePanel profile={profile} />}
      {profile && <RedisDetailsPanel profile={profile} />}
    </section>
  )
}
