import { createServer, type Server } from 'node:http'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import { freePort } from './net'

export interface MetricsFixture {
  port: number
  url: string
  registry: Registry
  requestDuration: Histogram<'method' | 'route' | 'status'>
  requests: Counter<'method' | 'route' | 'status'>
  inFlight: Gauge
  cacheRequests: Counter<'result'>
  /** Serve this text instead of the registry (for malformed-page tests); null to go back. */
  override(body: string | null, status?: number): void
  close(): Promise<void>
}

/** Latency buckets of a typical web service, in seconds. */
export const REQUEST_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]

/** An HTTP endpoint serving a real /metrics page built with prom-client. */
export async function startMetricsFixture(): Promise<MetricsFixture> {
  const registry = new Registry()
  const requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: REQUEST_BUCKETS,
    registers: [registry]
  })
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry]
  })
  const inFlight = new Gauge({ name: 'http_requests_in_flight', help: 'Requests being answered now.', registers: [registry] })
  const cacheRequests = new Counter({
    name: 'cache_requests_total',
    help: 'Cache reads, by hit or miss.',
    labelNames: ['result'] as const,
    registers: [registry]
  })
  let overrideBody: { body: string; status: number } | null = null
  const server: Server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end('not found\n')
      return
    }
    if (overrideBody) {
      res.writeHead(overrideBody.status, { 'content-type': 'text/plain; version=0.0.4' }).end(overrideBody.body)
      return
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err) => res.writeHead(500).end(String(err))
    )
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve))
  return {
    port,
    url: `http://127.0.0.1:${port}/metrics`,
    registry,
    requestDuration,
    requests,
    inFlight,
    cacheRequests,
    override(body, status = 200) {
      overrideBody = body === null ? null : { body, status }
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}
