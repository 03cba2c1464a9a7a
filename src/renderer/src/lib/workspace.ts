import { isProduction, type ProfileSummary, type WorkspaceProfile } from '../../../shared/schemas'

/**
 * Production first: it is what an incident is about (prod, then the team's own production
 * environments), then staging, dev, and the other names.
 */
export function groupByEnvironment(profiles: readonly ProfileSummary[]): [string, ProfileSummary[]][] {
  const groups = new Map<string, ProfileSummary[]>()
  const production = new Set<string>()
  for (const p of profiles) {
    const list = groups.get(p.environment) ?? []
    list.push(p)
    groups.set(p.environment, list)
    if (isProduction(p)) production.add(p.environment)
  }
  const rank = (e: string) => (e === 'prod' ? 0 : production.has(e) ? 1 : e === 'staging' ? 2 : e === 'dev' ? 3 : 4)
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

/** The bar of a profile's environment: built-ins by class; a custom one in its colour (production red when it gives none), text readable on it. */
export function environmentBarStyle(p: Pick<ProfileSummary, 'environment' | 'environmentColor' | 'production'>): {
  className: string
  style?: { background: string; borderColor: string; color: string }
} {
  if (p.environment === 'prod' || p.environment === 'staging' || p.environment === 'dev')
    return { className: `env-bar env-bar-${p.environment}` }
  const background = p.environmentColor ?? (isProduction(p) ? '#b3261e' : null)
  if (!background) return { className: 'env-bar env-bar-custom' }
  return {
    className: `env-bar env-bar-custom${isProduction(p) ? ' env-bar-production' : ''}`,
    style: { background, borderColor: background, color: readableOn(background) }
  }
}

/** Black or white, whichever reads better on a #rrggbb background (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4
  })
  const l = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!
  // Contrast with white (1.05 / (l + 0.05)) against with black ((l + 0.05) / 0.05).
  return 1.05 / (l + 0.05) >= (l + 0.05) / 0.05 ? '#fff' : '#111'
}
