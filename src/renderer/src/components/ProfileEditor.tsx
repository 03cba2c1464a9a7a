import { useMemo, useState, type ReactNode } from 'react'
import { BUILTIN_ENVIRONMENTS, type ProfileSummary } from '../../../shared/schemas'
import { deleteProfile, saveProfileDraft } from '../app/controller'
import { draftOf, draftToInput, emptyDraft, TARGET_KINDS, targetActions, type ProfileDraft, type SecretField } from '../lib/profile-draft'
import { ConfirmField, confirmationFor } from './ConfirmField'

export type EditorMode = { kind: 'new' } | { kind: 'edit'; profile: ProfileSummary } | { kind: 'duplicate'; profile: ProfileSummary }

/** The select's value for an environment of the team's own (its name is typed beside it). */
const CUSTOM = '__custom'

const TITLE = { new: 'New profile', edit: 'Edit profile', duplicate: 'Duplicate profile' } as const

/**
 * Every field of a profile, checked as it is typed against the schema the core checks. Passwords
 * are typed into fields of their own and go to the core once; the editor only ever knows whether
 * one is set. A change the profile's environment guards (its environment, read-only flag,
 * endpoints) asks for that environment's confirmation, as the core demands.
 */
export function ProfileEditor({ mode, onDone }: { mode: EditorMode; onDone(): void }) {
  const stored = mode.kind === 'new' ? null : mode.profile
  const [draft, setDraft] = useState<ProfileDraft>(() =>
    mode.kind === 'new'
      ? emptyDraft()
      : { ...draftOf(mode.profile), name: mode.kind === 'duplicate' ? `${mode.profile.name}-copy` : mode.profile.name }
  )
  const [touched, setTouched] = useState<Set<string>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [needConfirm, setNeedConfirm] = useState<string | null>(null)
  const [deleting, setDeleting] = useState(false)
  const [busy, setBusy] = useState(false)
  const { input, problems, ok } = useMemo(() => draftToInput(draft, stored), [draft, stored])
  const custom = !(BUILTIN_ENVIRONMENTS as readonly string[]).includes(draft.environment)

  const set = <K extends keyof ProfileDraft>(k: K, v: ProfileDraft[K]) => {
    setDraft((d) => ({ ...d, [k]: v }))
    setTouched((t) => new Set(t).add(String(k)))
  }
  const setPassword = (f: SecretField, v: string) => setDraft((d) => ({ ...d, passwords: { ...d.passwords, [f]: v } }))

  async function save(confirmation?: string) {
    setBusy(true)
    setError(null)
    const r = await saveProfileDraft(input, {
      replace: mode.kind === 'edit',
      copySecretsFrom: mode.kind === 'duplicate' ? mode.profile.name : undefined,
      confirmation
    })
    setBusy(false)
    // Saved: the profile opened, which closed this editor already.
    if (r === null) return
    if (r.confirm) setNeedConfirm(r.message)
    else setError(r.message)
  }

  // Whose confirmation a save needs: the profile being edited, or the one whose secrets a duplicate copies.
  const confirmer = stored
  const field = (name: keyof ProfileDraft & string, label: string, control: ReactNode, hint?: string) => {
    const problem = problems[name] && (touched.has(name) || draft[name as keyof ProfileDraft] !== '') ? problems[name] : null
    return (
      <label className={problem ? 'invalid' : undefined}>
        {label}
        {control}
        {problem ? (
          <span className="field-error" role="alert" id={`err-${name}`}>
            {problem}
          </span>
        ) : hint ? (
          <span className="hint">{hint}</span>
        ) : null}
      </label>
    )
  }
  const text = (name: keyof ProfileDraft & string, label: string, example = '', hint?: string) =>
    field(
      name,
      label,
      <input
        name={name}
        value={draft[name] as string}
        placeholder={example}
        autoComplete="off"
        spellCheck={false}
        aria-invalid={Boolean(problems[name])}
        aria-describedby={problems[name] ? `err-${name}` : undefined}
        onChange={(e) => set(name, e.target.value as never)}
      />,
      hint
    )
  const password = (f: SecretField, label: string) => {
    const held = stored?.secrets[f] ?? false
    return (
      <label className="password">
        {label}
        <input
          type="password"
          name={`${f}-password`}
          autoComplete="new-password"
          value={draft.passwords[f] ?? ''}
          placeholder={held ? 'set · leave empty to keep' : 'not set'}
          onChange={(e) => setPassword(f, e.target.value)}
        />
      </label>
    )
  }
  const check = (name: keyof ProfileDraft & string, label: string) => (
    <label className="inline">
      <input type="checkbox" name={name} checked={draft[name] as boolean} onChange={(e) => set(name, e.target.checked as never)} /> {label}
    </label>
  )

  return (
    <form
      className="profile-form"
      aria-label={TITLE[mode.kind]}
      onSubmit={(e) => {
        e.preventDefault()
        if (ok) void save()
      }}
    >
      <h2>
        {mode.kind === 'edit' ? `Edit ${stored!.name}` : mode.kind === 'duplicate' ? `Duplicate ${stored!.name}` : 'New connection profile'}
      </h2>
      <fieldset>
        <legend>Profile</legend>
        {field(
          'name',
          'Name',
          <input
            name="name"
            value={draft.name}
            readOnly={mode.kind === 'edit'}
            placeholder="checkout-prod"
            aria-invalid={Boolean(problems.name)}
            onChange={(e) => set('name', e.target.value)}
          />,
          mode.kind === 'edit' ? 'to rename, duplicate it and delete this one' : undefined
        )}
        {field(
          'environment',
          'Environment',
          <select
            name="environment"
            value={custom ? CUSTOM : draft.environment}
            onChange={(e) => {
              const env = e.target.value === CUSTOM ? '' : e.target.value
              set('environment', env)
              // Production starts read-only; the user may still untick it.
              if ((env === 'prod' || e.target.value === CUSTOM) && mode.kind === 'new') set('readOnly', true)
            }}
          >
            <option value="dev">dev</option>
            <option value="staging">staging</option>
            <option value="prod">prod</option>
            <option value={CUSTOM}>another…</option>
          </select>
        )}
        {custom && (
          <div className="row">
            {text('environment', 'Its name', 'eu-prod')}
            <label>
              Bar colour
              <input
                type="color"
                name="environmentColor"
                value={draft.environmentColor || '#b3261e'}
                onChange={(e) => set('environmentColor', e.target.value)}
              />
            </label>
            {check('production', 'Production: its name typed to confirm, ANALYZE off, alerts page')}
          </div>
        )}
        {check('readOnly', 'Read-only: refuse every action that changes a server')}
        {text('pollIntervalMs', 'Poll every (ms)', '2000')}
        {field(
          'allowedActions',
          'Allowed actions (empty: all, each confirmed; else one per line)',
          <textarea
            name="allowedActions"
            rows={2}
            value={draft.allowedActions}
            placeholder={targetActions().slice(0, 3).join('\n')}
            onChange={(e) => set('allowedActions', e.target.value)}
          />,
          `one of: ${targetActions().join(', ')}`
        )}
        {field('notes', 'Notes', <textarea name="notes" rows={2} value={draft.notes} onChange={(e) => set('notes', e.target.value)} />)}
      </fieldset>
      <fieldset>
        <legend>Per target (empty: the profile’s interval, and a timeout of one interval up to 5 s)</legend>
        {TARGET_KINDS.map((k) => (
          <div className="row" key={k}>
            {(
              [
                ['pollIntervalMs', 'poll', `${k} poll every (ms)`],
                ['timeoutMs', 'timeout', 'timeout (ms)']
              ] as const
            ).map(([setting, suffix, label]) => (
              <label key={setting}>
                {label}
                <input
                  name={`${k}-${suffix}`}
                  inputMode="numeric"
                  value={draft.targetSettings[k][setting]}
                  onChange={(e) =>
                    set('targetSettings', { ...draft.targetSettings, [k]: { ...draft.targetSettings[k], [setting]: e.target.value } })
                  }
                />
              </label>
            ))}
          </div>
        ))}
        {problems.targetSettings && (
          <span className="field-error" role="alert">
            {problems.targetSettings}
          </span>
        )}
      </fieldset>
      <fieldset>
        <legend>PostgreSQL</legend>
        {text('postgres', 'DSN', 'postgresql://monitor@db.internal:5432/app?sslmode=verify-full&sslrootcert=/path/ca.pem')}
        {password('postgres', 'Password')}
        {text('postgresDatabases', 'Other databases on this server (each its own target)', 'analytics, billing')}
        {check('allowExplainAnalyze', 'Allow EXPLAIN ANALYZE on prod (it runs the statement, rolled back)')}
        {text('explainAnalyzeFunctions', 'Functions EXPLAIN ANALYZE may run', 'public.price_with_tax')}
        {text('thresholds', 'Check thresholds (name=value, one per line)', 'long_running_query_s=30')}
      </fieldset>
      <fieldset>
        <legend>Redis</legend>
        {text('redis', 'URL', 'redis://cache.internal:6379/0, rediss://…, redis+sentinel://…')}
        {password('redis', 'Password')}
        {text('redisCaFile', 'CA file (rediss://)', '/etc/ssl/redis-ca.pem')}
        {text('redisCertFile', 'Client certificate (when the server asks for one)', '/etc/ssl/lookout.pem')}
        {text('redisKeyFile', 'Client key', '/etc/ssl/lookout.key')}
        {text('redisReplica', 'Replica URL (key-space analysis reads there)', 'redis://replica.internal:6379/0')}
        {password('redisReplica', 'Replica password')}
        {check('allowFlush', 'Allow FLUSHDB (still confirmed every time)')}
      </fieldset>
      <fieldset>
        <legend>Prometheus</legend>
        {text('prometheus', 'Prometheus server', 'http://prometheus.internal:9090')}
        {password('prometheus', 'Prometheus password')}
        {text('alertmanager', 'Alertmanager', 'http://alertmanager.internal:9093')}
        {password('alertmanager', 'Alertmanager password')}
        {text('metrics', '/metrics URLs (one per line)', 'http://app.internal:8080/metrics')}
      </fieldset>
      <fieldset>
        <legend>SSH bastion</legend>
        {text('ssh', 'Bastion', 'ssh://ops@bastion.example or an alias from ~/.ssh/config')}
        {password('ssh', 'Key passphrase (or login password when no key)')}
        {text('sshIdentityFile', 'Key file', '~/.ssh/id_ed25519 (else ~/.ssh/config, then the defaults)')}
        {text('sshProxyJump', 'Jump host', 'ops@jump.example:22')}
        {text('sshHostKey', 'Pinned host key', 'SHA256:… (else ~/.ssh/known_hosts)')}
        {text('sshKnownHostsFile', 'known_hosts file', '~/.ssh/known_hosts')}
        <div className={problems.sshTargets ? 'invalid row' : 'row'}>
          {check('sshPostgres', 'Postgres through it')}
          {check('sshRedis', 'Redis through it')}
          {problems.sshTargets && (
            <span className="field-error" role="alert">
              {problems.sshTargets}
            </span>
          )}
        </div>
      </fieldset>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {needConfirm && confirmer && (
        <p className="pending" role="alert">
          {needConfirm}{' '}
          <ConfirmField profile={{ ...confirmer, readOnly: false }} action="Save" busy={busy} onConfirm={(c) => void save(c)} />
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy || !ok}>
          {mode.kind === 'edit' ? 'Save' : 'Save and open'}
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        {mode.kind === 'edit' && !deleting && (
          <button type="button" className="danger" onClick={() => setDeleting(true)}>
            Delete profile…
          </button>
        )}
      </div>
      {mode.kind === 'edit' && deleting && (
        <p className="pending">
          Delete {stored!.name} and its stored passwords? Type {confirmationFor(stored!)}:{' '}
          <ConfirmField
            profile={{ ...stored!, readOnly: false }}
            action="Delete"
            busy={busy}
            onConfirm={(c) =>
              void deleteProfile(stored!.name, c).then((err) => {
                if (err) setError(err)
                else onDone()
              })
            }
          />
        </p>
      )}
    </form>
  )
}
