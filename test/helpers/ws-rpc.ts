import type WebSocket from 'ws'
import { requestFrames } from '../../src/shared/api'

/**
 * One request over Lookout's WebSocket as the renderer sends it (in parts when large), resolving
 * with the reply frame of that id. `sent`, when given, records every frame sent.
 */
export function wsRpc(ws: WebSocket, id: number, method: string, params: unknown, sent?: string[]): Promise<any> {
  return new Promise((resolve) => {
    const onMsg = (data: WebSocket.RawData) => {
      const f = JSON.parse(data.toString())
      if (f.id === id) {
        ws.off('message', onMsg)
        resolve(f)
      }
    }
    ws.on('message', onMsg)
    for (const frame of requestFrames(id, method, params)) {
      sent?.push(frame)
      ws.send(frame)
    }
  })
}
