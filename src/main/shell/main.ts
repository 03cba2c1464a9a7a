import { app, BrowserWindow, ipcMain, Menu } from 'electron'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { EventPayload } from '../../shared/api'
import { ProfileInput } from '../../shared/schemas'
import { createCore } from '../core'
import { consoleLogger } from '../core/ports'
import { bindIpc } from './ipc'
import { buildMenu, MENU_COMMAND_CHANNEL } from './menu'
import { desktopNotifier, desktopSecretStore } from './ports'
import { registerAppScheme, serveRenderer } from './protocol'
import { createTray } from './tray'
import { allowRunbooks, createMainWindow, hardenApp, lockDownSession } from './window'

const here = dirname(fileURLToPath(import.meta.url))

/** The desktop app: the core behind IPC, one locked-down window, a tray and a menu. */
export function runDesktopApp(): void {
  registerAppScheme()
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  let win: BrowserWindow | null = null
  const showWindow = () => {
    if (!win || win.isDestroyed()) win = createMainWindow(join(here, '../preload/index.cjs'))
    win.show()
    win.focus()
  }
  app.on('second-instance', showWindow)
  hardenApp(app)

  void app.whenReady().then(async () => {
    lockDownSession()
    serveRenderer(join(here, '../renderer'))
    const dataDir = process.env.LOOKOUT_DATA_DIR ?? app.getPath('userData')
    const core = createCore({
      dataDir,
      secrets: await desktopSecretStore(dataDir),
      // A click on an alert's notification brings the window up on that alert.
      notifier: desktopNotifier((alertId) => {
        showWindow()
        win?.webContents.send(MENU_COMMAND_CHANNEL, alertId ? `alert:${alertId}` : 'view:alerts')
      }),
      logger: consoleLogger(),
      transport: 'ipc'
    })
    bindIpc(ipcMain, core, () => BrowserWindow.getAllWindows().map((w) => w.webContents))
    const tray = createTray(join(here, '../../resources/icon.png'), showWindow, () => app.quit())
    // Runbook links of the alerts the core holds open in the browser (nothing else beyond the docs).
    let runbooks = new Set<string>()
    allowRunbooks(() => runbooks)
    core.onEvent((name, payload) => {
      if (name !== 'alerts.changed') return
      const summary = payload as EventPayload<'alerts.changed'>
      tray.update(summary)
      runbooks = new Set([...summary.firing, ...summary.other].flatMap((a) => (a.runbookUrl ? [a.runbookUrl] : [])))
    })
    Menu.setApplicationMenu(buildMenu(() => win))
    // `lookout demo` hands its profile over in the environment (passwords never touch disk).
    const handed = process.env.LOOKOUT_OPEN_PROFILE_JSON
    if (handed) {
      delete process.env.LOOKOUT_OPEN_PROFILE_JSON
      const profile = ProfileInput.parse(JSON.parse(handed))
      await core.dispatch('profiles.save', { profile, replace: true })
      await core.dispatch('monitor.start', { profile: profile.name })
    }
    void core.watchPinned()
    showWindow()
    app.on('before-quit', () => {
      tray.destroy()
      void core.close()
    })
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  app.on('activate', showWindow)
}
