import { useMemo, useState } from 'react'
import { AlertRule, type AlertRuleInput, type RulePreview, type RuleWatch } from '../../../../shared/alert-rules'
import type { ProfileSummary } from '../../../../shared/schemas'
import { api } from '../../api'
import { clockLabel, formatValue } from '../../lib/format'
import { SERIES_METRICS } from '../../lib/alert-view'
import { PreviewChart } from './PreviewChart'

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

const num = (v: string): number | undefined => (v.trim() === '' ? undefined : Number(v))

/**
 * Makes or edits a rule for one profile (or for every profile, in the pack). The rule is checked
 * against the same schema the core uses as it is typed; Preview replays it over the data the
 * core holds and draws when it would have fired.
 */
export function RuleEditor({
  profile,
  initial,
  onDone
}: {
  profile: ProfileSummary
  initial: AlertRuleInput
  onDone(saved: string | null): void
}) {
  const [draft, setDraft] = useState<AlertRuleInput>(initial)
  const [scope, setScope] = useState<'profile' | 'pack'>('profile')
  const [preview, setPreview] = useState<RulePreview | null>(null)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)
  const [confirming, setConfirming] = useState<string | null>(null)
  const [typed, setTyped] = useState('')
  const parsed = useMemo(() => AlertRule.safeParse(draft), [draft])
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || 'rule'}: ${i.message}`)
  const set = (patch: Partial<AlertRuleInput>) => {
    setDraft((d) => ({ ...d, ...patch }))
    setPreview(null)
  }
  const setWatch = (w: AlertRuleInput['watch']) => set({ watch: w })
  const w = draft.watch

  async function runPreview() {
    if (!parsed.success) return
    setBusy(true)
    setError(null)
    try {
      setPreview(await api.call('alerts.preview', { profile: profile.name, rule: parsed.data }))
    } catch (err) {
      setError(message(err))
    } finally {
      setBusy(false)
    }
  }

  async function save(confirmation?: string) {
    if (!parsed.success) return
    setBusy(true)
    setError(null)
    try {
      await api.call('alerts.saveRule', { ...(scope === 'profile' ? { profile: profile.name } : {}), rule: parsed.data, confirmation })
      onDone(parsed.data.name)
    } catch (err) {
      // Turning a rule off on production asks for the profile's name.
      if ((err as { reason?: string }).reason === 'confirmation_required') setConfirming(message(err))
      else setError(message(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <form className="rule-editor" aria-label="Rule editor" onSubmit={(e) => e.preventDefault()}>
      <div className="grid-form">
        <label>
          Name
          <input value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        <label>
          Watches
          <select
            aria-label="Watches"
            value={w.kind}
            onChange={(e) => {
              const kind = e.target.value as RuleWatch['kind']
              if (kind === 'series') setWatch({ kind, metric: 'redis_hitrate' })
              if (kind === 'finding') setWatch({ kind, check: 'blocked_session' })
              if (kind === 'scraped') setWatch({ kind, metric: 'http_request_duration_seconds', matchers: [] })
              if (kind === 'promql') {
                set({ watch: { kind, expr: 'up == 0' }, aggregation: 'last', threshold: undefined })
                return
              }
            }}
          >
            <option value="series">a series Lookout collects</option>
            <option value="finding">a check’s findings</option>
            <option value="scraped">a /metrics family</option>
            <option value="promql">a PromQL expression</option>
          </select>
        </label>
        {w.kind === 'series' && (
          <label>
            Series
            <select aria-label="Series" value={w.metric} onChange={(e) => setWatch({ ...w, metric: e.target.value })}>
              {SERIES_METRICS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </label>
        )}
        {w.kind === 'finding' && (
          <label>
            Check
            <input aria-label="Check" value={w.check} onChange={(e) => setWatch({ ...w, check: e.target.value })} />
          </label>
        )}
        {w.kind === 'scraped' && (
          <label>
            Family
            <input aria-label="Family" value={w.metric} onChange={(e) => setWatch({ ...w, metric: e.target.value })} />
          </label>
        )}
        {w.kind === 'promql' && (
          <label className="wide">
            Expression
            <input aria-label="Expression" value={w.expr} onChange={(e) => setWatch({ ...w, expr: e.target.value })} />
          </label>
        )}
        {w.kind !== 'promql' && (
          <>
            <label>
              Aggregation
              <select
                aria-label="Aggregation"
                value={draft.aggregation ?? 'last'}
                onChange={(e) => set({ aggregation: e.target.value as AlertRuleInput['aggregation'] })}
              >
                {(w.kind === 'scraped'
                  ? ['last', 'avg', 'max', 'min', 'rate', 'increase', 'p95', 'p99', 'ratio']
                  : ['last', 'avg', 'max', 'min', 'rate', 'increase']
                ).map((a) => (
                  <option key={a}>{a}</option>
                ))}
              </select>
            </label>
            <label>
              Window (s)
              <input
                aria-label="Window"
                type="number"
                value={draft.windowS ?? 60}
                onChange={(e) => set({ windowS: Number(e.target.value) })}
              />
            </label>
          </>
        )}
        <label>
          Condition
          <span className="inline">
            <select
              aria-label="Comparator"
              value={draft.comparator ?? '>'}
              onChange={(e) => set({ comparator: e.target.value as AlertRuleInput['comparator'] })}
            >
              {['>', '>=', '<', '<=', '==', '!='].map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
            <input
              aria-label="Threshold"
              type="number"
              value={draft.threshold ?? ''}
              onChange={(e) => set({ threshold: num(e.target.value) })}
            />
          </span>
        </label>
        <label>
          For (s)
          <input aria-label="For" type="number" value={draft.forS ?? 0} onChange={(e) => set({ forS: Number(e.target.value) })} />
        </label>
        <label>
          Keep firing for (s)
          <input
            aria-label="Keep firing for"
            type="number"
            value={draft.keepFiringForS ?? 0}
            onChange={(e) => set({ keepFiringForS: Number(e.target.value) })}
          />
        </label>
        <label title="Hysteresis: once firing, the value must cross this to clear. Lookout only: not exported.">
          Clears at (optional)
          <input
            aria-label="Clear threshold"
            type="number"
            value={draft.clearThreshold ?? ''}
            onChange={(e) => set({ clearThreshold: num(e.target.value) })}
          />
        </label>
        <label title="Flap damping: a resolved alert that holds again within this many seconds comes back firing at once, without notifying again. Lookout only.">
          Flap damping (s)
          <input
            aria-label="Flap damping"
            type="number"
            value={draft.flapDampingS ?? 0}
            onChange={(e) => set({ flapDampingS: Number(e.target.value) })}
          />
        </label>
        <label>
          Severity
          <select
            aria-label="Severity"
            value={draft.severity ?? 'warning'}
            onChange={(e) => set({ severity: e.target.value as AlertRuleInput['severity'] })}
          >
            <option>critical</option>
            <option>warning</option>
            <option>info</option>
          </select>
        </label>
        <label className="wide">
          Summary ({'{{ $value }}'}, {'{{ $labels.target }}'})
          <input aria-label="Summary" value={draft.summary ?? ''} onChange={(e) => set({ summary: e.target.value })} />
        </label>
        <label className="wide">
          What to do
          <input aria-label="Description" value={draft.description ?? ''} onChange={(e) => set({ description: e.target.value })} />
        </label>
        <label className="wide">
          Runbook URL
          <input
            aria-label="Runbook URL"
            value={draft.runbookUrl ?? ''}
            onChange={(e) => set({ runbookUrl: e.target.value.trim() === '' ? undefined : e.target.value.trim() })}
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={draft.enabled ?? true} onChange={(e) => set({ enabled: e.target.checked })} /> Enabled
        </label>
        <label>
          For
          <select aria-label="Scope" value={scope} onChange={(e) => setScope(e.target.value as 'profile' | 'pack')}>
            <option value="profile">this profile ({profile.name})</option>
            <option value="pack">every profile (the pack)</option>
          </select>
        </label>
      </div>
      {problems.length > 0 && (
        <ul className="problems" aria-label="Problems">
          {problems.map((p) => (
            <li key={p} className="error">
              {p}
            </li>
          ))}
        </ul>
      )}
      <div className="toolbar">
        <button type="button" disabled={!parsed.success || busy} onClick={() => void runPreview()}>
          Preview
        </button>
        <button type="button" className="primary" disabled={!parsed.success || busy} onClick={() => void save()}>
          Save rule
        </button>
        <button type="button" className="link" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
      {confirming && (
        <p className="confirm">
          {confirming}{' '}
          <input aria-label="Confirmation" value={typed} onChange={(e) => setTyped(e.target.value)} placeholder="type the profile's name" />
          <button type="button" className="danger" disabled={busy || !typed} onClick={() => void save(typed)}>
            Confirm
          </button>
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {preview && <PreviewResult preview={preview} />}
    </form>
  )
}

function PreviewResult({ preview }: { preview: RulePreview }) {
  return (
    <section className="rule-preview" aria-label="Preview">
      {preview.note && <p className="muted">{preview.note}</p>}
      {preview.targets.map((t) => {
        const fired = t.transitions.filter((x) => x.to === 'firing')
        return (
          <div key={t.target}>
            <h4>
              {t.target}:{' '}
              {fired.length
                ? `would have fired ${fired.length} time${fired.length > 1 ? 's' : ''}, first at ${clockLabel(fired[0]!.at)}`
                : t.transitions.some((x) => x.to === 'pending')
                  ? 'would have gone pending, never firing'
                  : 'would not have fired'}
            </h4>
            {t.t.length > 1 && <PreviewChart preview={preview} target={t} />}
            {t.t.length === 1 && <p>value now: {formatValue(t.v[0] ?? null, '')}</p>}
            {t.transitions.length > 0 && (
              <ol className="transitions">
                {t.transitions.slice(0, 20).map((x, i) => (
                  <li key={i}>
                    {clockLabel(x.at)} {x.from} → {x.to}
                    {Object.keys(x.labels).length
                      ? ` (${Object.entries(x.labels)
                          .map(([k, v]) => `${k}=${v}`)
                          .join(', ')})`
                      : ''}
                  </li>
                ))}
              </ol>
            )}
          </div>
        )
      })}
    </section>
  )
}
