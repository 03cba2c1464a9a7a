import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Counter, Histogram } from 'prom-client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chooseStep, MAX_POINTS_PER_SERIES, PrometheusApiError, PrometheusClient } from '../../src/main/core/prometheus/api-client'
import { ScrapeDeriver } from '../../src/main/core/prometheus/derive'
import { parseExposition, formatFromContentType } from '../../src/main/core/prometheus/exposition/parser'
import { familyQuantiles } from '../../src/main/core/prometheus/histograms'
import { freePort, startMetricsFixture, startPrometheus, type MetricsFixture, type PrometheusHandle, eventuallyAsync } from '../harness'
import { tempDir } from '../helpers/temp'
import { createCore } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { EventPayload } from '../../src/shared/api'
import { pointsOf } from '../helpers/core-call'

let fixture: MetricsFixture
let prom: PrometheusHandle
let client: PrometheusClient
let latency: Histogram<'route'>
let jobs: Counter

const RULES = {
  groups: [
    {
      name: 'lookout-test',
      rules: [
        {
          alert: 'AlwaysFiring',
          expr: 'vector(1)',
          for: '0s',
          labels: { severity: 'critical' },
          annotations: { summary: 'fires for the test' }
        }
      ]
    }
  ]
}

const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 30000) => eventuallyAsync(what, fn, timeoutMs)

async function scrapeFixture() {
  const res = await fetch(fixture.url)
  const text = await res.text()
  return { text, page: parseExposition(text, formatFromContentType(res.headers.get('content-type'))) }
}

beforeAll(async () => {
  fixture = await startMetricsFixture()
  latency = new Histogram({
    name: 'quantile_fixture_seconds',
    help: 'Fixed observations.',
    labelNames: ['route'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [fixture.registry]
  })
  jobs = new Counter({ name: 'jobs_done_total', help: 'Jobs done.', registers: [fixture.registry] })
  // Observations fixed once: Prometheus and Lookout then read identical buckets.
  const obs: Record<string, number[]> = { a: [0.003, 0.02, 0.02, 0.04, 0.07, 0.2, 0.3, 0.6, 2, 3], b: [0.5, 0.5, 0.7, 0.9, 4, 4.5, 0.08] }
  for (const [route, values] of Object.entries(obs)) for (const v of values) latency.observe({ route }, v)
  const rules = join(tempDir(), 'rules.yml')
  writeFileSync(rules, JSON.stringify(RULES))
  prom = await startPrometheus([{ job: 'fixture', targets: [`127.0.0.1:${fixture.port}`] }], [rules])
  client = new PrometheusClient(prom.url)
  await until('the fixture scraped', async () => {
    const r = await client.query('quantile_fixture_seconds_count')
    return r.data.type === 'vector' && r.data.series.length === 2
  })
})

afterAll(async () => {
  await prom?.stop()
  await fixture?.close()
})

describe('Prometheus 2.42 and Lookout on the same data', () => {
  it("computes the same p50/p95/p99 as the server's histogram_quantile", async () => {
    const { page } = await scrapeFixture()
    const family = page.families.find((f) => f.name === 'quantile_fixture_seconds')!
    for (const q of [0.5, 0.95, 0.99]) {
      const ours = familyQuantiles(family, q)
      const server = await client.query(`histogram_quantile(${q}, quantile_fixture_seconds_bucket)`)
      if (server.data.type !== 'vector') throw new Error('expected a vector')
      expect(server.data.series).toHaveLength(2)
      for (const s of server.data.series) {
        const mine = ours.get(`quantile_fixture_seconds{route="${s.metric.route}"}`)!
        expect(Number.isFinite(mine)).toBe(true)
        expect(Math.abs(mine - s.value)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(s.value)))
      }
    }
  })

  it('turns a counter into rates across a reset, as the server counts the reset', async () => {
    const deriver = new ScrapeDeriver()
    const rateOf = (t: number, text: string) => {
      const page = parseExposition(text, 'text')
      return deriver.update(page, text, t).find((p) => p.ref.key === 'jobs_done_total')!
    }
    jobs.inc(100)
    const t0 = Date.now()
    expect(rateOf(t0, (await scrapeFixture()).text).rate).toBeNaN()
    jobs.inc(50)
    const p1 = rateOf(t0 + 2000, (await scrapeFixture()).text)
    expect(p1.rate).toBe(25)
    expect(p1.reset).toBe(false)
    // Wait until the server has seen the high value, then reset the counter as a restart would.
    await until('the server seeing 150', async () => {
      const r = await client.query('jobs_done_total')
      return r.data.type === 'vector' && r.data.series[0]?.value === 150
    })
    jobs.reset()
    jobs.inc(7)
    const p2 = rateOf(t0 + 3000, (await scrapeFixture()).text)
    expect(p2.reset).toBe(true)
    expect(p2.rate).toBe(7) // counted from zero, never negative
    expect(deriver.resets).toBe(1)
    const serverResets = await until('the server counting the reset', async () => {
      const r = await client.query('resets(jobs_done_total[5m])')
      return r.data.type === 'vector' && r.data.series[0]?.value === 1 ? r.data.series[0].value : null
    })
    expect(serverResets).toBe(deriver.resets)
  })

  it('chooses a range step the server accepts, and shows the server refusing a finer one', async () => {
    const end = Math.floor(Date.now() / 1000)
    const start = end - 7 * 86400
    const step = chooseStep(start, end, 50_000)
    expect((end - start) / step + 1).toBeLessThanOrEqual(MAX_POINTS_PER_SERIES)
    const ok = await client.queryRange('up', start, end, step)
    expect(ok.data.type).toBe('matrix')
    const err = await client.queryRange('up', start, end, 1).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PrometheusApiError)
    expect((err as PrometheusApiError).status).toBe(400)
    expect((err as Error).message).toBe(
      `${prom.url}/api/v1/query_range: the query or its parameters are invalid (HTTP 400, bad_data): exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)`
    )
  })

  it('says clearly what a 422 and a 503 from the server mean', async () => {
    const e422 = (await client.query('label_replace(vector(1), "x", "$1", "y", "(")').catch((e: unknown) => e)) as PrometheusApiError
    expect(e422.status).toBe(422)
    expect(e422.message).toBe(
      `${prom.url}/api/v1/query: the query failed while running (HTTP 422, execution): invalid regular expression in label_replace(): (`
    )
    const e503 = (await client
      .query('sum(rate(prometheus_http_requests_total[5m]))', { timeoutS: 1e-9 })
      .catch((e: unknown) => e)) as PrometheusApiError
    expect(e503.status).toBe(503)
    expect(e503.errorType).toBe('timeout')
    expect(e503.message).toMatch(
      /^http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query: the query timed out on the server \(HTTP 503, timeout\): query timed out in query (queue|execution)$/
    )
  })

  it('names an unreachable server and the reason', async () => {
    const port = await freePort()
    const dead = new PrometheusClient(`http://127.0.0.1:${port}`)
    const err = (await dead.query('up').catch((e: unknown) => e)) as Error
    expect(err.message).toBe(`http://127.0.0.1:${port}/api/v1/query: connection refused (is it running and listening?)`)
    expect(await client.probe('healthy')).toBe(true)
    expect(await client.probe('ready')).toBe(true)
  })

  it('reads targets, rules, build info and the firing alerts', async () => {
    const targets = await client.targets()
    expect(targets.data.activeTargets.map((t) => [t.labels.job, t.health])).toEqual([['fixture', 'up']])
    const rules = await client.rules()
    expect(rules.data.groups[0]!.rules[0]).toMatchObject({ name: 'AlwaysFiring', type: 'alerting' })
    expect((await client.buildInfo()).data.version).toMatch(/^2\./)
    const firing = await until('the alert firing', async () => {
      const a = await client.alerts()
      return a.data.alerts.find((x) => x.labels.alertname === 'AlwaysFiring' && x.state === 'firing')
    })
    expect(firing.labels.severity).toBe('critical')
  })
})

describe('the core with a Prometheus server and a /metrics endpoint', () => {
  it('shows the server-side firing alert in Lookout and charts explored series', async () => {
    const notes: string[] = []
    const core = createCore({
      dataDir: tempDir(),
      secrets: new MemorySecretStore(),
      notifier: { notify: (n) => notes.push(n.title) },
      transport: 'websocket'
    })
    const deltas: { seriesId: string; t: number; v: number | null }[] = []
    core.onEvent((name, p) => {
      if (name === 'series.delta') deltas.push(...pointsOf(p as EventPayload<'series.delta'>))
    })
    try {
      const profile = { name: 'prom', environment: 'prod' as const, prometheus: prom.url, metrics: [fixture.url], pollIntervalMs: 500 }
      expect((await core.dispatch('profiles.save', { profile })).ok).toBe(true)
      expect((await core.dispatch('monitor.start', { profile: 'prom' })).ok).toBe(true)
      const summary = await until('the alert in Lookout', async () => {
        const r = await core.dispatch('alerts.summary', {})
        return r.ok && (r.result as { firing: { name: string }[] }).firing.some((a) => a.name === 'AlwaysFiring') ? r.result : null
      })
      expect(summary).toMatchObject({
        critical: 1,
        firing: [
          { source: 'prometheus', name: 'AlwaysFiring', severity: 'critical', summary: 'fires for the test', targetId: 'prometheus' }
        ]
      })
      // Critical, so it notifies, once its group wait has passed.
      await until('the notification', async () => notes.includes('prom: AlwaysFiring') || null)

      // The explorer lists the fixture's series after two scrapes, rates included.
      const listed = await until('two scrapes', async () => {
        const r = await core.dispatch('metrics.series', { profile: 'prom', targetId: 'metrics-0', search: 'jobs_done' })
        const s = r.ok ? (r.result as { series: { key: string; rate: number | null }[] }).series : []
        return s.length && s[0]!.rate !== null ? s : null
      })
      expect(listed.map((s) => s.key)).toEqual(['jobs_done_total'])
      const groups = await core.dispatch('metrics.series', { profile: 'prom', targetId: 'metrics-0', search: 'quantile_fixture' })
      expect(
        groups.ok &&
          (groups.result as { series: { key: string; quantile: number | null }[] }).series
            .filter((s) => s.quantile !== null)
            .map((s) => s.key)
      ).toEqual(['quantile_fixture_seconds{route="a"}', 'quantile_fixture_seconds{route="b"}'])
      const watched = await core.dispatch('metrics.watch', { profile: 'prom', targetId: 'metrics-0', key: 'jobs_done_total' })
      if (!watched.ok) throw new Error(watched.error.message)
      const id = (watched.result as { seriesId: string; label: string }).seriesId
      expect((watched.result as { label: string }).label).toBe('jobs_done_total (rate/s)')
      jobs.inc(1000)
      const point = await until('a charted rate', async () => deltas.find((d) => d.seriesId === id && typeof d.v === 'number' && d.v > 0))
      expect(point.v!).toBeGreaterThan(0)
      const missing = await core.dispatch('metrics.watch', { profile: 'prom', targetId: 'metrics-0', key: 'no_such_series' })
      expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', message: 'the last scrape has no series no_such_series' } })
      const wrongKind = await core.dispatch('metrics.series', { profile: 'prom', targetId: 'prometheus' })
      expect(wrongKind).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    } finally {
      await core.close()
    }
  })
})

describe('backfill from the server', () => {
  it("fills the /metrics scrape-duration chart with the server's history before Lookout's first poll", async () => {
    const core = createCore({ dataDir: tempDir(), secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
    try {
      await core.dispatch('profiles.save', {
        profile: { name: 'bf', environment: 'dev', prometheus: prom.url, metrics: [fixture.url], pollIntervalMs: 1000 }
      })
      const opened = Date.now()
      const r = await core.dispatch('monitor.start', { profile: 'bf' })
      if (!r.ok) throw new Error(r.error.message)
      const snap = r.result as { series: { seriesId: string; t: number[]; v: (number | null)[] }[] }
      const scrape = snap.series.find((s) => s.seriesId === 'metrics-0:scrape')!
      const up = snap.series.find((s) => s.seriesId === 'prometheus:up')!
      // As many points as the server holds samples for that instance (one per second), give or take the edge.
      const held = await client.query(`count_over_time(scrape_duration_seconds{instance="127.0.0.1:${fixture.port}"}[1h])`)
      const samples = held.data.type === 'vector' ? held.data.series[0]!.value : NaN
      expect(samples).toBeGreaterThanOrEqual(2)
      expect(Math.abs(scrape.t.length - samples)).toBeLessThanOrEqual(1)
      expect(scrape.t.every((t) => t <= opened)).toBe(true)
      expect(scrape.v.every((v) => v !== null && v > 0 && v < 1000)).toBe(true)
      expect(up.v.at(-1)).toBe(1)

      // A range reaching before the local history: the part it lacks comes from the server.
      const from = scrape.t[0]! - 1
      const h = await core.dispatch('history.series', {
        profile: 'bf',
        series: [{ targetId: 'metrics-0', seriesId: 'metrics-0:scrape' }],
        range: { from, to: Date.now() },
        points: 1000
      })
      if (!h.ok) throw new Error(h.error.message)
      const ranged = (h.result as { series: { t: number[]; avg: (number | null)[]; fromPrometheus: number }[] }).series[0]!
      expect(ranged.fromPrometheus).toBeGreaterThanOrEqual(2)
      expect(ranged.t.slice(0, ranged.fromPrometheus).every((t) => t < opened)).toBe(true)
      expect(ranged.avg.slice(0, ranged.fromPrometheus).every((v) => v !== null && v > 0 && v < 1000)).toBe(true)
      // Sorted, the server's points first, then the local ones.
      expect([...ranged.t].sort((a, b) => a - b)).toEqual(ranged.t)
    } finally {
      await core.close()
    }
  })
})
