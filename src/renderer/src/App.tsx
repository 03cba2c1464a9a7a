import { useCallback, useEffect, useState } from 'react'
import { ProfileEditor } from './components/ProfileEditor'
import { Sidebar } from './components/Sidebar'
import { ImportWizard } from './components/ImportWizard'
import { ProfilesFileProblem } from './components/ProfilesFileProblem'
import { useSession } from './stores/session'
import { useTheme } from './stores/theme'
import { HealthView } from './views/health/HealthView'
import { MetricsView } from './views/prometheus/MetricsView'
import { AlertsView } from './views/alerts/AlertsView'
import { PromqlView } from './views/prometheus/PromqlView'
import { CacheView } from './views/redis/CacheView'
import { SlowQueriesView } from './views/postgres/SlowQueriesView'
import { ActivityView } from './views/postgres/ActivityView'
import { IndexesView } from './views/postgres/IndexesView'
import { ExplainView } from './views/explain/ExplainView'
import { desktopBridge } from './api/bridge'
import { AuditView } from './views/audit/AuditView'
import { TimelineView } from './views/timeline/TimelineView'
import { TimeRangePicker } from './components/TimeRangePicker'
import { ExportReport } from './components/ExportReport'
import { useReport } from './stores/report'
import { CommandPalette } from './components/CommandPalette'
import { NotificationBanners } from './components/NotificationBanners'
import { useView, VIEWS, type ViewId } from './stores/view'
import { environmentBarStyle } from './lib/workspace'

function useShortcuts(openPalette: () => void) {
  const toggleTheme = useTheme((s) => s.toggle)
  const show = useView((s) => s.show)
  useEffect(() => {
    const run = (command: string) => {
      if (command === 'theme:toggle') toggleTheme()
      const view = VIEWS.find((v) => command === `view:${v.id}`)
      if (view) show(view.id)
      if (command === 'palette:open') openPalette()
      if (command === 'report:export') useReport.getState().set({ open: true })
      // A desktop notification was clicked: the Alerts view, on that alert.
      if (command.startsWith('alert:')) show('alerts', { kind: 'alert', id: command.slice('alert:'.length) })
    }
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey
      const view = VIEWS.find((v) => v.key === e.key)
      if (mod && !e.shiftKey && e.key.toLowerCase() === 'k') {
        e.preventDefault()
        run('palette:open')
      } else if (mod && e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault()
        run('theme:toggle')
      } else if (mod && e.shiftKey && e.key.toLowerCase() === 'e') {
        e.preventDefault()
        run('report:export')
      } else if (mod && view) {
        e.preventDefault()
        run(`view:${view.id}`)
      }
    }
    window.addEventListener('keydown', onKey)
    const offMenu = desktopBridge()?.onMenuCommand?.(run)
    return () => {
      window.removeEventListener('keydown', onKey)
      offMenu?.()
    }
  }, [toggleTheme, openPalette, show])
}

export function App() {
  const theme = useTheme((s) => s.theme)
  const toggleTheme = useTheme((s) => s.toggle)
  const connection = useSession((s) => s.connection)
  const connectionDetail = useSession((s) => s.connectionDetail)
  const profiles = useSession((s) => s.profiles)
  const profilesError = useSession((s) => s.profilesError)
  const secretWarning = useSession((s) => s.secretWarning)
  const active = useSession((s) => s.active)
  const error = useSession((s) => s.error)
  const setError = useSession((s) => s.setError)
  const alerts = useSession((s) => s.alerts)
  const [palette, setPalette] = useState(false)
  const view = useView((s) => s.view)
  const panel = useView((s) => s.panel)
  const panelProfile = useView((s) => s.panelProfile)
  const openPanel = useView((s) => s.openPanel)
  const showView = useView((s) => s.show)
  const openPalette = useCallback(() => setPalette(true), [])
  useShortcuts(openPalette)

  const activeProfile = profiles.find((p) => p.name === active)
  const panelSummary = profiles.find((p) => p.name === panelProfile)
  // The environment in the window title too: it is what the taskbar and a screen share show.
  useEffect(() => {
    document.title = activeProfile ? `${activeProfile.name} (${activeProfile.environment.toUpperCase()}) · Lookout` : 'Lookout'
  }, [activeProfile])
  return (
    <div className="app">
      <header className="topbar">
        <h1>Lookout</h1>
        {activeProfile && <span className={`env env-${activeProfile.environment}`}>{activeProfile.environment}</span>}
        <button onClick={() => openPanel('new-profile')}>New profile</button>
        <button onClick={() => openPanel('import')}>Import</button>
        <button onClick={openPalette} title="Command palette (Ctrl+K)">
          Go to… <kbd>Ctrl+K</kbd>
        </button>
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              className={view === v.id && !panel ? 'tab active' : 'tab'}
              aria-current={view === v.id && !panel ? 'page' : undefined}
              title={`${v.label} (${v.shortcut})`}
              onClick={() => showView(v.id as ViewId)}
            >
              {v.label}
              {v.id === 'alerts' && alerts.firing.length ? <span className="count">{alerts.firing.length}</span> : null}
            </button>
          ))}
        </nav>
        <span className="spacer" />
        <span
          className={`alerts ${alerts.critical ? 'critical' : alerts.firing.length ? 'warning' : ''}`}
          title={alerts.firing.map((a) => a.summary).join('\n')}
        >
          {alerts.firing.length ? `${alerts.firing.length} alert${alerts.firing.length > 1 ? 's' : ''}` : 'no alerts'}
        </span>
        <span className={`conn conn-${connection}`} title={connectionDetail ?? ''}>
          {connection === 'open'
            ? 'connected'
            : connection === 'connecting'
              ? 'connecting…'
              : `disconnected${connectionDetail ? `: ${connectionDetail}` : ''}`}
        </span>
        <button onClick={toggleTheme} title="Toggle theme (Ctrl+Shift+L)" aria-label="Toggle theme">
          {theme === 'dark' ? 'Light' : 'Dark'}
        </button>
      </header>
      {activeProfile && (
        <div {...environmentBarStyle(activeProfile)} role="status" aria-label="Environment" data-testid="env-bar">
          <span className="env-bar-label">
            <strong>{activeProfile.environment.toUpperCase()}</strong> {activeProfile.name}
            {activeProfile.readOnly ? ' · read-only' : ''}
          </span>
          <button className="env-bar-action" onClick={() => openPanel('edit-profile', activeProfile.name)}>
            Edit
          </button>
          <button className="env-bar-action" onClick={() => openPanel('duplicate-profile', activeProfile.name)}>
            Duplicate
          </button>
          <span className="spacer" />
          <TimeRangePicker />
          <button
            className="env-bar-action"
            title="Export a performance report (Ctrl+Shift+E)"
            onClick={() => useReport.getState().set({ open: true })}
          >
            Export report
          </button>
        </div>
      )}
      {activeProfile && <ExportReport profile={activeProfile.name} />}
      <NotificationBanners />
      {error && (
        <div className="banner error" role="alert">
          {error} <button onClick={() => setError(null)}>Dismiss</button>
        </div>
      )}
      {secretWarning && (
        <div className="banner" role="status">
          Passwords are not saved: {secretWarning}
        </div>
      )}
      {profilesError && <ProfilesFileProblem error={profilesError} />}
      <div className="workspace">
        <Sidebar />
        <main>
          {panel === 'new-profile' ? (
            <ProfileEditor mode={{ kind: 'new' }} onDone={() => openPanel(null)} />
          ) : (panel === 'edit-profile' || panel === 'duplicate-profile') && panelSummary ? (
            <ProfileEditor
              key={`${panel}:${panelSummary.name}`}
              mode={{ kind: panel === 'edit-profile' ? 'edit' : 'duplicate', profile: panelSummary }}
              onDone={() => openPanel(null)}
            />
          ) : panel === 'import' ? (
            <ImportWizard onDone={() => openPanel(null)} />
          ) : view === 'audit' ? (
            <AuditView />
          ) : view === 'timeline' ? (
            <TimelineView />
          ) : active ? (
            view === 'metrics' ? (
              <MetricsView />
            ) : view === 'promql' ? (
              <PromqlView />
            ) : view === 'alerts' ? (
              <AlertsView />
            ) : view === 'cache' ? (
              <CacheView />
            ) : view === 'queries' ? (
              <SlowQueriesView />
            ) : view === 'activity' ? (
              <ActivityView />
            ) : view === 'indexes' ? (
              <IndexesView />
            ) : view === 'explain' ? (
              <ExplainView />
            ) : (
              <HealthView />
            )
          ) : (
            <section className="empty">
              <p>
                No profile is open. Create one, or run <code>npm run demo</code> to see Lookout on live servers.
              </p>
              <button onClick={() => openPanel('new-profile')}>New profile</button>
              <button onClick={() => openPanel('import')}>Import</button>
              <button onClick={openPalette} title="Command palette (Ctrl+K)">
                Go to… <kbd>Ctrl+K</kbd>
              </button>
            </section>
          )}
        </main>
      </div>
      {palette && <CommandPalette onClose={() => setPalette(false)} />}
    </div>
  )
}
