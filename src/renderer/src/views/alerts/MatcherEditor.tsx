import { useEffect, useMemo, useState } from 'react'
import type { LabelMatcher } from '../../../../shared/alert-rules'
import type { Alert } from '../../../../shared/schemas'
import { api } from '../../api'
import { parseMatchers } from '../../lib/alert-view'

/**
 * Matchers as typed (`alertname="X", severity=~"crit.*"`), read as they are typed, with a preview
 * of the current alerts they would hit. Returns the matchers (null while they do not read) and
 * the editor to render.
 */
export function useMatcherEditor(initial: string): { matchers: LabelMatcher[] | null; editor: React.ReactNode } {
  const [text, setText] = useState(initial)
  const [hitsFor, setHits] = useState<{ key: string; alerts: Alert[] } | null>(null)
  const parsed = useMemo(() => parseMatchers(text), [text])
  const matchers = 'matchers' in parsed ? parsed.matchers : null
  const key = matchers === null ? '' : JSON.stringify(matchers)
  useEffect(() => {
    if (!key) return
    let live = true
    api.call('alerts.previewSilence', { matchers: JSON.parse(key) as LabelMatcher[] }).then(
      (h) => live && setHits({ key, alerts: h }),
      () => live && setHits(null)
    )
    return () => {
      live = false
    }
  }, [key])
  // The preview of the matchers as typed now (an older answer is not shown).
  const hits = hitsFor && key && hitsFor.key === key ? hitsFor.alerts : null
  const editor = (
    <>
      <label>
        Matchers
        <input
          aria-label="Matchers"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='alertname="RedisCacheHitLow", profile="shop"'
        />
      </label>
      {'error' in parsed && text.trim() !== '' && <p className="error">{parsed.error}</p>}
      {hits && (
        <p className="muted" aria-label="Silence preview">
          {hits.length === 0
            ? 'matches no current alert'
            : `would silence ${hits.length} current alert${hits.length > 1 ? 's' : ''}: ${hits
                .slice(0, 5)
                .map((a) => `${a.name} (${a.profile}/${a.targetId})`)
                .join(', ')}${hits.length > 5 ? '…' : ''}`}
        </p>
      )}
    </>
  )
  return { matchers, editor }
}

/** Matchers as Alertmanager's API has them. */
export function toAlertmanagerMatchers(ms: readonly LabelMatcher[]): { name: string; value: string; isRegex: boolean; isEqual: boolean }[] {
  return ms.map((m) => ({ name: m.name, value: m.value, isRegex: m.op === '=~' || m.op === '!~', isEqual: m.op === '=' || m.op === '=~' }))
}
