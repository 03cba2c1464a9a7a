import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MetricsEndpointCollector } from '../../src/main/core/prometheus/metrics-collector'
import { createCore } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { TargetState } from '../../src/shared/schemas'
import { eventually } from '../harness'
import { tempDir } from '../helpers/temp'
import { makePki } from '../helpers/pki'

const PAGE =
  '# HELP app_requests_total Requests.\n# TYPE app_requests_total counter\napp_requests_total{code="200"} 42\napp_requests_total{code="500"} 1\n'
let dir: string
let caFile: string
let good: Server
let wrongName: Server

/** An exporter that wants either basic auth scraper:s3cret or bearer tok-123, and gzips its page. */
function exporter(certName: string): Promise<Server> {
  const server = createServer(
    { key: readFileSync(join(dir, `${certName}.key`)), cert: readFileSync(join(dir, `${certName}.pem`)) },
    (req, res) => {
      const auth = req.headers.authorization
      const ok = auth === 'Basic ' + Buffer.from('scraper:s3cret').toString('base64') || auth === 'Bearer tok-123'
      if (!ok) return void res.writeHead(401, { 'www-authenticate': 'Basic' }).end('unauthorized\n')
      const gz = /gzip/.test(String(req.headers['accept-encoding']))
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', ...(gz ? { 'content-encoding': 'gzip' } : {}) })
      res.end(gz ? gzipSync(PAGE) : PAGE)
    }
  )
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)))
}

const port = (s: Server) => (s.address() as AddressInfo).port
const collect = (c: MetricsEndpointCollector) => c.collect(AbortSignal.timeout(5000))

beforeAll(async () => {
  dir = tempDir()
  caFile = makePki(dir).ca
  good = await exporter('good')
  wrongName = await exporter('wrong')
})

afterAll(async () => {
  good?.close()
  wrongName?.close()
})

describe('scraping a TLS endpoint with auth', () => {
  it('verifies the certificate with the profile CA and authenticates with basic auth; the page is gzipped', async () => {
    const c = new MetricsEndpointCollector({
      id: 'm',
      url: `https://scraper@127.0.0.1:${port(good)}/metrics`,
      auth: 'basic',
      secret: 's3cret',
      caFile
    })
    const r = await collect(c)
    expect(r.figures.find((f) => f.label === 'Samples')!.value).toBe(2)
    await c.close()
  })

  it('authenticates with a bearer token', async () => {
    const c = new MetricsEndpointCollector({
      id: 'm',
      url: `https://127.0.0.1:${port(good)}/metrics`,
      auth: 'bearer',
      secret: 'tok-123',
      caFile
    })
    expect((await collect(c)).figures.find((f) => f.label === 'Samples')!.value).toBe(2)
    await c.close()
  })

  it('refuses a certificate from an unknown CA, and one for another host name', async () => {
    const noCa = new MetricsEndpointCollector({
      id: 'm',
      url: `https://127.0.0.1:${port(good)}/metrics`,
      auth: 'bearer',
      secret: 'tok-123'
    })
    await expect(collect(noCa)).rejects.toThrow(
      `https://127.0.0.1:${port(good)}/metrics: unable to verify the first certificate (the certificate is not signed by a CA Lookout trusts: give the endpoint its CA file)`
    )
    const wrong = new MetricsEndpointCollector({
      id: 'm',
      url: `https://127.0.0.1:${port(wrongName)}/metrics`,
      auth: 'bearer',
      secret: 'tok-123',
      caFile
    })
    await expect(collect(wrong)).rejects.toThrow(
      /Hostname\/IP does not match certificate's altnames: IP: 127\.0\.0\.1 is not in the cert's list/
    )
    await Promise.all([noCa.close(), wrong.close()])
  })

  it('shows a wrong token as the server answered it', async () => {
    const c = new MetricsEndpointCollector({
      id: 'm',
      url: `https://127.0.0.1:${port(good)}/metrics`,
      auth: 'bearer',
      secret: 'wrong',
      caFile
    })
    await expect(collect(c)).rejects.toThrow(`https://127.0.0.1:${port(good)}/metrics: HTTP 401 Unauthorized`)
    await c.close()
  })

  it('through a profile: up with the stored password, which never reaches disk or the renderer', async () => {
    const data = tempDir()
    const core = createCore({ dataDir: data, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    const states: TargetState[] = []
    core.onEvent((n, p) => n === 'target.state' && states.push(p as TargetState))
    try {
      const saved = await core.dispatch('profiles.save', {
        profile: {
          name: 'tls',
          environment: 'prod',
          metrics: [{ url: `https://scraper:s3cret@127.0.0.1:${port(good)}/metrics`, caFile }],
          pollIntervalMs: 500
        }
      })
      expect(saved.ok).toBe(true)
      expect(JSON.stringify(saved)).not.toContain('s3cret')
      expect(readFileSync(join(data, 'profiles.json'), 'utf8')).not.toContain('s3cret')
      await core.dispatch('monitor.start', { profile: 'tls' })
      const up = await eventually('the TLS endpoint up', () => states.find((s) => s.health === 'up'))
      expect(up.endpoint).toBe(`https://127.0.0.1:${port(good)}/metrics`)
      expect(JSON.stringify(states)).not.toContain('s3cret')
    } finally {
      await core.close()
    }
  })
})
