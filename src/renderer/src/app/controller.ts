import { desktopBridge } from '../api/bridge'
import { useNotifications } from '../stores/notifications'
import type { Params, Result } from '../../../shared/api'
import type { ImportPlan, ProfileInput } from '../../../shared/schemas'
import { api } from '../api'
import { CHART_CAPACITY, useSeries } from '../stores/series'
import { useSession } from '../stores/session'
import { useTargets } from '../stores/targets'
import { useJobs } from '../stores/jobs'
import { useWorkspace } from '../stores/workspace'
import { useView } from '../stores/view'

const LAST_PROFILE_KEY = 'lookout.lastProfile'

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/**
 * Opens a profile: starts (or joins) its monitoring and loads the snapshot into the stores. When
 * the user opens it (`showViews`), a form left open gives way to its views; a re-join in the
 * background (after a gap or a reconnect) never closes what the user has open.
 */
export async function openProfile(name: string, { showViews = true } = {}): Promise<void> {
  const session = useSession.getState()
  const previous = session.active
  session.setActive(name)
  if (showViews) useView.getState().openPanel(null)
  localStorage.setItem(LAST_PROFILE_KEY, name)
  try {
    const snap = await api.call('monitor.start', { profile: name })
    if (useSession.getState().active !== name) return
    useTargets.getState().load(snap.targets)
    useSeries.getState().loadSnapshot(snap)
    // A pinned profile keeps polling in the background; an unpinned one stops when left.
    if (previous && previous !== name && !useWorkspace.getState().byProfile[previous]?.pinned)
      await api.call('monitor.stop', { profile: previous }).catch(() => {})
  } catch (err) {
    useSession.getState().setError(`Cannot open profile ${name}: ${message(err)}`)
  }
}

/** Pins a profile (watched in the background and from start-up) or unpins it. */
export async function pinProfile(name: string, pinned: boolean): Promise<void> {
  try {
    useWorkspace.getState().load(await api.call('workspace.pin', { profile: name, pinned }))
  } catch (err) {
    useSession.getState().setError(`Cannot ${pinned ? 'pin' : 'unpin'} ${name}: ${message(err)}`)
  }
}

async function reloadWorkspace(): Promise<void> {
  try {
    useWorkspace.getState().load(await api.call('workspace.status', {}))
  } catch {
    // The sidebar shows profiles without dots until the next workspace.changed.
  }
}

export async function reloadProfiles(): Promise<void> {
  const session = useSession.getState()
  try {
    const profiles = await api.call('profiles.list', {})
    session.setProfiles(profiles, null)
  } catch (err) {
    session.setProfiles([], message(err))
  }
}

/**
 * Saves a profile from the editor and opens it. A refusal that wants a confirmation comes back as
 * such, for the editor to ask for it; any other error as its message.
 */
export async function saveProfileDraft(
  profile: ProfileInput,
  opts: { replace: boolean; copySecretsFrom?: string; confirmation?: string }
): Promise<{ message: string; confirm: boolean } | null> {
  try {
    const saved = await api.call('profiles.save', { profile, ...opts })
    await reloadProfiles()
    // Not awaited: opening closes the editor at once; the user may act before the snapshot comes,
    // and nothing here may close a panel they open meanwhile.
    void openProfile(saved.name)
    return null
  } catch (err) {
    return { message: message(err), confirm: (err as { reason?: string }).reason === 'confirmation_required' }
  }
}

/** Deletes a profile (its secrets too); when it was open, the first other one opens. */
export async function deleteProfile(name: string, confirmation: string): Promise<string | null> {
  try {
    await api.call('profiles.delete', { name, confirmation })
    await reloadProfiles()
    const session = useSession.getState()
    if (session.active === name) {
      session.setActive(null)
      const next = session.profiles[0]?.name
      if (next) await openProfile(next)
    }
    return null
  } catch (err) {
    return message(err)
  }
}

/** What an import would do; nothing is created. */
export async function previewImport(source: Params<'profiles.importPlan'>): Promise<{ plan: ImportPlan } | { error: string }> {
  try {
    return { plan: await api.call('profiles.importPlan', source) }
  } catch (err) {
    return { error: message(err) }
  }
}

/** Imports the chosen profiles, then reloads the list so the sidebar shows them. */
export async function importProfiles(params: Params<'profiles.import'>): Promise<Result<'profiles.import'> | { error: string }> {
  try {
    const r = await api.call('profiles.import', params)
    await reloadProfiles()
    return r
  } catch (err) {
    return { error: message(err) }
  }
}

async function resync(): Promise<void> {
  const name = useSession.getState().active
  if (!name) return
  try {
    const snap = await api.call('monitor.snapshot', { profile: name, points: CHART_CAPACITY })
    useTargets.getState().load(snap.targets)
    useSeries.getState().loadSnapshot(snap)
  } catch {
    await openProfile(name, { showViews: false })
  }
}

/** Wires the transport's events into the stores and opens the last (or first) profile. */
export async function boot(): Promise<void> {
  let wasClosed = false
  api.onStatus((status, detail) => {
    useSession.getState().setConnection(status, detail)
    if (status === 'closed') wasClosed = true
    if (status === 'open' && wasClosed) {
      wasClosed = false
      // The server may have restarted: re-read everything.
      void reloadProfiles().then(resync).then(reloadWorkspace)
    }
  })
  api.on('target.state', (t) => {
    if (t.profile === useSession.getState().active) useTargets.getState().update(t)
  })
  api.on('series.delta', (d) => {
    if (d.profile !== useSession.getState().active) return
    useSeries.getState().applyDelta(d)
  })
  api.on('alerts.changed', (a) => useSession.getState().setAlerts(a))
  // The desktop app notifies through the OS; in a browser (`serve`), the page does: the
  // browser's notifications when allowed, a banner otherwise.
  if (!desktopBridge())
    api.on('alerts.notification', (n) => {
      if (typeof Notification !== 'undefined' && Notification.permission === 'granted') {
        const note = new Notification(n.title, { body: n.body, tag: n.alertId })
        note.onclick = () => {
          window.focus()
          useView.getState().show('alerts', n.alertId ? { kind: 'alert', id: n.alertId } : null)
        }
      } else useNotifications.getState().push(n)
    })
  api.on('workspace.changed', (w) => useWorkspace.getState().load(w))
  api.on('job.progress', (p) => useJobs.getState().update(p))
  useSeries.subscribe((s, prev) => {
    if (s.gaps > prev.gaps) void resync()
  })

  api.call('app.info', {}).then(
    (info) => useSession.getState().setSecretWarning(info.secretStorage.warning),
    () => {}
  )
  await Promise.all([reloadProfiles(), reloadWorkspace()])
  const { profiles } = useSession.getState()
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('profile')
  const last = localStorage.getItem(LAST_PROFILE_KEY)
  const pick = [fromHash, last, profiles[0]?.name].find((n) => n && profiles.some((p) => p.name === n))
  if (pick) await openProfile(pick)
  api.call('alerts.summary', {}).then(
    (a) => useSession.getState().setAlerts(a),
    () => {}
  )
}
