import { Fragment, useEffect, useState } from 'react'
import type { AlertRuleInput, EffectiveRule, NotificationPolicy } from '../../../../shared/alert-rules'
import type { Alert } from '../../../../shared/schemas'
import { api } from '../../api'
import { useNow } from '../../app/useNow'
import { blankRule, describeCondition, describeWatch, groupAlerts, muteLabel } from '../../lib/alert-view'
import { formatAgo, formatValue } from '../../lib/format'
import { useSession } from '../../stores/session'
import { useView } from '../../stores/view'
import { AlertHistory } from './AlertHistory'
import { LocalSilences } from './LocalSilences'
import { RuleEditor } from './RuleEditor'
import { SilenceForm, SilencesPanel } from './SilencesPanel'

type Tab = 'alerts' | 'rules' | 'history' | 'silences'

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Every watched profile's alerts: firing ones grouped by severity and profile, then pending and
 * no-data ones, then those resolved in the last 15 minutes; with each one's age, value, runbook,
 * why it is muted, and acknowledge, snooze and silence. The tabs hold the profile's rules (with
 * the editor and its preview), the history, and the silences.
 */
export function AlertsView() {
  const alerts = useSession((s) => s.alerts)
  const profile = useSession((s) => s.profiles.find((p) => p.name === s.active))
  const focus = useView((s) => s.focus)
  const now = useNow()
  const [tab, setTab] = useState<Tab>('alerts')
  const [notice, setNotice] = useState<string | null>(null)
  const [silencing, setSilencing] = useState<{ alert: Alert; where: 'local' | 'am' } | null>(null)
  const [refresh, setRefresh] = useState(0)
  const focusedId = focus?.kind === 'alert' ? focus.id : null
  useEffect(() => {
    if (focusedId) {
      setTab('alerts')
      document.querySelector(`[data-alert-id="${CSS.escape(focusedId)}"]`)?.scrollIntoView({ block: 'center' })
    }
  }, [focusedId])

  async function mute(a: Alert, how: 'ack' | 'snooze' | 'unmute', forS?: number) {
    try {
      await api.call('alerts.mute', { id: a.id, how, ...(forS ? { forS } : {}) })
      setNotice(
        how === 'ack' ? `${a.name} acknowledged.` : how === 'snooze' ? `${a.name} snoozed for ${forS! / 3600} h.` : `${a.name} unmuted.`
      )
    } catch (err) {
      setNotice(message(err))
    }
  }

  const pendingOrNoData = alerts.other.filter((a) => a.state === 'pending' || a.state === 'nodata')
  const resolved = alerts.other.filter((a) => a.state === 'resolved')
  const row = (a: Alert) => (
    <Fragment key={a.id}>
      <tr
        data-alert={a.name}
        data-alert-id={a.id}
        data-state={a.state}
        className={`sev-${a.severity}${a.id === focusedId ? ' focused' : ''}`}
      >
        <td>
          <span className={`badge badge-${a.severity === 'critical' ? 'down' : a.severity === 'warning' ? 'degraded' : 'pending'}`}>
            {a.severity}
          </span>
          {a.state !== 'firing' && <span className={`badge state-${a.state}`}>{a.state === 'nodata' ? 'no data' : a.state}</span>}
        </td>
        <td>
          <strong>{a.name}</strong>
          {a.muted.map((m) => (
            <span key={m.kind} className="badge badge-pending silenced" title={m.detail}>
              {muteLabel(m, now)}
            </span>
          ))}
          <div className="muted">
            <code>
              {Object.entries(a.labels)
                .filter(([k]) => !['alertname', 'severity', 'profile', 'endpoint'].includes(k))
                .map(([k, v]) => `${k}="${v}"`)
                .join(', ')}
            </code>
          </div>
        </td>
        <td>
          {a.summary}
          {a.description && <div className="muted">{a.description}</div>}
          {a.runbookUrl && (
            <div>
              <a href={a.runbookUrl} target="_blank" rel="noopener noreferrer" className="runbook">
                Runbook
              </a>
            </div>
          )}
        </td>
        <td>{a.value === null ? (a.state === 'nodata' ? 'no data' : '') : formatValue(a.value, '')}</td>
        <td>
          {a.source === 'prometheus' ? 'Prometheus rule' : 'Lookout'} · {a.profile}/{a.targetId}
        </td>
        <td title={new Date(a.since).toISOString()}>
          {a.state === 'resolved' && a.resolvedAt ? `resolved ${formatAgo(a.resolvedAt, now)}` : formatAgo(a.firedAt ?? a.since, now)}
        </td>
        <td className="actions">
          {a.state !== 'resolved' && a.source === 'lookout' && (
            <>
              {a.muted.some((m) => m.kind === 'ack' || m.kind === 'snooze') ? (
                <button className="link" onClick={() => void mute(a, 'unmute')}>
                  Unmute
                </button>
              ) : (
                <>
                  <button className="link" onClick={() => void mute(a, 'ack')}>
                    Ack
                  </button>
                  <button className="link" onClick={() => void mute(a, 'snooze', 3600)}>
                    Snooze 1 h
                  </button>
                </>
              )}
            </>
          )}
          <button className="link" onClick={() => setSilencing({ alert: a, where: 'local' })}>
            Silence…
          </button>
          {a.source === 'prometheus' &&
            profile?.alertmanager &&
            a.profile === profile.name &&
            !profile.readOnly &&
            !a.muted.some((m) => m.kind === 'alertmanager') && (
              <button className="link" onClick={() => setSilencing({ alert: a, where: 'am' })}>
                Silence in Alertmanager…
              </button>
            )}
        </td>
      </tr>
      {silencing?.alert.id === a.id && (
        <tr>
          <td colSpan={7}>
            {silencing.where === 'am' && profile ? (
              <SilenceForm
                profile={profile}
                alert={a}
                onDone={(msg) => {
                  setSilencing(null)
                  if (msg) {
                    setNotice(msg)
                    setRefresh((n) => n + 1)
                  }
                }}
              />
            ) : (
              <LocalSilences
                initial={{ alertname: a.name, profile: a.profile, target: a.targetId }}
                onDone={(msg) => {
                  setSilencing(null)
                  if (msg) setNotice(msg)
                }}
                formOnly
              />
            )}
          </td>
        </tr>
      )}
    </Fragment>
  )
  const table = (list: Alert[]) => (
    <table className="series-table alerts-table">
      <tbody>{list.map(row)}</tbody>
    </table>
  )

  return (
    <section className="alerts-view" aria-label="Alerts">
      <nav className="subtabs" aria-label="Alert panels">
        {(['alerts', 'rules', 'history', 'silences'] as Tab[]).map((t) => (
          <button
            key={t}
            className={tab === t ? 'tab active' : 'tab'}
            aria-current={tab === t ? 'page' : undefined}
            onClick={() => setTab(t)}
          >
            {t === 'alerts' ? `Alerts (${alerts.firing.length})` : t[0]!.toUpperCase() + t.slice(1)}
          </button>
        ))}
      </nav>
      {notice && <p className="notice">{notice}</p>}
      {tab === 'alerts' && (
        <>
          {alerts.firing.length === 0 ? (
            <p className="empty">No alert is firing.</p>
          ) : (
            groupAlerts(alerts.firing).map((g) => (
              <section key={`${g.severity}/${g.profile}`} className="alert-group" aria-label={`${g.severity} on ${g.profile}`}>
                <h3>
                  <span className="sev">{g.severity}</span> · {g.profile} ({g.alerts.length})
                </h3>
                {table(g.alerts)}
              </section>
            ))
          )}
          {pendingOrNoData.length > 0 && (
            <section className="alert-group" aria-label="Pending and no data">
              <h3>Pending and no data ({pendingOrNoData.length})</h3>
              {table(pendingOrNoData)}
            </section>
          )}
          {resolved.length > 0 && (
            <section className="alert-group" aria-label="Resolved">
              <h3>Resolved in the last 15 minutes ({resolved.length})</h3>
              {table(resolved)}
            </section>
          )}
        </>
      )}
      {tab === 'rules' && profile && <RulesPanel profileName={profile.name} />}
      {tab === 'rules' && !profile && <p className="empty">Open a profile to see its rules.</p>}
      {tab === 'history' && <AlertHistory profile={profile?.name} />}
      {tab === 'silences' && (
        <>
          <LocalSilences onDone={(msg) => msg && setNotice(msg)} />
          {profile?.alertmanager && <SilencesPanel profile={profile} refreshKey={refresh} />}
        </>
      )}
    </section>
  )
}

/** The profile's effective rules, where each comes from, whether it exports; new, edit, delete, export. */
function RulesPanel({ profileName }: { profileName: string }) {
  const profile = useSession((s) => s.profiles.find((p) => p.name === profileName))!
  const [rules, setRules] = useState<EffectiveRule[] | null>(null)
  const [policy, setPolicy] = useState<NotificationPolicy | null>(null)
  const [problem, setProblem] = useState<string | null>(null)
  const [editing, setEditing] = useState<AlertRuleInput | null>(null)
  const [exported, setExported] = useState<{ text: string; skipped: { name: string; reason: string }[] } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [version, setVersion] = useState(0)
  useEffect(() => {
    api.call('alerts.rules', { profile: profileName }).then(
      (r) => {
        setRules(r.rules)
        setProblem(r.problem)
        setPolicy(r.policy)
      },
      (e: unknown) => setError(message(e))
    )
  }, [profileName, version])

  const [confirmDelete, setConfirmDelete] = useState<{ name: string; why: string } | null>(null)
  const [typed, setTyped] = useState('')
  async function remove(name: string, confirmation?: string) {
    try {
      await api.call('alerts.deleteRule', { profile: profileName, name, confirmation })
      setConfirmDelete(null)
      setVersion((v) => v + 1)
    } catch (err) {
      // On production, deleting a rule asks for the profile's name.
      if ((err as { reason?: string }).reason === 'confirmation_required') setConfirmDelete({ name, why: message(err) })
      else setError(message(err))
    }
  }

  if (editing)
    return (
      <RuleEditor
        profile={profile}
        initial={editing}
        onDone={(saved) => {
          setEditing(null)
          if (saved) setVersion((v) => v + 1)
        }}
      />
    )
  return (
    <section className="rules" aria-label="Rules">
      <div className="toolbar">
        <button onClick={() => setEditing(blankRule(profile.redis ? 'redis_hitrate' : profile.postgres ? 'postgres_cache_hit' : 'up'))}>
          New rule
        </button>
        <button
          onClick={() =>
            api.call('alerts.exportRules', { profile: profileName }).then(
              (r) => setExported(r),
              (e: unknown) => setError(message(e))
            )
          }
        >
          Export as Prometheus rules
        </button>
      </div>
      {policy && <PolicyForm policy={policy} onSaved={setPolicy} onError={setError} />}
      {problem && (
        <p className="error" role="alert">
          {problem}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {confirmDelete && (
        <p className="confirm">
          {confirmDelete.why}{' '}
          <input aria-label="Confirmation" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="type the profile's name" />
          <button className="danger" disabled={!typed} onClick={() => void remove(confirmDelete.name, typed)}>
            Delete {confirmDelete.name}
          </button>
        </p>
      )}
      {exported && (
        <div className="exported">
          <pre aria-label="Exported rule file">{exported.text || '# no rule of this profile can be written in PromQL'}</pre>
          {exported.skipped.length > 0 && (
            <ul className="muted">
              {exported.skipped.map((s) => (
                <li key={s.name}>
                  not exported: {s.name}: {s.reason}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {rules && (
        <table className="series-table">
          <thead>
            <tr>
              <th>Rule</th>
              <th>Watches</th>
              <th>Condition</th>
              <th>Severity</th>
              <th>From</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {rules.map(({ rule, origin, notExportable }) => (
              <tr key={rule.name} data-rule={rule.name} className={rule.enabled ? '' : 'disabled'}>
                <td>
                  <strong>{rule.name}</strong>
                  {!rule.enabled && <span className="badge">off</span>}
                  {notExportable && (
                    <span className="badge" title={notExportable}>
                      Lookout only
                    </span>
                  )}
                </td>
                <td>
                  <code>{describeWatch(rule.watch)}</code>
                </td>
                <td>
                  <code>{describeCondition(rule)}</code>
                </td>
                <td>{rule.severity}</td>
                <td>{origin === 'builtin' ? 'built-in' : origin === 'pack' ? 'pack' : 'this profile'}</td>
                <td>
                  <button className="link" onClick={() => setEditing(rule)}>
                    Edit
                  </button>
                  {origin === 'profile' && (
                    <button
                      className="link"
                      title="Delete this profile's rule: a pack or built-in rule of the same name applies again"
                      onClick={() => void remove(rule.name)}
                    >
                      Delete
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

/** How alerts notify, for every profile: warnings or not, forwarding, group wait, repeat interval. */
function PolicyForm({
  policy,
  onSaved,
  onError
}: {
  policy: NotificationPolicy
  onSaved(p: NotificationPolicy): void
  onError(e: string): void
}) {
  const [draft, setDraft] = useState(policy)
  const changed = JSON.stringify(draft) !== JSON.stringify(policy)
  const save = () =>
    api.call('alerts.setPolicy', { policy: draft }).then(
      (p) => onSaved(p),
      (e: unknown) => onError(message(e))
    )
  return (
    <fieldset className="policy" aria-label="Notifications">
      <legend>Notifications (every profile)</legend>
      <label>
        <input type="checkbox" checked={draft.notifyWarnings} onChange={(e) => setDraft({ ...draft, notifyWarnings: e.target.checked })} />{' '}
        warnings notify too (critical alerts always do)
      </label>
      <label>
        <input
          type="checkbox"
          checked={draft.forwardToAlertmanager}
          onChange={(e) => setDraft({ ...draft, forwardToAlertmanager: e.target.checked })}
        />{' '}
        send firing alerts to the profile’s Alertmanager
      </label>
      <label>
        group wait (s){' '}
        <input
          type="number"
          min={0}
          value={draft.groupWaitS}
          onChange={(e) => setDraft({ ...draft, groupWaitS: Number(e.target.value) })}
        />
      </label>
      <label>
        repeat after (min){' '}
        <input
          type="number"
          min={1}
          value={Math.round(draft.repeatIntervalS / 60)}
          onChange={(e) => setDraft({ ...draft, repeatIntervalS: Math.max(1, Number(e.target.value)) * 60 })}
        />
      </label>
      <button disabled={!changed} onClick={() => void save()}>
        Save
      </button>
    </fieldset>
  )
}
