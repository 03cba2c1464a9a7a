import { useEffect, useState } from 'react'
import { openProfile } from './app/controller'
import { ProfileForm } from './components/ProfileForm'
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
import { useView, VIEWS, type ViewId } from './stores/view'

function useShortcuts(showForm: (v: boolean) => void) {
  const toggleTheme = useTheme((s) => s.toggle)
  const show = useView((s) => s.show)
  useEffect(() => {
    const run = (command: string) => {
      if (command === 'theme:toggle') toggleTheme()
      const view = VIEWS.find((v) => command === `view:${v.id}`)
      if (view) {
        showForm(false)
        show(view.id)
      }
    }
    const onKey = (e: KeyboardEvent) => {
      const mod = e.ctrlKey || e.metaKey
      const view = VIEWS.find((v) => v.key === e.key)
      if (mod && e.shiftKey && e.key.toLowerCase() === 'l') {
        e.preventDefault()
        run('theme:toggle')
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
  }, [toggleTheme, showForm, show])
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
  const [showForm, setShowForm] = useState(false)
  const view = useView((s) => s.view)
  const showView = useView((s) => s.show)
  useShortcuts(setShowForm)

  const activeProfile = profiles.find((p) => p.name === active)
  // The environment in the window title too: it is what the taskbar and a screen share show.
  useEffect(() => {
    document.title = activeProfile ? `${activeProfile.name} (${activeProfile.environment.toUpperCase()}) · Lookout` : 'Lookout'
  }, [activeProfile])
  return (
    <div className="app">
      <header className="topbar">
        <h1>Lookout</h1>
        <label className="profile-picker">
          <span className="sr-only">Profile</span>
          <select aria-label="Profile" value={active ?? ''} onChange={(e) => void openProfile(e.target.value)}>
            {!active && <option value="">choose a profile…</option>}
            {profiles.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} ({p.environment})
              </option>
            ))}
          </select>
        </label>
        {activeProfile && <span className={`env env-${activeProfile.environment}`}>{activeProfile.environment}</span>}
        <button onClick={() => setShowForm(true)}>New profile</button>
        <nav className="tabs" aria-label="Views">
          {VIEWS.map((v) => (
            <button
              key={v.id}
              className={view === v.id && !showForm ? 'tab active' : 'tab'}
              aria-current={view === v.id && !showForm ? 'page' : undefined}
              title={`${v.label} (Ctrl+${v.key})`}
              onClick={() => {
                setShowForm(false)
                showView(v.id as ViewId)
              }}
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
        <div className={`env-bar env-bar-${activeProfile.environment}`} role="status" aria-label="Environment" data-testid="env-bar">
          <strong>{activeProfile.environment.toUpperCase()}</strong> {activeProfile.name}
          {activeProfile.readOnly ? ' · read-only' : ''}
        </div>
      )}
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
      {profilesError && (
        <div className="banner error" role="alert">
          Profiles could not be loaded: {profilesError}
        </div>
      )}
      <main>
        {showForm ? (
          <ProfileForm onDone={() => setShowForm(false)} />
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
            <button onClick={() => setShowForm(true)}>New profile</button>
          </section>
        )}
      </main>
    </div>
  )
}
