import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL, isEventName, requestNames, type EventName } from '../shared/api'

const MENU_COMMAND_CHANNEL = 'lookout:menu'

type Listener = (payload: unknown) => void
const listeners = new Map<EventName, Set<Listener>>()
ipcRenderer.on(IPC_EVENT_CHANNEL, (_e: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (!isEventName(name)) return
  for (const l of listeners.get(name) ?? []) l(payload)
})
const menuListeners = new Set<(command: string) => void>()
ipcRenderer.on(MENU_COMMAND_CHANNEL, (_e: IpcRendererEvent, command: unknown) => {
  if (typeof command === 'string') for (const l of menuListeners) l(command)
})

/**
 * One named function per request of the API declaration, plus event subscription. No raw
 * ipcRenderer, no Node: the page gets exactly these functions.
 */
const call = Object.fromEntries(
  requestNames.map((name) => [name, (params: unknown) => ipcRenderer.invoke(IPC_REQUEST_CHANNEL, name, params)])
)

contextBridge.exposeInMainWorld('lookout', {
  call,
  on(name: string, listener: Listener): () => void {
    if (!isEventName(name) || typeof listener !== 'function') throw new Error(`unknown event ${String(name)}`)
    let set = listeners.get(name)
    if (!set) listeners.set(name, (set = new Set()))
    set.add(listener)
    return () => set.delete(listener)
  },
  onMenuCommand(listener: (command: string) => void): () => void {
    menuListeners.add(listener)
    return () => menuListeners.delete(listener)
  }
})
