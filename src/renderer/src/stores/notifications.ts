import { create } from 'zustand'
import type { AlertNotification } from '../../../shared/alert-rules'

/** How many banners stay on screen; older ones give way. */
const MAX_BANNERS = 3

interface NotificationState {
  /** Notifications shown in the page (`serve` mode, when the browser may not notify). */
  banners: (AlertNotification & { key: number })[]
  push(n: AlertNotification): void
  dismiss(key: number): void
}

let seq = 0

export const useNotifications = create<NotificationState>((set) => ({
  banners: [],
  push: (n) => set((s) => ({ banners: [...s.banners, { ...n, key: ++seq }].slice(-MAX_BANNERS) })),
  dismiss: (key) => set((s) => ({ banners: s.banners.filter((b) => b.key !== key) }))
}))
