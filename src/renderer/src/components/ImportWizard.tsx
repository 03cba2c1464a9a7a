import { useState } from 'react'
import type { Environment, ImportPlan, ImportSource, ProfileSummary } from '../../../shared/schemas'
import { importProfiles, previewImport } from '../app/controller'
import { useSession } from '../stores/session'
import { ConfirmField } from './ConfirmField'

const SOURCES: { id: ImportSource; label: string }[] = [
  { id: 'pg-service', label: 'pg_service.conf (PGSERVICEFILE, ~/.pg_service.conf)' },
  { id: 'pgpass', label: '.pgpass (PGPASSFILE, ~/.pgpass)' },
  { id: 'env', label: 'PG* environment variables' },
  { id: 'file', label: 'a file of exported profiles' },
  { id: 'url', label: 'URLs (postgres://, redis://, rediss://, redis+sentinel://, Prometheus)' }
]

type Item = ImportPlan['items'][number]

/**
 * Import from the files SREs already have. The core reads them (on the machine it runs on) and
 * answers with a plan: what would be created, updated, left alone or skipped, and why. Nothing
 * is created before the user has seen that plan and chosen. A new password for an existing
 * profile is a change to it, confirmed per profile like any other.
 */
export function ImportWizard({ onDone }: { onDone(opened: string | null): void }) {
  const profiles = useSession((s) => s.profiles)
  const [from, setFrom] = useState<ImportSource>('pg-service')
  const [environment, setEnvironment] = useState<Environment | ''>('')
  const [plan, setPlan] = useState<ImportPlan | null>(null)
  const [chosen, setChosen] = useState<Set<string>>(new Set())
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const [done, setDone] = useState<string[]>([])
  /** The exported file's text, or the URLs typed: what the core reads for those sources. */
  const [fileText, setFileText] = useState<string | null>(null)
  const [urls, setUrls] = useState('')
  const source = () => ({
    from,
    environment: environment || undefined,
    ...(from === 'file' ? { text: fileText ?? '' } : {}),
    ...(from === 'url' ? { urls: urls.split(/\s+/).filter(Boolean) } : {})
  })

  async function preview() {
    setBusy(true)
    setError(null)
    const r = await previewImport(source())
    setBusy(false)
    if ('error' in r) return setError(r.error)
    setPlan(r.plan)
    setChosen(new Set(r.plan.items.filter((i) => i.action === 'create').map((i) => i.name)))
  }

  async function run(names: string[], confirmation?: string) {
    setBusy(true)
    setError(null)
    const r = await importProfiles({ ...source(), names, confirmation })
    setBusy(false)
    if ('error' in r) return setError(r.error)
    setDone((d) => [...d, ...r.created, ...r.updated])
    setPlan(r.plan)
    setChosen(new Set())
  }

  const creates = plan?.items.filter((i) => i.action === 'create' && chosen.has(i.name)) ?? []
  return (
    <section className="import-wizard" aria-label="Import profiles">
      <h2>Import profiles</h2>
      <div className="row">
        <label>
          From{' '}
          <select
            aria-label="Import from"
            value={from}
            onChange={(e) => {
              // A new source makes the plan shown stale.
              setFrom(e.target.value as ImportSource)
              setPlan(null)
            }}
          >
            {SOURCES.map((s) => (
              <option key={s.id} value={s.id}>
                {s.label}
              </option>
            ))}
          </select>
        </label>{' '}
        <label>
          Environment{' '}
          <select
            aria-label="Environment of imported profiles"
            value={environment}
            onChange={(e) => {
              setEnvironment(e.target.value as Environment | '')
              setPlan(null)
            }}
          >
            <option value="">from each name (else prod)</option>
            <option value="dev">dev</option>
            <option value="staging">staging</option>
            <option value="prod">prod</option>
          </select>
        </label>{' '}
        <button
          onClick={() => void preview()}
          disabled={busy || (from === 'file' && fileText === null) || (from === 'url' && !urls.trim())}
        >
          Preview
        </button>{' '}
        <button onClick={() => onDone(done[0] ?? null)}>Close</button>
      </div>
      {from === 'file' && (
        <label>
          Exported file{' '}
          <input
            type="file"
            aria-label="Exported profiles file"
            accept=".json,application/json"
            onChange={(e) => {
              setPlan(null)
              const f = e.target.files?.[0]
              if (f) void f.text().then(setFileText)
            }}
          />
        </label>
      )}
      {from === 'url' && (
        <label className="urls">
          URLs, one per line (a password in one goes to the secret store)
          <textarea
            aria-label="URLs to import"
            rows={4}
            spellCheck={false}
            value={urls}
            onChange={(e) => {
              setUrls(e.target.value)
              setPlan(null)
            }}
          />
        </label>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {done.length > 0 && <p role="status">Imported: {done.join(', ')}</p>}
      {plan && <PlanTable plan={plan} profiles={profiles} chosen={chosen} setChosen={setChosen} busy={busy} run={run} />}
      {plan && (
        <button disabled={busy || creates.length === 0} onClick={() => void run(creates.map((i) => i.name))}>
          Create {creates.length} profile{creates.length === 1 ? '' : 's'}
        </button>
      )}
    </section>
  )
}

function PlanTable({
  plan,
  profiles,
  chosen,
  setChosen,
  busy,
  run
}: {
  plan: ImportPlan
  profiles: ProfileSummary[]
  chosen: Set<string>
  setChosen(s: Set<string>): void
  busy: boolean
  run(names: string[], confirmation?: string): Promise<void>
}) {
  const toggle = (name: string) => {
    const next = new Set(chosen)
    if (next.has(name)) next.delete(name)
    else next.add(name)
    setChosen(next)
  }
  return (
    <>
      <p className="muted">Read: {plan.sources.join(', ') || 'nothing'}</p>
      {plan.problems.length > 0 && (
        <ul className="problems" aria-label="Import problems">
          {plan.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {plan.items.length === 0 ? (
        <p>Nothing to import from there.</p>
      ) : (
        <table className="plan" aria-label="Import plan">
          <thead>
            <tr>
              <th />
              <th>Profile</th>
              <th>Action</th>
              <th>Environment</th>
              <th>Endpoints</th>
              <th>Password</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {plan.items.map((i) => (
              <tr key={i.name} data-import={i.name} data-action={i.action}>
                <td>
                  {i.action === 'create' && (
                    <input type="checkbox" aria-label={`Create ${i.name}`} checked={chosen.has(i.name)} onChange={() => toggle(i.name)} />
                  )}
                </td>
                <td>{i.name}</td>
                <td>{i.action}</td>
                <td>
                  <span className={`env env-${i.environment}`}>{i.environment}</span>
                  {i.environmentGuessed ? ' (guessed)' : ''}
                </td>
                <td>
                  <code>{[i.postgres, ...i.endpoints].filter(Boolean).join(' ')}</code>
                </td>
                <td>{i.passwordFrom ?? 'none found'}</td>
                <td>
                  <Why item={i} />
                  {i.action === 'update' && <UpdateConfirm item={i} profiles={profiles} busy={busy} run={run} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  )
}

function Why({ item }: { item: Item }) {
  const lines = [item.reason, ...item.changes, ...item.notes].filter((x): x is string => Boolean(x))
  return <>{lines.join('; ')}</>
}

/** An existing profile gets its new password only with its own environment's confirmation. */
function UpdateConfirm({
  item,
  profiles,
  busy,
  run
}: {
  item: Item
  profiles: ProfileSummary[]
  busy: boolean
  run(names: string[], confirmation?: string): Promise<void>
}) {
  const existing = profiles.find((p) => p.name === item.name)
  if (!existing) return null
  // Giving a read-only profile a password edits the profile, not its servers: allowed, confirmed.
  return (
    <ConfirmField
      profile={{ ...existing, readOnly: false }}
      action={`Update ${item.name}`}
      busy={busy}
      onConfirm={(c) => void run([item.name], c)}
    />
  )
}
