import type { ProfileSummary, WorkspaceProfile } from '../../../shared/schemas'

/** Production first: it is what an incident is about. Then staging, dev, and any other name. */
const ENV_ORDER = ['prod', 'staging', 'dev']

export function groupByEnvironment(profiles: readonly ProfileSummary[]): [string, ProfileSummary[]][] {
  const groups = new Map<string, ProfileSummary[]>()
  for (const p of profiles) {
    const list = groups.get(p.environment) ?? []
    list.push(p)
    groups.set(p.environment, list)
  }
  const rank = (e: string) => (ENV_ORDER.includes(e) ? ENV_ORDER.indexOf(e) : ENV_ORDER.length)
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b))
    .map(([env, list]) => [env, list.sort((a, b) => a.name.localeCompare(b.name))])
}

/** The dot's tooltip: its targets' states, or why a pinned profile is not watched. */
export function healthTitle(w: WorkspaceProfile | undefined): string {
  if (!w) return 'not watched'
  if (!w.watched) return w.error ? `pinned, cannot start: ${w.error}` : 'pinned, starting'
  const t = w.targets
  const parts = [
    t.up && `${t.up} up`,
    t.degraded && `${t.degraded} degraded`,
    t.down && `${t.down} down`,
    t.pending && `${t.pending} pending`
  ]
  const alerts = w.firing ? `; ${w.firing} alert${w.firing > 1 ? 's' : ''} firing` : ''
  return `${parts.filter(Boolean).join(', ')}${alerts}${w.pinned ? ' · pinned' : ''}`
}
