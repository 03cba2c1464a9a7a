import { Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron'

/** Commands the menu sends to the renderer, which also binds the same keys in the page. */
export const MENU_COMMAND_CHANNEL = 'lookout:menu'

export function buildMenu(window: () => BrowserWindow | null): Menu {
  const send = (command: string) => () => window()?.webContents.send(MENU_COMMAND_CHANNEL, command)
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Export Report…', accelerator: 'CmdOrCtrl+Shift+E', click: send('report:export') },
        { type: 'separator' },
        { role: process.platform === 'darwin' ? 'close' : 'quit' }
      ]
    },
    {
      label: 'View',
      submenu: [
        { label: 'Health', accelerator: 'CmdOrCtrl+1', click: send('view:health') },
        { label: 'Metrics', accelerator: 'CmdOrCtrl+2', click: send('view:metrics') },
        { label: 'PromQL', accelerator: 'CmdOrCtrl+3', click: send('view:promql') },
        { label: 'Alerts', accelerator: 'CmdOrCtrl+4', click: send('view:alerts') },
        { label: 'Cache', accelerator: 'CmdOrCtrl+5', click: send('view:cache') },
        { label: 'Slow queries', accelerator: 'CmdOrCtrl+6', click: send('view:queries') },
        { label: 'Activity', accelerator: 'CmdOrCtrl+7', click: send('view:activity') },
        { label: 'Indexes', accelerator: 'CmdOrCtrl+8', click: send('view:indexes') },
        { label: 'Explain', accelerator: 'CmdOrCtrl+9', click: send('view:explain') },
        { label: 'Audit log', accelerator: 'CmdOrCtrl+Shift+A', click: send('view:audit') },
        { label: 'Incident timeline', accelerator: 'CmdOrCtrl+I', click: send('view:timeline') },
        { type: 'separator' },
        { label: 'Go to…', accelerator: 'CmdOrCtrl+K', click: send('palette:open') },
        { label: 'Toggle Dark Theme', accelerator: 'CmdOrCtrl+Shift+L', click: send('theme:toggle') },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { role: 'togglefullscreen' }
      ]
    },
    { role: 'windowMenu' }
  ]
  return Menu.buildFromTemplate(template)
}
