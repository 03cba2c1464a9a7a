import {
  ApiError,
  IpcReply,
  parseEvent,
  parseResult,
  requestFrames,
  ServerFrame,
  isEventName,
  type ApiClient,
  type EventName,
  type EventPayload,
  type Params,
  type RequestName,
  type Result
} from '../../../shared/api'
import type { LookoutBridge } from './bridge'

export type ConnectionStatus = 'connecting' | 'open' | 'closed'

export interface Transport extends ApiClient {
  readonly kind: 'ipc' | 'websocket'
  onStatus(listener: (s: ConnectionStatus, detail?: string) => void): () => void
}

type AnyListener = (payload: unknown) => void

class EventHub {
  private readonly map = new Map<EventName, Set<AnyListener>>()
  on(name: EventName, l: AnyListener): () => void {
    let set = this.map.get(name)
    if (!set) this.map.set(name, (set = new Set()))
    set.add(l)
    return () => set.delete(l)
  }
  emit(name: string, raw: unknown): void {
    if (!isEventName(name)) return
    const set = this.map.get(name)
    if (!set?.size) return
    // Whatever arrives from the other side is checked against the declaration first.
    let payload: unknown
    try {
      payload = parseEvent(name, raw)
    } catch (err) {
      console.error(err)
      return
    }
    for (const l of set) l(payload)
  }
}

function unwrap<N extends RequestName>(name: N, reply: unknown): Result<N> {
  const r = IpcReply.safeParse(reply)
  if (!r.success) throw new ApiError('internal', `${name}: malformed reply`)
  if (!r.data.ok) throw new ApiError(r.data.error.code, r.data.error.message, r.data.error.reason)
  return parseResult(name, r.data.result)
}

/** The desktop transport: the preload's named functions over IPC. */
export function ipcTransport(bridge: LookoutBridge): Transport {
  const hub = new EventHub()
  const subscribed = new Set<string>()
  return {
    kind: 'ipc',
    async call(name, params) {
      const fn = bridge.call[name]
      if (!fn) throw new ApiError('unknown_method', `the bridge has no ${name}`)
      return unwrap(name, await fn(params))
    },
    on(name, listener) {
      if (!subscribed.has(name)) {
        subscribed.add(name)
        bridge.on(name, (p) => hub.emit(name, p))
      }
      return hub.on(name, listener as AnyListener)
    },
    onStatus(listener) {
      listener('open')
      return () => {}
    }
  }
}

/**
 * The headless transport: the same API over a WebSocket to `lookout serve`. The session
 * cookie set from the token authenticates it. Reconnects with backoff; calls made while
 * disconnected fail at once with a clear error rather than hanging.
 */
export function webSocketTransport(url: string, opts: { timeoutMs?: number } = {}): Transport {
  const hub = new EventHub()
  const statusListeners = new Set<(s: ConnectionStatus, detail?: string) => void>()
  const pending = new Map<
    number,
    { name: RequestName; resolve(v: unknown): void; reject(e: unknown): void; timer: ReturnType<typeof setTimeout> }
  >()
  let ws: WebSocket | null = null
  let nextId = 1
  let attempt = 0
  let status: ConnectionStatus = 'connecting'
  const timeoutMs = opts.timeoutMs ?? 30_000
  const setStatus = (s: ConnectionStatus, detail?: string) => {
    status = s
    for (const l of statusListeners) l(s, detail)
  }

  function connect() {
    setStatus('connecting')
    const sock = new WebSocket(url)
    ws = sock
    sock.onopen = () => {
      attempt = 0
      setStatus('open')
    }
    sock.onmessage = (m) => {
      let frame: ServerFrame
      try {
        const parsed = ServerFrame.safeParse(JSON.parse(String(m.data)))
        if (!parsed.success) return
        frame = parsed.data
      } catch {
        return
      }
      if ('event' in frame) return hub.emit(frame.event, frame.payload)
      const p = pending.get(frame.id)
      if (!p) return
      pending.delete(frame.id)
      clearTimeout(p.timer)
      try {
        if (frame.ok) p.resolve(parseResult(p.name, frame.result))
        else p.reject(new ApiError(frame.error.code, frame.error.message, frame.error.reason))
      } catch (err) {
        p.reject(err)
      }
    }
    sock.onclose = (e) => {
      if (ws !== sock) return
      ws = null
      for (const [id, p] of pending) {
        clearTimeout(p.timer)
        p.reject(new ApiError('unavailable', 'the connection to Lookout was lost'))
        pending.delete(id)
      }
      const delay = Math.min(10_000, 500 * 2 ** attempt++) * (0.8 + Math.random() * 0.4)
      setStatus('closed', e.code === 1006 ? 'connection lost' : `closed (${e.code}${e.reason ? ': ' + e.reason : ''})`)
      setTimeout(connect, delay)
    }
  }
  connect()

  return {
    kind: 'websocket',
    call<N extends RequestName>(name: N, params: Params<N>): Promise<Result<N>> {
      return new Promise<Result<N>>((resolve, reject) => {
        if (!ws || ws.readyState !== WebSocket.OPEN) {
          const sock = ws
          if (sock && sock.readyState === WebSocket.CONNECTING) {
            // Wait for the socket that is opening rather than failing the app's first calls.
            const retry = () => {
              sock.removeEventListener('open', retry)
              this.call(name, params).then(resolve, reject)
            }
            sock.addEventListener('open', retry)
            return
          }
          return reject(new ApiError('unavailable', 'not connected to Lookout'))
        }
        const id = nextId++
        const timer = setTimeout(() => {
          pending.delete(id)
          reject(new ApiError('unavailable', `${name}: no answer within ${timeoutMs / 1000} s`))
        }, timeoutMs)
        pending.set(id, { name, resolve: resolve as (v: unknown) => void, reject, timer })
        // A request larger than one frame (a pasted plan) goes in parts the server reassembles.
        for (const frame of requestFrames(id, name, params)) ws.send(frame)
      })
    },
    on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void) {
      return hub.on(name, listener as AnyListener)
    },
    onStatus(listener) {
      statusListeners.add(listener)
      listener(status)
      return () => statusListeners.delete(listener)
    }
  }
}
