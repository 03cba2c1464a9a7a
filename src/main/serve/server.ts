import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { ClientFrame, type ServerFrame } from '../../shared/api'
import type { Core } from '../core'
import { hostAllowed, isLoopbackHost, originAllowed, presentedToken, TOKEN_COOKIE, tokensEqual } from './auth'
import { contentSecurityPolicy } from './csp'
import { readStatic } from './static'

/** Largest request a client may send: room for a pasted plan of tens of thousands of nodes. */
export const DEFAULT_MAX_PAYLOAD_BYTES = 64 * 1024 * 1024

export interface ServeOptions {
  core: Core
  rendererDir: string
  host?: string
  port?: number
  token: string
  /** Largest WebSocket frame accepted from a client. */
  maxPayloadBytes?: number
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
  const refuse = (res: ServerResponse, status: number, msg: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS }).end(msg + '\n')
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    if (!hostAllowed(req.headers.host, host, port)) return refuse(res, 421, 'Lookout: unexpected Host header.')
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Lookout: method not allowed.')
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`)
    const token = presentedToken(req, url)
    if (!token || !tokensEqual(token, opts.token))
      return refuse(res, 401, 'Lookout: missing or wrong token. Open the URL that `lookout serve` printed.')
    if (url.searchParams.has('token')) {
      // Swap the token in the URL for a cookie, so it leaves the address bar and history.
      res.writeHead(303, {
        location: url.pathname,
        'set-cookie': `${TOKEN_COOKIE}=${opts.token}; HttpOnly; SameSite=Strict; Path=/`,
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

  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES })
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`)
    const token = presentedToken(req, url)
    const deny = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
    }
    if (url.pathname !== '/api') return deny(404, 'Not Found')
    if (!hostAllowed(req.headers.host, host, port)) return deny(421, 'Misdirected Request')
    if (!token || !tokensEqual(token, opts.token)) return deny(401, 'Unauthorized')
    if (!originAllowed(req.headers.origin, req.headers.host) && req.headers.origin !== undefined) return deny(403, 'Forbidden')
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws))
  })

  function attach(ws: WebSocket) {
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame))
    }
    const unsubscribe = opts.core.onEvent((event, payload) => send({ event, payload }))
    ws.on('close', unsubscribe)
    ws.on('message', async (data, isBinary) => {
      if (isBinary) return ws.close(1003, 'text frames only')
      let frame: ClientFrame
      try {
        const parsed = ClientFrame.safeParse(JSON.parse(data.toString()))
        if (!parsed.success) return ws.close(1007, 'malformed request frame')
        frame = parsed.data
      } catch {
        return ws.close(1007, 'request frame is not JSON')
      }
      const reply = await opts.core.dispatch(frame.method, frame.params)
      send(reply.ok ? { id: frame.id, ok: true, result: reply.result } : { id: frame.id, ok: false, error: reply.error })
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
