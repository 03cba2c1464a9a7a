import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import { keyItem, liveItems, staticItems, type PaletteItem } from '../app/palette'
import { rankMatches } from '../lib/fuzzy'
import { useSession } from '../stores/session'

function Highlighted({ text, positions }: { text: string; positions: number[] }) {
  const at = new Set(positions)
  return <>{[...text].map((ch, i) => (at.has(i) ? <mark key={i}>{ch}</mark> : ch))}</>
}

/**
 * Ctrl/Cmd+K: jump to a profile, a view, a Postgres pid, a query id, a Redis key, an alert or a
 * recent action, by fuzzy match, from the keyboard alone. It only navigates and runs commands
 * that change nothing on a server; an action on a server is reached in its view, which asks for
 * its confirmation as always.
 */
export function CommandPalette({ onClose }: { onClose(): void }) {
  const active = useSession((s) => s.active)
  const hasRedis = useSession((s) => Boolean(s.profiles.find((p) => p.name === s.active)?.redis))
  const [query, setQuery] = useState('')
  const [selected, setSelected] = useState(0)
  const [live, setLive] = useState<PaletteItem[]>([])
  const input = useRef<HTMLInputElement>(null)
  const base = useMemo(() => staticItems(), [])

  useEffect(() => {
    input.current?.focus()
    if (!active) return
    let current = true
    void liveItems(active).then((items) => current && setLive(items))
    return () => {
      current = false
    }
  }, [active])

  const matches = useMemo(() => {
    const ranked = rankMatches(query, [...base, ...live], (i) => `${i.label} ${i.hint ?? ''}`, 50)
    const key = keyItem(hasRedis, query)
    return key ? [...ranked, { item: key, positions: [] }] : ranked
  }, [query, base, live, hasRedis])

  const run = (item: PaletteItem | undefined) => {
    if (!item) return
    onClose()
    void item.run()
  }

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') onClose()
    else if (e.key === 'ArrowDown') setSelected((s) => Math.min(s + 1, matches.length - 1))
    else if (e.key === 'ArrowUp') setSelected((s) => Math.max(s - 1, 0))
    else if (e.key === 'Enter') run(matches[selected]?.item)
    else return
    e.preventDefault()
  }

  return (
    <div className="palette-backdrop" onMouseDown={onClose}>
      <div className="palette" role="dialog" aria-label="Command palette" onMouseDown={(e) => e.stopPropagation()}>
        <input
          ref={input}
          role="combobox"
          aria-expanded="true"
          aria-controls="palette-list"
          aria-activedescendant={matches[selected] ? `palette-${selected}` : undefined}
          aria-label="Go to"
          placeholder="Profile, view, pid, query id, Redis key, alert, recent action…"
          value={query}
          onChange={(e) => {
            setQuery(e.target.value)
            setSelected(0)
          }}
          onKeyDown={onKey}
        />
        <ul id="palette-list" role="listbox" aria-label="Matches">
          {matches.map(({ item, positions }, i) => (
            <li
              key={item.id}
              id={`palette-${i}`}
              role="option"
              aria-selected={i === selected}
              className={i === selected ? 'selected' : undefined}
              data-group={item.group}
              onMouseMove={() => setSelected(i)}
              onClick={() => run(item)}
            >
              <span className="palette-group">{item.group}</span>
              <span className="palette-label">
                <Highlighted text={item.label} positions={positions.filter((p) => p < item.label.length)} />
              </span>
              {item.hint && <span className="palette-hint">{item.hint}</span>}
            </li>
          ))}
          {matches.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
        </ul>
      </div>
    </div>
  )
}
