import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { ClientFrame, MAX_FRAME_BYTES, MAX_REQUEST_BYTES, RequestPart, type IpcReply, type ServerFrame } from '../../shared/api'
import type { Core } from '../core'
import { busyReply, inflightLimited } from '../core/limits'
import { allowedHostNames, hostAllowed, isLoopbackHost, originAllowed, presentedToken, tokenCookie, tokensEqual } from './auth'
import { contentSecurityPolicy } from './csp'
import { readStatic } from './static'

/** Requests being assembled from parts, over every connection at once: memory stays bounded whoever sends. */
export const MAX_ASSEMBLING_BYTES = 2 * MAX_REQUEST_BYTES

export interface ServeOptions {
  core: Core
  rendererDir: string
  host?: string
  port?: number
  token: string
  /** Largest WebSocket frame accepted from a client (MAX_FRAME_BYTES); larger requests come in parts. */
  maxPayloadBytes?: number
  /** Host names the Host header may give besides loopback, the bound address and (on a wildcard bind) the machine's own. */
  allowHosts?: string[]
}

export interface RunningServer {
  url: string
  /** The URL to open: with the token, which the page swaps for an HttpOnly cookie. */
  urlWithToken: string
  port: number
  host: string
  server: Server
  close(): Promise<void>
}

/** Refuses to bind a non-loopback address silently: the caller prints this warning. */
export function exposureWarning(host: string): string | null {
  if (isLoopbackHost(host)) return null
  return [
    '!!! WARNING: Lookout is listening on ' + host + ', not on loopback.',
    '!!! Anyone who can reach this address and learns the token can use every connection profile',
    '!!! loaded here. Prefer the default 127.0.0.1 and an SSH tunnel (ssh -L) from your desk.'
  ].join('\n')
}

const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cache-control': 'no-store'
}

/**
 * Headless mode: the built renderer over HTTP and the API over a WebSocket at /api, both
 * behind a random token. Every request is checked for the Host it names and the token it
 * carries; the WebSocket also for its Origin.
 */
export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const host = opts.host ?? '127.0.0.1'
  let port = opts.port ?? 0
  const allowedHosts = allowedHostNames(host, opts.allowHosts)
  const maxFrame = opts.maxPayloadBytes ?? MAX_FRAME_BYTES
  let assembling = 0
  const refuse = (res: ServerResponse, status: number, msg: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(msg + '\n')
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, allowedHosts, port)) return refuse(res, 421, 'Lookout: unexpected Host header.')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Lookout: method not allowed.')
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    const token = presentedToken(req, url, port)
    if (!token || !tokensEqual(token, opts.token))
      return refuse(res, 401, 'Lookout: missing or wrong token. Open the URL that `lookout serve` printed.')
    if (url.searchParams.has('token')) {
      // Swap the token in the URL for a cookie, so it leaves the address bar and history.
      res.writeHead(303, {
        location: url.pathname,
        'set-cookie': `${tokenCookie(port)}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
        ...SECURITY_HEADERS
      })
      return res.end()
    }
    const file = await readStatic(opts.rendererDir, url.pathname)
    if (!file) return refuse(res, 404, 'Lookout: not found.')
    const wsOrigin = `ws://${req.headers.host}`
    res.writeHead(200, { 'content-type': file.type, 'content-security-policy': contentSecurityPolicy([wsOrigin]), ...SECURITY_HEADERS })
    res.end(req.method === 'HEAD' ? undefined : file.body)
  })
  // A client that resets or sends garbage before a request is complete: drop it, never crash.
  server.on('clientError', (_err, socket: Socket) => socket.destroy())

  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrame })
  wss.on('error', () => {})
  server.on('upgrade', (req, socket: Socket, head) => {
    // Before anything else: a reset on this socket (authenticated or not) must not take the process down.
    socket.on('error', () => socket.destroy())
    const deny = (status: number, text: string) => {
      if (socket.writable) socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
      else socket.destroy()
    }
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://lookout.invalid')
    } catch {
      return deny(400, 'Bad Request')
    }
    if (url.pathname !== '/api') return deny(404, 'Not Found')
    if (!hostAllowed(req.headers.host, allowedHosts, port)) return deny(421, 'Misdirected Request')
    const token = presentedToken(req, url, port)
    if (!token || !tokensEqual(token, opts.token)) return deny(401, 'Unauthorized')
    // A browser always sends Origin on a WebSocket; a request without one is not from our page.
    if (!originAllowed(req.headers.origin, req.headers.host)) return deny(403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket) {
    // Malformed frames (unmasked, oversized, bad opcodes, random bytes) surface here: close this client only.
    ws.on('error', () => ws.terminate())
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
    }
    const unsubscribe = opts.core.onEvent((event, payload) => send({ event, payload }))
    const dispatch = inflightLimited<IpcReply>((m, p) => opts.core.dispatch(m, p), busyReply)
    /** The one request this connection is sending in parts, if any. */
    let partial: { id: number; parts: number; got: string[]; chars: number } | null = null
    const dropPartial = () => {
      if (partial) assembling -= partial.chars * 2
      partial = null
    }
    ws.on('close', () => {
      unsubscribe()
      dropPartial()
    })
    const run = async (frame: ClientFrame) => {
      const reply = await dispatch(frame.method, frame.params)
      send(reply.ok ? { id: frame.id, ok: true, result: reply.result } : { id: frame.id, ok: false, error: reply.error })
    }
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only')
      let json: unknown
      try {
        json = JSON.parse(data.toString())
      } catch {
        return ws.close(1007, 'request frame is not JSON')
      }
      const whole = ClientFrame.safeParse(json)
      if (whole.success) return void run(whole.data)
      const part = RequestPart.safeParse(json)
      if (!part.success) return ws.close(1007, 'malformed request frame')
      const p = part.data
      if (!partial) {
        if (p.part !== 0) return ws.close(1007, 'request part out of order')
        partial = { id: p.id, parts: p.parts, got: [], chars: 0 }
      }
      if (p.id !== partial.id || p.parts !== partial.parts || p.part !== partial.got.length) {
        dropPartial()
        return ws.close(1007, 'request part out of order')
      }
      const bytes = p.data.length * 2
      if ((partial.chars + p.data.length) * 2 > MAX_REQUEST_BYTES || assembling + bytes > MAX_ASSEMBLING_BYTES) {
        const id = partial.id
        dropPartial()
        send({
          id,
          ok: false,
          error: {
            code: 'busy',
            message: `a request of more than ${MAX_REQUEST_BYTES / 1024 / 1024} MiB, or too many large requests at once; nothing was run`
          }
        })
        return ws.close(1009, 'request too large')
      }
      partial.got.push(p.data)
      partial.chars += p.data.length
      assembling += bytes
      if (partial.got.length < partial.parts) return
      const text = partial.got.join('')
      dropPartial()
      let assembled: ClientFrame
      try {
        const parsed = ClientFrame.safeParse(JSON.parse(text))
        if (!parsed.success) return ws.close(1007, 'malformed request frame')
        assembled = parsed.data
      } catch {
        return ws.close(1007, 'request is not JSON')
      }
      void run(assembled)
    })
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  port = (server.address() as AddressInfo).port
  const shownHost = host.includes(':') ? `[${host}]` : host
  const base = `http://${shownHost}:${port}/`
  return {
    url: base,
    urlWithToken: `${base}?token=${opts.token}`,
    port,
    host,
    server,
    async close() {
      for (const c of wss.clients) c.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    }
  }
}
