import { isProduction, type ProfileSummary, type WorkspaceProfile } from '../../../shared/schemas'
import { openProfile, pinProfile } from '../app/controller'
import { groupByEnvironment, healthTitle } from '../lib/workspace'
import { useSession } from '../stores/session'
import { useWorkspace } from '../stores/workspace'

function ProfileRow({ p, w, active }: { p: ProfileSummary; w: WorkspaceProfile | undefined; active: boolean }) {
  const health = w?.health ?? (w?.error ? 'down' : 'idle')
  const pinned = w?.pinned ?? false
  return (
    <li className={active ? 'side-profile active' : 'side-profile'} data-profile={p.name}>
      <button
        className="side-open"
        aria-current={active ? 'true' : undefined}
        onClick={() => void openProfile(p.name)}
        title={healthTitle(w)}
      >
        <span className={`dot dot-${health}`} role="img" aria-label={`${p.name}: ${health}`} data-testid={`dot-${p.name}`} />
        <span className="side-name">{p.name}</span>
        {w && w.firing > 0 && (
          <span className={w.critical ? 'count critical' : 'count'} aria-label={`${w.firing} firing`}>
            {w.firing}
          </span>
        )}
      </button>
      <button
        className={pinned ? 'pin pinned' : 'pin'}
        aria-pressed={pinned}
        aria-label={pinned ? `Unpin ${p.name}` : `Pin ${p.name}`}
        title={pinned ? 'Pinned: watched in the background and from start-up' : 'Pin: keep watching it while another profile is open'}
        onClick={() => void pinProfile(p.name, !pinned)}
      >
        {pinned ? '★' : '☆'}
      </button>
    </li>
  )
}

/** Every profile, grouped by environment, each with its live dot and its firing count. */
export function Sidebar() {
  const profiles = useSession((s) => s.profiles)
  const active = useSession((s) => s.active)
  const byProfile = useWorkspace((s) => s.byProfile)
  return (
    <aside className="sidebar" aria-label="Profiles">
      {groupByEnvironment(profiles).map(([env, list]) => (
        <section key={env} className={`side-group side-${env}${list.some(isProduction) ? ' side-production' : ''}`}>
          <h2>{env}</h2>
          <ul>
            {list.map((p) => (
              <ProfileRow key={p.name} p={p} w={byProfile[p.name]} active={p.name === active} />
            ))}
          </ul>
        </section>
      ))}
    </aside>
  )
}
