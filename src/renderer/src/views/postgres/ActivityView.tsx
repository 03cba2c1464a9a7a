import { useEffect, useState } from 'react'
import { useView } from '../../stores/view'
import type { PgSession } from '../../../../shared/postgres'
import { formatSeconds } from '../../lib/format'
import { api } from '../../api'
import { usePoll } from '../../app/usePoll'
import { ConfirmField } from '../../components/ConfirmField'
import { useSession } from '../../stores/session'

type Pending = { pid: number; action: 'cancel' | 'terminate' } | null

/** How long the session has been in what it is doing: the statement if active, else the state. */
function age(s: PgSession): number | null {
  const ms = s.state === 'active' ? s.queryAgeMs : s.stateAgeMs
  return ms === null ? null : ms / 1000
}

/** Live sessions, the blocking tree, and cancel/terminate under the profile's guardrails. */
export function ActivityView() {
  const profile = useSession((s) => s.profiles.find((p) => p.name === s.active))!
  const { data, error, refresh } = usePoll(() => api.call('postgres.activity', { profile: profile.name }), 2000, profile.name)
  const [pending, setPending] = useState<Pending>(null)
  const [busy, setBusy] = useState(false)
  const [notice, setNotice] = useState<string | null>(null)
  const [actionError, setActionError] = useState<string | null>(null)
  const byPid = new Map(data?.sessions.map((s) => [s.pid, s]) ?? [])
  // A pid chosen in the command palette: highlighted and scrolled into sight once it is listed.
  const focus = useView((s) => (s.focus?.kind === 'pid' ? s.focus.pid : null))
  const listed = focus !== null && byPid.has(focus)
  useEffect(() => {
    if (listed) document.querySelector(`tr[data-pid="${focus}"]`)?.scrollIntoView({ block: 'center' })
  }, [focus, listed])

  const signal = async (confirmation: string) => {
    if (!pending) return
    setBusy(true)
    setActionError(null)
    try {
      await api.call('postgres.signalBackend', { profile: profile.name, pid: pending.pid, action: pending.action, confirmation })
      setNotice(`${pending.action === 'cancel' ? 'Cancelled the statement of' : 'Terminated'} pid ${pending.pid}`)
      setPending(null)
      refresh()
    } catch (e) {
      setActionError(e instanceof Error ? e.message : String(e))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="activity" aria-label="Activity">
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {data && (
        <p className="summary" data-testid="activity-summary">
          <strong>{data.sessions.length}</strong> sessions (max_connections {data.maxConnections}):{' '}
          {Object.entries(data.byState)
            .map(([state, n]) => `${n} ${state}`)
            .join(', ')}
        </p>
      )}
      {data && data.blockingTree.length > 0 && (
        <section className="panel" aria-label="Blocking tree">
          <h3>Blocking</h3>
          <ul className="blocking-tree">
            {data.blockingTree.map((n) => {
              const s = byPid.get(n.pid)
              return (
                <li key={n.pid} style={{ paddingLeft: `${n.depth * 1.5}em` }} data-depth={n.depth}>
                  {n.depth ? '↳ waits: ' : 'blocks others: '}
                  <strong>pid {n.pid}</strong>{' '}
                  {s ? `${s.state ?? '?'} for ${formatSeconds(age(s) ?? 0)}, ${s.query.slice(0, 100)}` : '(not a client session)'}
                </li>
              )
            })}
          </ul>
        </section>
      )}
      {pending && (
        <p className="pending">
          {pending.action === 'cancel' ? 'Cancel the running statement of' : 'Terminate the session'} pid {pending.pid}?{' '}
          <ConfirmField
            profile={profile}
            action={pending.action === 'cancel' ? 'Cancel query' : 'Terminate'}
            busy={busy}
            onConfirm={(c) => void signal(c)}
          />{' '}
          <button className="link" onClick={() => setPending(null)}>
            Keep it
          </button>
        </p>
      )}
      {notice && <p className="notice">{notice}</p>}
      {actionError && (
        <p className="error" role="alert">
          {actionError}
        </p>
      )}
      {data && (
        <table className="series-table sessions" data-testid="sessions">
          <thead>
            <tr>
              <th className="num">pid</th>
              <th>User</th>
              <th>Database</th>
              <th>Application</th>
              <th>State</th>
              <th>Waiting on</th>
              <th className="num">For</th>
              <th>Query</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.sessions.map((s) => (
              <tr
                key={s.pid}
                data-pid={s.pid}
                className={[s.blockedBy.length ? 'blocked' : '', s.pid === focus ? 'focused' : ''].join(' ').trim()}
                aria-current={s.pid === focus ? 'true' : undefined}
              >
                <td className="num">{s.pid}</td>
                <td>{s.user}</td>
                <td>{s.database}</td>
                <td>{s.application}</td>
                <td>{s.state}</td>
                <td>
                  {s.waitEventType ? `${s.waitEventType}: ${s.waitEvent}` : ''}
                  {s.blockedBy.length ? ` (blocked by ${s.blockedBy.join(', ')})` : ''}
                </td>
                <td className="num">{age(s) === null ? '' : formatSeconds(age(s)!)}</td>
                <td className="query" title={s.query}>
                  <code>{s.query.replace(/\s+/g, ' ').slice(0, 120)}</code>
                </td>
                <td>
                  {!profile.readOnly && (
                    <>
                      <button onClick={() => setPending({ pid: s.pid, action: 'cancel' })}>Cancel</button>{' '}
                      <button className="danger" onClick={() => setPending({ pid: s.pid, action: 'terminate' })}>
                        Terminate
                      </button>
                    </>
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
