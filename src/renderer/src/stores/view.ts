import { create } from 'zustand'

export const VIEWS = [
  { id: 'health', label: 'Health', key: '1', shortcut: 'Ctrl+1' },
  { id: 'metrics', label: 'Metrics', key: '2', shortcut: 'Ctrl+2' },
  { id: 'promql', label: 'PromQL', key: '3', shortcut: 'Ctrl+3' },
  { id: 'alerts', label: 'Alerts', key: '4', shortcut: 'Ctrl+4' },
  { id: 'cache', label: 'Cache', key: '5', shortcut: 'Ctrl+5' },
  { id: 'queries', label: 'Slow queries', key: '6', shortcut: 'Ctrl+6' },
  { id: 'activity', label: 'Activity', key: '7', shortcut: 'Ctrl+7' },
  { id: 'indexes', label: 'Indexes', key: '8', shortcut: 'Ctrl+8' },
  { id: 'explain', label: 'Explain', key: '9', shortcut: 'Ctrl+9' },
  { id: 'audit', label: 'Audit', key: '0', shortcut: 'Ctrl+0' },
  { id: 'timeline', label: 'Timeline', key: 'i', shortcut: 'Ctrl+I' }
] as const

export type ViewId = (typeof VIEWS)[number]['id']

/** A form shown in place of the view: a profile's editor (new, edit, duplicate), or the import wizard. */
export type Panel = 'new-profile' | 'edit-profile' | 'duplicate-profile' | 'import' | null

/** What a view should bring into sight when it opens (from the command palette). */
export type Focus =
  { kind: 'pid'; pid: number } | { kind: 'query'; key: string } | { kind: 'key'; key: string } | { kind: 'alert'; id: string } | null

interface ViewState {
  view: ViewId
  panel: Panel
  /** The profile the panel is about (edit, duplicate). */
  panelProfile: string | null
  focus: Focus
  show(v: ViewId, focus?: Focus): void
  openPanel(p: Panel, profile?: string): void
}

function fromHash(): ViewId {
  const v = new URLSearchParams(location.hash.slice(1)).get('view')
  return VIEWS.some((x) => x.id === v) ? (v as ViewId) : 'health'
}

export const useView = create<ViewState>((set) => ({
  view: fromHash(),
  panel: null,
  panelProfile: null,
  focus: null,
  show: (view, focus = null) => set({ view, focus, panel: null }),
  openPanel: (panel, profile) => set({ panel, panelProfile: profile ?? null })
}))
