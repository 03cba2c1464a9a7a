/**
 * The shell's security policy as plain data and functions, so tests check it without
 * Electron. window.ts applies it; nothing here imports Electron.
 */
import { contentSecurityPolicy } from '../serve/csp'

/** The renderer is served from this privileged custom scheme, never from file://. */
export const APP_SCHEME = 'lookout'
export const APP_HOST = 'app'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`

/** Every webPreferences field that matters, set explicitly rather than left to defaults. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    spellcheck: false,
    devTools: process.env.NODE_ENV === 'development'
  } as const
}

/** The CSP the custom protocol sends with every renderer response. */
export const RENDERER_CSP = contentSecurityPolicy()

/**
 * Links Lookout may open in the user's browser: the documentation of the servers it watches,
 * over https, by exact host and path prefix. Nothing else (no code host, where anyone can publish).
 */
export const EXTERNAL_ALLOWLIST: readonly { host: string; path: string }[] = [
  { host: 'www.postgresql.org', path: '/docs/' },
  { host: 'redis.io', path: '/docs/' },
  { host: 'prometheus.io', path: '/docs/' }
]

export function externalUrlAllowed(url: string): boolean {
  try {
    const u = new URL(url)
    if (u.protocol !== 'https:' || u.username || u.password || u.port) return false
    return EXTERNAL_ALLOWLIST.some((a) => u.hostname === a.host && u.pathname.startsWith(a.path))
  } catch {
    return false
  }
}

/** Whether a frame URL is the app's own renderer: the only sender IPC answers. */
export function isAppUrl(url: string | undefined | null): boolean {
  if (!url) return false
  try {
    const u = new URL(url)
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST
  } catch {
    return false
  }
}

export interface SenderLike {
  senderFrame?: { url: string; parent: unknown } | null
}

/** An IPC message is answered only from the app's own top-level frame. */
export function senderAllowed(event: SenderLike): boolean {
  const frame = event.senderFrame
  if (!frame) return false
  return frame.parent === null && isAppUrl(frame.url)
}

/** Navigation away from the app is never allowed; in-app URL changes are. */
export function navigationAllowed(url: string): boolean {
  return isAppUrl(url)
}

/** No permission (camera, notifications from the page, geolocation, ...) is ever granted to the renderer. */
export function permissionAllowed(_permission: string): boolean {
  return false
}

/**
 * The one download the app makes: a report the renderer built as a blob of its own page
 * (`blob:lookout://app/<uuid>`). Anything else, from any URL, is refused before a dialog shows.
 */
export function downloadAllowed(url: string): boolean {
  if (!url.startsWith('blob:')) return false
  return isAppUrl(url.slice('blob:'.length))
}

/** The save dialog for a report: its suggested name kept to safe characters, an .html file. */
export function reportSaveDialog(suggested: string) {
  const name = suggested.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'lookout-report.html'
  return {
    title: 'Export report',
    defaultPath: name.endsWith('.html') ? name : `${name}.html`,
    filters: [{ name: 'HTML report', extensions: ['html'] }]
  }
}
