import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeExposition } from '../../src/main/core/prometheus/exposition/decode'
import { formatFromContentType, parseExposition } from '../../src/main/core/prometheus/exposition/parser'
import { MetricsEndpointCollector } from '../../src/main/core/prometheus/metrics-collector'
import {
  eventuallyAsync,
  startAlertmanager,
  startMetricsFixture,
  startBlackboxExporter,
  startNodeExporter,
  startPostgres,
  startPostgresExporter,
  startPrometheus,
  startPushgateway,
  startRedis,
  startRedisExporter,
  type AlertmanagerHandle,
  type ExporterHandle,
  type PostgresHandle,
  type RedisHandle,
  type MetricsFixture,
  type PrometheusHandle
} from '../harness'

/**
 * The real Prometheus server as the oracle: edge-case pages served to it and to Lookout's
 * scraper, and live pages of Debian's Alertmanager, node, redis, postgres and blackbox exporters
 * (its own page and a probe's), a Pushgateway holding a pushed batch job's page, and a
 * prom-client app. Each
 * page must get the same verdict (scraped or refused) and the same sample count from both.
 */

const TEXT = 'text/plain; version=0.0.4; charset=utf-8'
const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8'
const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))))

/** Pages where the written formats and the server part ways, or where a parser is easily wrong. */
const EDGE_PAGES: Record<string, { type: string; body: Buffer }> = {
  'hex-float': { type: TEXT, body: bytes('# TYPE a gauge\na 0x1p-2\n') },
  crlf: { type: TEXT, body: bytes('# TYPE a gauge\r\na 1\r\n') },
  'crlf-untyped': { type: TEXT, body: bytes('a 1\r\nb 2\r\n') },
  'utf8-label': { type: TEXT, body: bytes('a{l="', [0xff], '"} 1\n') },
  'utf8-help': { type: TEXT, body: bytes('# HELP a x', [0xc3, 0x28], '\na 1\n') },
  'name-label': { type: TEXT, body: bytes('metric{__name__="bla"} 3.14\n') },
  bom: { type: TEXT, body: bytes([0xef, 0xbb, 0xbf], '# HELP a b\n# TYPE a gauge\na 1\n') },
  'no-blank-after-brace': { type: TEXT, body: bytes('name2{ labelname = "val1" , }-Inf\nname2{labelname="val2"}\t+Inf\n') },
  'second-help': { type: TEXT, body: bytes('# HELP a one\n# HELP a two\na 1\n') },
  'type-after-samples': { type: TEXT, body: bytes('a 1\n# TYPE a gauge\nb 2\n') },
  'buckets-going-down': { type: TEXT, body: bytes('# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\n') },
  'om-split-family': { type: OM, body: bytes('# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\na{x="y"} 2\n# EOF\n') },
  'om-negative-buckets-with-sum': {
    type: OM,
    body: bytes('# TYPE h histogram\nh_bucket{le="-1"} 1\nh_bucket{le="+Inf"} 2\nh_sum -0.5\nh_count 2\n# EOF\n')
  },
  'om-counter-without-total': { type: OM, body: bytes('# TYPE c counter\nc 1\n# EOF\n') },
  'om-no-eof': { type: OM, body: bytes('# TYPE a gauge\na 1\n') },
  // Prometheus's text lexer takes a raw line feed inside a quoted label value; its OpenMetrics one does not.
  'raw-line-feed-in-label': { type: TEXT, body: bytes('metric{label="new\nline"} 3.14\nother 1\n') },
  'om-raw-line-feed-in-label': { type: OM, body: bytes('metric{label="new\nline"} 3.14\n# EOF\n') }
}

/**
 * The OpenMetrics conformance suite's 211 cases (../shared), served as OpenMetrics: strict mode
 * follows the suite (conformance.test.ts); the scraper must follow Prometheus, which takes 71 of
 * the suite's 167 "should fail" cases.
 */
const CONFORMANCE = join(__dirname, '../../../shared/conformance/openmetrics/parsers')
const conformancePages = (): Record<string, { type: string; body: Buffer }> =>
  Object.fromEntries(
    readdirSync(CONFORMANCE)
      .sort()
      .map((name) => {
        const meta = JSON.parse(readFileSync(join(CONFORMANCE, name, 'test.json'), 'utf8')) as { file: string }
        return [`om-suite-${name}`, { type: OM, body: readFileSync(join(CONFORMANCE, name, meta.file)) }]
      })
  )
const PAGES = { ...EDGE_PAGES, ...conformancePages() }

/** A page pushed to the Pushgateway, which then serves it with its own series. */
const PUSHED = [
  '# HELP job_duration_seconds How long the batch job took.',
  '# TYPE job_duration_seconds histogram',
  'job_duration_seconds_bucket{le="1"} 2',
  'job_duration_seconds_bucket{le="10"} 5',
  'job_duration_seconds_bucket{le="+Inf"} 6',
  'job_duration_seconds_sum 31.5',
  'job_duration_seconds_count 6',
  '# TYPE rows_processed counter',
  'rows_processed{table="orders",note="quote \\" and \\\\ backslash"} 1.5e6',
  'last_success_timestamp_seconds 1.7e9',
  ''
].join('\n')

let server: Server
let prometheus: PrometheusHandle
let alertmanager: AlertmanagerHandle
let fixture: MetricsFixture
let postgres: PostgresHandle
let redis: RedisHandle
let exporters: ExporterHandle[] = []
/** Per job: where Lookout fetches the same page, and whether its body is fixed. */
const jobs = new Map<string, { url: string; fixed: boolean }>()

beforeAll(async () => {
  server = createServer((req, res) => {
    const page = PAGES[(req.url ?? '').slice(1)]
    if (!page) return void res.writeHead(404).end()
    res.writeHead(200, { 'content-type': page.type }).end(page.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as AddressInfo).port
  ;[alertmanager, fixture, postgres, redis] = await Promise.all([startAlertmanager(), startMetricsFixture(), startPostgres(), startRedis()])
  exporters = await Promise.all([
    startNodeExporter(),
    startRedisExporter(redis.url),
    startPostgresExporter(postgres.dsn),
    startBlackboxExporter(),
    startPushgateway()
  ])
  const [node, redisExporter, postgresExporter, blackbox, pushgateway] = exporters as [
    ExporterHandle,
    ExporterHandle,
    ExporterHandle,
    ExporterHandle,
    ExporterHandle
  ]
  const pushed = await fetch(`http://${pushgateway.address}/metrics/job/nightly_export/instance/batch1`, {
    method: 'PUT',
    headers: { 'content-type': TEXT },
    body: PUSHED
  })
  if (!pushed.ok) throw new Error(`the Pushgateway refused the push: ${pushed.status} ${await pushed.text()}`)
  for (const name of Object.keys(PAGES)) jobs.set(name, { url: `http://127.0.0.1:${port}/${name}`, fixed: true })
  const probeParams = { module: ['http_2xx'], target: [fixture.url] }
  const live = [
    { job: 'live-alertmanager', url: `${alertmanager.url}/metrics` },
    { job: 'live-prom-client', url: fixture.url },
    { job: 'live-node-exporter', url: node.metricsUrl },
    { job: 'live-redis-exporter', url: redisExporter.metricsUrl },
    { job: 'live-postgres-exporter', url: postgresExporter.metricsUrl },
    { job: 'live-blackbox-exporter', url: blackbox.metricsUrl },
    {
      job: 'live-blackbox-probe',
      url: `http://${blackbox.address}/probe?${new URLSearchParams({ module: 'http_2xx', target: fixture.url })}`,
      params: probeParams
    },
    { job: 'live-pushgateway', url: pushgateway.metricsUrl }
  ]
  prometheus = await startPrometheus([
    ...Object.keys(PAGES).map((name) => ({ job: name, targets: [`127.0.0.1:${port}`], metricsPath: `/${name}` })),
    // Exporters read the machine, a server or a probe for each scrape: 5 s leaves them time on a busy machine.
    ...live.map((l) => {
      const u = new URL(l.url)
      return { job: l.job, targets: [u.host], metricsPath: u.pathname, intervalSeconds: 5, ...('params' in l ? { params: l.params } : {}) }
    })
  ])
  for (const l of live) jobs.set(l.job, { url: l.url, fixed: false })
}, 120_000)

afterAll(async () => {
  await prometheus?.stop()
  await alertmanager?.stop()
  await fixture?.close()
  await Promise.all(exporters.map((e) => e.stop()))
  await redis?.stop()
  await postgres?.stop()
  await new Promise((r) => server?.close(r))
})

interface Verdict {
  up: boolean
  samples: number
  why: string | null
}

async function prometheusVerdicts(): Promise<Map<string, Verdict>> {
  const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
    data: { activeTargets: { labels: { job: string }; health: string; lastError: string; lastScrape: string }[] }
  }
  const samples = (await (await fetch(`${prometheus.url}/api/v1/query?query=scrape_samples_scraped`)).json()) as {
    data: { result: { metric: { job: string }; value: [number, string] }[] }
  }
  const out = new Map<string, Verdict>()
  for (const t of targets.data.activeTargets) {
    if (t.health === 'unknown') continue
    const n = samples.data.result.find((r) => r.metric.job === t.labels.job)
    if (!n) continue
    out.set(t.labels.job, { up: t.health === 'up', samples: Number(n.value[1]), why: t.lastError || null })
  }
  return out
}

/** Lookout's scraper's verdict on the page, fetched and read as `MetricsEndpointCollector` reads it. */
async function lookoutVerdict(url: string): Promise<Verdict> {
  const res = await fetch(url, { headers: { accept: 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5' } })
  const body = Buffer.from(await res.arrayBuffer())
  try {
    const page = parseExposition(decodeExposition(body), formatFromContentType(res.headers.get('content-type')), { strict: false })
    return { up: true, samples: page.sampleCount, why: null }
  } catch (err) {
    return { up: false, samples: 0, why: (err as Error).message }
  }
}

describe('Lookout reads what the Prometheus server reads', () => {
  it('every edge page and live page: the same verdict and sample count as Prometheus 2.42', { timeout: 90_000 }, async () => {
    const verdicts = await eventuallyAsync(
      'Prometheus has scraped every job',
      async () => {
        const v = await prometheusVerdicts()
        return [...jobs.keys()].every((j) => v.has(j)) && v
      },
      60_000
    )
    const disagreements: string[] = []
    const compare = (job: string, theirs: Verdict, ours: Verdict, fixed: boolean) => {
      // A live page can gain a series between the two scrapes: its count may move by a few.
      const sameCount =
        !theirs.up ||
        (fixed ? ours.samples === theirs.samples : Math.abs(ours.samples - theirs.samples) <= Math.max(3, theirs.samples * 0.02))
      return ours.up === theirs.up && sameCount
        ? null
        : `${job}: Prometheus ${theirs.up ? `took ${theirs.samples}` : `refused (${theirs.why})`}, Lookout ${ours.up ? `took ${ours.samples}` : `refused (${ours.why})`}`
    }
    for (const [job, { url, fixed }] of jobs) {
      if (fixed) {
        const d = compare(job, verdicts.get(job)!, await lookoutVerdict(url), true)
        if (d) disagreements.push(d)
        continue
      }
      // A live app adds series as it serves its first scrapes (its own /metrics handler's
      // histogram): compared once both have seen the page settle.
      let last: string | null = null
      await eventuallyAsync(
        `${job} read alike`,
        async () => {
          last = compare(job, (await prometheusVerdicts()).get(job)!, await lookoutVerdict(url), false)
          return last === null
        },
        30_000
      ).catch(() => disagreements.push(last ?? job))
    }
    expect(disagreements).toEqual([])
    // Every live page is one Prometheus took: agreeing on a refusal would prove nothing there.
    const liveDown = [...jobs].filter(([job, j]) => !j.fixed && !verdicts.get(job)!.up).map(([job]) => job)
    expect(liveDown).toEqual([])
    // The oracle did refuse some: the test is not vacuous.
    expect([...verdicts.values()].filter((v) => !v.up).length).toBeGreaterThanOrEqual(6)
    // Of the suite's cases the written format forbids, Prometheus takes some and refuses others.
    const suiteBad = [...jobs.keys()].filter((j) => j.startsWith('om-suite-bad_'))
    expect(suiteBad.length).toBeGreaterThan(100)
    expect(suiteBad.filter((j) => verdicts.get(j)!.up).length).toBeGreaterThan(0)
    expect(suiteBad.filter((j) => !verdicts.get(j)!.up).length).toBeGreaterThan(0)
  })
})

describe("Lookout's scraper on a page Prometheus takes with format warnings", () => {
  it('the target is up; its card counts the warnings and the explorer lists them', async () => {
    const port = (server.address() as AddressInfo).port
    const c = new MetricsEndpointCollector({ id: 'edge', url: `http://127.0.0.1:${port}/type-after-samples` })
    try {
      const r = await c.collect(AbortSignal.timeout(10_000))
      expect(r.figures.find((f) => f.label === 'Samples')!.value).toBe(2)
      expect(r.figures.find((f) => f.label === 'Format warnings')).toMatchObject({
        value: 1,
        detail: expect.stringMatching(
          /^line 2, column 8: # TYPE for "a" comes after its samples \(Prometheus takes it; lookout metrics lint lists them all\)$/
        )
      })
      expect(c.explorer.list('', 10)).toMatchObject({
        total: 2,
        warningCount: 1,
        warnings: [{ line: 2, column: 8, message: '# TYPE for "a" comes after its samples' }]
      })
    } finally {
      await c.close()
    }
  })
})
