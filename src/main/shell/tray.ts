import { Menu, nativeImage, Tray } from 'electron'
import type { AlertsSummary } from '../../shared/schemas'

export function trayTitle(s: AlertsSummary): string {
  if (s.firing.length === 0) return 'Lookout: no alerts'
  return `Lookout: ${s.firing.length} alert${s.firing.length === 1 ? '' : 's'} firing (${s.critical} critical)`
}

/** The tray icon shows how many alerts fire; clicking it brings the window back. */
export function createTray(iconPath: string, show: () => void, quit: () => void): { update(s: AlertsSummary): void; destroy(): void } {
  const tray = new Tray(nativeImage.createFromPath(iconPath))
  tray.setToolTip('Lookout: no alerts')
  tray.setContextMenu(
    Menu.buildFromTemplate([{ label: 'Show Lookout', click: show }, { type: 'separator' }, { label: 'Quit', click: quit }])
  )
  tray.on('click', show)
  return {
    update(s) {
      tray.setToolTip(trayTitle(s))
      // The count beside the icon where the platform shows one (macOS, some Linux panels).
      tray.setTitle(s.firing.length ? String(s.firing.length) : '')
    },
    destroy: () => tray.destroy()
  }
}
