import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import { ApiError, RequestPart } from '../../../src/shared/api'
import { webSocketTransport, type ConnectionStatus, type Transport } from '../../../src/renderer/src/api/client'
import { CHART_CAPACITY, useSeries } from '../../../src/renderer/src/stores/series'
import { eventually } from '../../harness'

/**
 * The renderer's WebSocket transport, without a browser: Node's `ws` client stands in for the
 * browser's WebSocket, against a real server that plays the core's side of the protocol.
 */

let server: WebSocketServer
let url = ''
/** What the fake core does with each request frame: the reply frame (object) or nothing. */
let answer: (frame: any, socket: WebSocket) => unknown = () => undefined
const received: string[] = []
const sockets: WebSocket[] = []

/** A browser's WebSocket reports a failed connection through onclose and never throws: so does this one. */
class BrowserLikeWebSocket extends WebSocket {
  constructor(address: string) {
    super(address)
    this.on('error', () => {})
  }
}

beforeAll(async () => {
  ;(globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket
  server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
  await new Promise<void>((r) => server.once('listening', () => r()))
  url = `ws://127.0.0.1:${(server.address() as { port: number }).port}/api`
  server.on('connection', (ws) => {
    sockets.push(ws)
    ws.on('message', (d) => {
      received.push(d.toString())
      const reply = answer(JSON.parse(d.toString()), ws)
      if (reply) ws.send(JSON.stringify(reply))
    })
  })
})

afterAll(() => server.close())

let transports: Transport[] = []
afterEach(() => {
  for (const s of sockets.splice(0)) s.terminate()
  received.length = 0
  transports = []
})

function connect(timeoutMs?: number): { t: Transport; statuses: ConnectionStatus[] } {
  const t = webSocketTransport(url, timeoutMs ? { timeoutMs } : {})
  transports.push(t)
  const statuses: ConnectionStatus[] = []
  t.onStatus((s) => statuses.push(s))
  return { t, statuses }
}

const info = {
  name: 'Lookout',
  version: '0',
  transport: 'websocket',
  platform: 'linux',
  secretStorage: { persistent: false, warning: null }
}

describe('the WebSocket transport', () => {
  it('validates every reply against the declaration: a malformed result is an error, not data', async () => {
    const { t } = connect()
    answer = (f) => ({ id: f.id, ok: true, result: { ...info, name: 'Impostor' } })
    await expect(t.call('app.info', {})).rejects.toMatchObject({ code: 'internal' })
    answer = (f) => ({ id: f.id, ok: true, result: info })
    expect(await t.call('app.info', {})).toEqual(info)
  })

  it('keeps an error’s code and reason, so views switch on the reason, never the text', async () => {
    const { t } = connect()
    answer = (f) => ({ id: f.id, ok: false, error: { code: 'refused', message: 'no', reason: 'writes_need_confirmation' } })
    const err = await t.call('explain.run', { profile: 'p', sql: 'DELETE FROM t', analyze: true }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'refused', reason: 'writes_need_confirmation' })
  })

  it('sends a request larger than one frame in parts that the server can join', async () => {
    const { t } = connect()
    const plan = 'x'.repeat(600_000)
    answer = (f) => (f.part === f.parts - 1 ? { id: f.id, ok: false, error: { code: 'bad_request', message: 'seen' } } : undefined)
    await expect(t.call('explain.paste', { plan })).rejects.toMatchObject({ message: 'seen' })
    const parts = received.map((r) => RequestPart.parse(JSON.parse(r)))
    expect(parts.length).toBeGreaterThan(1)
    expect(JSON.parse(parts.map((p) => p.data).join(''))).toMatchObject({ method: 'explain.paste', params: { plan } })
  })

  it('drops events that do not match their schema and delivers those that do', async () => {
    const { t } = connect()
    const got: unknown[] = []
    t.on('alerts.changed', (a) => got.push(a))
    answer = (f, ws) => {
      ws.send(JSON.stringify({ event: 'alerts.changed', payload: { firing: 'lots', critical: -1 } }))
      ws.send(JSON.stringify({ event: 'no.such.event', payload: {} }))
      ws.send(JSON.stringify({ event: 'alerts.changed', payload: { firing: [], critical: 0 } }))
      return { id: f.id, ok: true, result: info }
    }
    await t.call('app.info', {})
    await eventually('the valid event', () => got.length || null)
    expect(got).toEqual([{ firing: [], critical: 0, other: [] }])
  })

  it('a lost connection fails the calls in flight at once, then reconnects by itself', async () => {
    const { t, statuses } = connect()
    answer = () => undefined
    await eventually('open', () => statuses.includes('open') || null)
    const pending = t.call('app.info', {})
    await eventually('the request to arrive', () => received.length || null)
    for (const s of sockets.splice(0)) s.terminate()
    await expect(pending).rejects.toMatchObject({ code: 'unavailable', message: expect.stringContaining('lost') })
    await eventually(
      'closed, then open again',
      () => (statuses.lastIndexOf('open') > statuses.indexOf('closed') && statuses.includes('closed')) || null
    )
    answer = (f) => ({ id: f.id, ok: true, result: info })
    expect(await t.call('app.info', {})).toEqual(info)
  })
})

describe('the series store', () => {
  const snapshot = {
    profile: 'p',
    targets: [],
    series: [
      { seriesId: 's', targetId: 't', label: 'L', unit: '', seq: 3, t: [1, 2, 3], v: [1, null, 3] },
      { seriesId: 'm', targetId: 't', label: 'Memory', unit: 'B', headline: false, seq: 1, t: [1], v: [5] }
    ]
  }

  it('keeps what a series says of itself: a series that is not a headline stays off the Health card', () => {
    useSeries.getState().loadSnapshot(snapshot)
    expect(useSeries.getState().byId['m']!.info).toEqual({ seriesId: 'm', targetId: 't', label: 'Memory', unit: 'B', headline: false })
    expect(useSeries.getState().byId['s']!.info.headline).toBeUndefined()
  })

  it('loads a snapshot, appends points in order, ignores stale ones, and counts a sequence gap', () => {
    const store = useSeries.getState()
    store.loadSnapshot(snapshot)
    const entry = () => useSeries.getState().byId['s']!
    expect(entry().ring.length).toBe(3)
    // A missing point is NaN in the ring, as it was null on the wire.
    expect(Number.isNaN(entry().ring.view().v[1])).toBe(true)
    const poll = (t: number, seq: number, v: number | null) => ({ profile: 'p', targetId: 't', t, points: [{ seriesId: 's', seq, v }] })
    store.applyDelta(poll(4, 4, 4))
    expect(entry().coreSeq).toBe(4)
    expect(useSeries.getState().gaps).toBe(0)
    store.applyDelta(poll(4, 4, 4))
    expect(entry().ring.length).toBe(4)
    store.applyDelta(poll(7, 7, 7))
    expect(useSeries.getState().gaps).toBe(1)
    expect(entry().ring.last()).toEqual({ t: 7, v: 7 })
    store.applyDelta(poll(8, 8, null))
    expect(Number.isNaN(entry().ring.last()!.v)).toBe(true)
  })

  it('applies one poll of several series as one store update', () => {
    const store = useSeries.getState()
    store.loadSnapshot(snapshot)
    let updates = 0
    const off = useSeries.subscribe(() => updates++)
    store.applyDelta({
      profile: 'p',
      targetId: 't',
      t: 9,
      points: [
        { seriesId: 's', seq: 4, v: 1 },
        { seriesId: 'm', seq: 2, v: 2 },
        { seriesId: 'unknown', seq: 1, v: 3 }
      ]
    })
    off()
    expect(updates).toBe(1)
    expect(useSeries.getState().byId['s']!.ring.last()).toEqual({ t: 9, v: 1 })
    expect(useSeries.getState().byId['m']!.ring.last()).toEqual({ t: 9, v: 2 })
  })

  it('keeps no more points than a chart shows', () => {
    const n = CHART_CAPACITY + 500
    const long = { seriesId: 'x', targetId: 't', label: 'X', unit: '', seq: n, t: [...Array(n).keys()], v: [...Array(n).keys()] }
    useSeries.getState().loadSnapshot({ profile: 'p', targets: [], series: [long] })
    const ring = useSeries.getState().byId['x']!.ring
    expect(ring.length).toBe(CHART_CAPACITY)
    expect(ring.view().t[0]).toBe(500)
    for (let i = 0; i < 10; i++)
      useSeries.getState().applyDelta({ profile: 'p', targetId: 't', t: n + i, points: [{ seriesId: 'x', seq: n + i + 1, v: i }] })
    expect(ring.length).toBe(CHART_CAPACITY)
  })
})
