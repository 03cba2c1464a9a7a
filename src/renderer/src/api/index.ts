import { desktopBridge } from './bridge'
import { ipcTransport, webSocketTransport, type Transport } from './client'

/** Picks the transport at boot: the preload bridge in the desktop app, the WebSocket otherwise. */
function pickTransport(): Transport {
  const bridge = desktopBridge()
  if (bridge) return ipcTransport(bridge)
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return webSocketTransport(`${scheme}://${location.host}/api`)
}

export const api: Transport = pickTransport()
