import { describe, expect, it, vi } from 'vitest'

const fake = vi.hoisted(() => {
  const exposed: Record<string, any> = {}
  const invoked: unknown[][] = []
  const listeners: Record<string, (...a: any[]) => void> = {}
  return {
    exposed,
    invoked,
    listeners,
    module: {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: {
        invoke: (...a: unknown[]) => (invoked.push(a), Promise.resolve({ ok: true, result: null })),
        on: (ch: string, fn: (...a: any[]) => void) => (listeners[ch] = fn)
      }
    }
  }
})
vi.mock('electron', () => fake.module)

import '../../src/preload/index'
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL, requestNames } from '../../src/shared/api'

describe('the preload bridge', () => {
  const api = fake.exposed.lookout

  it('exposes only named functions: one per declared request, event subscription, menu commands', () => {
    expect(Object.keys(fake.exposed)).toEqual(['lookout'])
    expect(Object.keys(api).sort()).toEqual(['call', 'on', 'onMenuCommand'])
    expect(Object.keys(api.call).sort()).toEqual([...requestNames].sort())
    for (const fn of Object.values(api.call)) expect(typeof fn).toBe('function')
    expect(JSON.stringify(Object.keys(api))).not.toMatch(/ipc|process|require/)
  })

  it('sends each request on the one request channel with its declared name', async () => {
    await api.call['monitor.start']({ profile: 'p' })
    expect(fake.invoked.at(-1)).toEqual([IPC_REQUEST_CHANNEL, 'monitor.start', { profile: 'p' }])
  })

  it('delivers only declared events to subscribers and refuses unknown ones', () => {
    const got: unknown[] = []
    const off = api.on('target.state', (p: unknown) => got.push(p))
    fake.listeners[IPC_EVENT_CHANNEL]!({}, 'target.state', { x: 1 })
    fake.listeners[IPC_EVENT_CHANNEL]!({}, 'not.declared', { x: 2 })
    off()
    fake.listeners[IPC_EVENT_CHANNEL]!({}, 'target.state', { x: 3 })
    expect(got).toEqual([{ x: 1 }])
    expect(() => api.on('fs.anything', () => {})).toThrow(/unknown event/)
  })
})
