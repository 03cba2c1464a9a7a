import { create } from 'zustand'

export const VIEWS = [
  { id: 'health', label: 'Health', key: '1' },
  { id: 'metrics', label: 'Metrics', key: '2' },
  { id: 'promql', label: 'PromQL', key: '3' },
  { id: 'alerts', label: 'Alerts', key: '4' },
  { id: 'cache', label: 'Cache', key: '5' },
  { id: 'queries', label: 'Slow queries', key: '6' },
  { id: 'activity', label: 'Activity', key: '7' },
  { id: 'indexes', label: 'Indexes', key: '8' },
  { id: 'explain', label: 'Explain', key: '9' }
] as const

export type ViewId = (typeof VIEWS)[number]['id']

interface ViewState {
  view: ViewId
  show(v: ViewId): void
}

function fromHash(): ViewId {
  const v = new URLSearchParams(location.hash.slice(1)).get('view')
  return VIEWS.some((x) => x.id === v) ? (v as ViewId) : 'health'
}

export const useView = create<ViewState>((set) => ({
  view: fromHash(),
  show: (view) => set({ view })
}))
