import { api } from '../api'
import { useReport } from '../stores/report'
import { useSession } from '../stores/session'
import { useTheme } from '../stores/theme'
import { useView, VIEWS } from '../stores/view'
import { useWorkspace } from '../stores/workspace'
import { openProfile, pinProfile } from './controller'

/** One entry of the command palette: a place to jump to, or a command that asks no confirmation. */
export interface PaletteItem {
  id: string
  group: 'profile' | 'view' | 'command' | 'alert' | 'pid' | 'query' | 'key' | 'recent'
  label: string
  hint?: string
  run(): void | Promise<void>
}

const short = (s: string, n = 70) => (s.length > n ? `${s.slice(0, n - 1)}…` : s.replace(/\s+/g, ' '))

/** What is known without asking the core: profiles, views, commands, firing alerts. */
export function staticItems(): PaletteItem[] {
  const { profiles, active, alerts } = useSession.getState()
  const { show, openPanel } = useView.getState()
  const pinned = useWorkspace.getState().byProfile
  const items: PaletteItem[] = []
  for (const p of profiles)
    items.push({ id: `profile:${p.name}`, group: 'profile', label: p.name, hint: p.environment, run: () => openProfile(p.name) })
  for (const v of VIEWS)
    items.push({ id: `view:${v.id}`, group: 'view', label: `Go to ${v.label}`, hint: v.shortcut, run: () => show(v.id) })
  items.push(
    { id: 'cmd:theme', group: 'command', label: 'Toggle light/dark theme', hint: 'Ctrl+Shift+L', run: () => useTheme.getState().toggle() },
    { id: 'cmd:new', group: 'command', label: 'New profile', run: () => openPanel('new-profile') },
    { id: 'cmd:import', group: 'command', label: 'Import profiles (pg_service.conf, .pgpass, PG*)', run: () => openPanel('import') }
  )
  if (active) {
    items.push(
      { id: 'cmd:edit', group: 'command', label: `Edit profile ${active}`, run: () => openPanel('edit-profile', active) },
      { id: 'cmd:duplicate', group: 'command', label: `Duplicate profile ${active}`, run: () => openPanel('duplicate-profile', active) },
      {
        id: 'cmd:report',
        group: 'command',
        label: `Export a performance report of ${active}`,
        hint: 'Ctrl+Shift+E',
        run: () => useReport.getState().set({ open: true })
      }
    )
    const isPinned = pinned[active]?.pinned ?? false
    items.push({
      id: 'cmd:pin',
      group: 'command',
      label: `${isPinned ? 'Unpin' : 'Pin'} ${active}`,
      run: () => pinProfile(active, !isPinned)
    })
  }
  for (const a of alerts.firing)
    items.push({
      id: `alert:${a.id}`,
      group: 'alert',
      label: `${a.name}: ${short(a.summary)}`,
      hint: `${a.severity} · ${a.profile}`,
      run: async () => {
        if (useSession.getState().active !== a.profile) await openProfile(a.profile)
        show('alerts')
      }
    })
  return items
}

/**
 * What the core knows about the open profile right now: its sessions (by pid), its statements
 * (by query id) and the recent actions. A profile without Postgres simply has none.
 */
export async function liveItems(profile: string): Promise<PaletteItem[]> {
  const { show } = useView.getState()
  const [activity, statements, recent] = await Promise.allSettled([
    api.call('postgres.activity', { profile }),
    api.call('postgres.statements', { profile, window: '1h', sort: 'total', limit: 200 }),
    api.call('audit.recent', { limit: 30 })
  ])
  const items: PaletteItem[] = []
  if (activity.status === 'fulfilled')
    for (const s of activity.value.sessions)
      items.push({
        id: `pid:${s.pid}`,
        group: 'pid',
        label: `pid ${s.pid} · ${s.state ?? '?'} · ${short(s.query || s.application, 60)}`,
        hint: [s.user, s.database].filter(Boolean).join('@'),
        run: () => show('activity', { kind: 'pid', pid: s.pid })
      })
  if (statements.status === 'fulfilled')
    for (const q of statements.value.statements)
      items.push({
        id: `query:${q.key}`,
        group: 'query',
        label: `query ${q.queryid} · ${short(q.query, 60)}`,
        hint: `${q.calls} calls`,
        run: () => show('queries', { kind: 'query', key: q.key })
      })
  if (recent.status === 'fulfilled')
    recent.value.forEach((e, i) =>
      items.push({
        id: `recent:${i}`,
        group: 'recent',
        label: `${e.action} ${short(e.target, 50)}`,
        hint: `${e.outcome} · ${e.profile} · ${new Date(e.time).toLocaleTimeString()}`,
        run: () => show('audit')
      })
    )
  return items
}

/** A Redis key cannot be listed without a SCAN: the typed text is offered as a key to inspect. */
export function keyItem(profileHasRedis: boolean, typed: string): PaletteItem | null {
  const key = typed.trim()
  if (!profileHasRedis || !key) return null
  return {
    id: 'key',
    group: 'key',
    label: `Inspect Redis key “${short(key, 80)}”`,
    run: () => useView.getState().show('cache', { kind: 'key', key })
  }
}
