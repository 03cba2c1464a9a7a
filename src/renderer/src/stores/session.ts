import { create } from 'zustand'
import type { AlertsSummary, ProfileSummary } from '../../../shared/schemas'
import type { ConnectionStatus } from '../api/client'

interface SessionState {
  connection: ConnectionStatus
  connectionDetail: string | null
  profiles: ProfileSummary[]
  /** A problem loading profiles (e.g. a malformed profiles.json), shown where the list would be. */
  profilesError: string | null
  active: string | null
  /** The last error of an action, shown in the banner until dismissed. */
  error: string | null
  alerts: AlertsSummary
  /** Why passwords are not kept across restarts here (no keyring), from app.info; null when they are. */
  secretWarning: string | null
  setSecretWarning(w: string | null): void
  setConnection(s: ConnectionStatus, detail?: string): void
  setProfiles(p: ProfileSummary[], error?: string | null): void
  setActive(name: string | null): void
  setError(e: string | null): void
  setAlerts(a: AlertsSummary): void
}

export const useSession = create<SessionState>((set) => ({
  connection: 'connecting',
  connectionDetail: null,
  profiles: [],
  profilesError: null,
  active: null,
  error: null,
  alerts: { firing: [], critical: 0, other: [] },
  secretWarning: null,
  setSecretWarning: (secretWarning) => set({ secretWarning }),
  setConnection: (connection, detail) => set({ connection, connectionDetail: detail ?? null }),
  setProfiles: (profiles, error = null) => set({ profiles, profilesError: error }),
  setActive: (active) => set({ active }),
  setError: (error) => set({ error }),
  setAlerts: (alerts) => set({ alerts })
}))
