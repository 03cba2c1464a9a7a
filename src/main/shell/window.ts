import { BrowserWindow, shell, session, type App, type WebContents } from 'electron'
import {
  APP_ORIGIN,
  downloadAllowed,
  externalUrlAllowed,
  navigationAllowed,
  permissionAllowed,
  reportSaveDialog,
  secureWebPreferences
} from './security'

/**
 * What every web contents gets, the main window's and any other (a devtools pane, anything a
 * future feature creates): no navigation or redirect away from the app, no webview, no new window
 * (allowlisted documentation links go to the user's browser instead).
 */
export function hardenWebContents(wc: Pick<WebContents, 'on' | 'setWindowOpenHandler'>): void {
  wc.on('will-navigate', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault()
  })
  wc.on('will-redirect', (event, url) => {
    if (!navigationAllowed(url)) event.preventDefault()
  })
  wc.on('will-attach-webview', (event) => event.preventDefault())
  wc.setWindowOpenHandler(({ url }) => {
    if (externalUrlAllowed(url) || runbookAllowed(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
}

let runbooks: () => ReadonlySet<string> = () => new Set()

/**
 * The runbook links of the alerts the core holds now: the only other links that open in the
 * user's browser, exactly as written in a rule (http or https, no credentials). A page cannot
 * add one; only a rule the user saved can.
 */
export function allowRunbooks(current: () => ReadonlySet<string>): void {
  runbooks = current
}

function runbookAllowed(url: string): boolean {
  try {
    const u = new URL(url)
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.username || u.password) return false
  } catch {
    return false
  }
  return runbooks().has(url)
}

/** Hardens every web contents the app ever creates, as it is created. */
export function hardenApp(app: Pick<App, 'on'>): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents))
}

/** The main window, locked down: see security.ts for the policy and its tests. */
export function createMainWindow(preloadPath: string): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'Lookout',
    backgroundColor: '#111418',
    webPreferences: secureWebPreferences(preloadPath)
  })
  hardenWebContents(win.webContents)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(`${APP_ORIGIN}/index.html`)
  return win
}

/**
 * Denies every permission request and check for every web contents of the default session, and
 * every download but an exported report, which gets Electron's save dialog.
 */
export function lockDownSession(): void {
  const s = session.defaultSession
  s.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)))
  s.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission))
  s.on('will-download', (event, item) => {
    if (!downloadAllowed(item.getURL())) {
      event.preventDefault()
      return
    }
    // No save path set: Electron asks the user where, with these options.
    item.setSaveDialogOptions(reportSaveDialog(item.getFilename()))
  })
}
