import { BrowserWindow, shell, session, type App, type WebContents } from 'electron'
import { APP_ORIGIN, externalUrlAllowed, navigationAllowed, permissionAllowed, secureWebPreferences } from './security'

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
    if (externalUrlAllowed(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
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

/** Denies every permission request and check for every web contents of the default session. */
export function lockDownSession(): void {
  const s = session.defaultSession
  s.setPermissionRequestHandler((_wc, permission, callback) => callback(permissionAllowed(permission)))
  s.setPermissionCheckHandler((_wc, permission) => permissionAllowed(permission))
}
