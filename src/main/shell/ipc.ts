import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL, type IpcReply } from '../../shared/api'
import type { Core } from '../core'
import { busyReply, inflightLimited } from '../core/limits'
import { senderAllowed } from './security'

/**
 * Binds the core to IPC: one invoke channel for requests (sender checked on every call, params
 * validated by the core's dispatcher), one channel pushing events to the app's windows.
 */
export function bindIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, core: Core, targets: () => WebContents[]): () => void {
  // Each window is a client with its own cap on requests in flight, as each WebSocket is.
  const perSender = new Map<number, (m: unknown, p: unknown) => Promise<IpcReply>>()
  const dispatchFor = (id: number) => {
    let d = perSender.get(id)
    if (!d) perSender.set(id, (d = inflightLimited<IpcReply>((m, p) => core.dispatch(m, p), busyReply)))
    return d
  }
  ipcMain.handle(IPC_REQUEST_CHANNEL, async (event: IpcMainInvokeEvent, method: unknown, params: unknown): Promise<IpcReply> => {
    if (!senderAllowed(event)) return { ok: false, error: { code: 'refused', message: 'IPC from an unexpected frame was refused' } }
    return dispatchFor(event.sender?.id ?? -1)(method, params)
  })
  const unsubscribe = core.onEvent((name, payload) => {
    for (const wc of targets()) if (!wc.isDestroyed()) wc.send(IPC_EVENT_CHANNEL, name, payload)
  })
  return () => {
    unsubscribe()
    ipcMain.removeHandler(IPC_REQUEST_CHANNEL)
  }
}
