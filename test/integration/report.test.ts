import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import { Redis } from 'ioredis'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { reportCommand } from '../../src/main/cli/report-command'
import { headlessSecretStore } from '../../src/main/cli/secrets'
import { createCore, type Core } from '../../src/main/core'
import { startDemo, type DemoEnvironment } from '../../src/main/demo/demo'
import { DEMO_QUERIES } from '../../src/main/demo/workload'
import type { ReportResult } from '../../src/shared/reports'
import type { AlertsSummary } from '../../src/shared/schemas'
import { eventuallyAsync } from '../harness'
import { coreCaller, jobCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'
import { redisHitRateLowRule } from '../helpers/demo-rules'
import { launchChromium } from '../helpers/chromium'

/**
 * Reports on the demo's real servers: an induced incident (an invalidation that collapses the
 * hit rate and fires an alert) with the slow query; a before/after report around the demo's
 * missing index; hostile texts (a query, a Redis key, a metric label) shown as written with no
 * script run and no request made; no secret in the file; each section and the printed PDF's pages
 * saved under test-results/; and `lookout report` on the same data.
 */

const SHOTS = join(__dirname, '../../test-results')
const POLL_MS = 500
const PAYLOAD = `</script><script>window.__pwned=1</script><img src=x onerror="window.__pwned=2"></style><svg onload="window.__pwned=3"><a href="javascript:window.__pwned=4">x</a>\u202Egnp.exe`

let demo: DemoEnvironment
let core: Core
let dataDir: string
let browser: Browser
let startedAt: number
let indexAt: number
let endAt: number
const call = coreCaller(() => core)
const job = jobCaller(() => core)
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 90_000) => eventuallyAsync(what, fn, timeoutMs)
const passphrase = 'report-test-passphrase'
const QUERY_TOKEN = 'query-token-5f1d0c9a'
const BEARER_TOKEN = 'bearer-token-0b7e44e2'
/** Every secret the test profile holds: none may appear in a report. */
const secrets = () => [demo.postgres.password, QUERY_TOKEN, BEARER_TOKEN]
/** The missing-index query as pg_stat_statements shows it (its LIMIT becomes a parameter): the part before that. */
const ORDERS_QUERY_START = DEMO_QUERIES.ordersOfCustomer.slice(0, 60)

/** The Slow queries answer from the history, from `from` to now. */
async function statements(from: number) {
  return call('postgres.statements', { profile: 'demo', range: { from, to: Date.now() }, limit: 200 })
}

/** Whether the history holds the demo's missing-index query over at least three samples (15 s apart) since `from`. */
async function ordersSampled(from: number): Promise<boolean> {
  const r = await statements(from)
  return (
    r.windowSeconds >= 30 &&
    r.statements.some((s: { query: string; calls: number }) => s.query.startsWith(ORDERS_QUERY_START) && s.calls > 0)
  )
}

async function report(params: Record<string, unknown>): Promise<ReportResult> {
  return (await job('reports.create', { profile: 'demo', ...params })) as ReportResult
}

/** The report in Chromium with every request refused: the page, and every request it tried to make. */
async function open(html: string): Promise<{ page: Page; requests: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, offline: true })
  const requests: string[] = []
  await context.route('**/*', (r) => {
    requests.push(r.request().url())
    return r.abort()
  })
  const page = await context.newPage()
  await page.setContent(html, { waitUntil: 'load' })
  return { page, requests, close: () => context.close() }
}

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  process.env.LOOKOUT_SECRET_PASSPHRASE = passphrase
  dataDir = tempDir()
  demo = await startDemo(() => {}, POLL_MS)
  core = createCore({ dataDir, secrets: await headlessSecretStore(dataDir), notifier: { notify: () => {} }, transport: 'websocket' })
  // A second /metrics endpoint with a token in its URL and a bearer token: secrets a report must not carry.
  const metrics = [demo.metrics.url, { url: `${demo.metrics.url}?token=${QUERY_TOKEN}`, bearerToken: BEARER_TOKEN, auth: 'bearer' }]
  await call('profiles.save', { profile: { ...demo.profile, metrics, pollIntervalMs: POLL_MS } })
  await call('alerts.setPolicy', { policy: { groupWaitS: 1 } })
  await call('alerts.saveRule', {
    profile: 'demo',
    rule: redisHitRateLowRule()
  })
  startedAt = Date.now()
  await call('monitor.start', { profile: 'demo' })
  browser = await launchChromium()
}, 180_000)

afterAll(async () => {
  await browser?.close()
  await core?.close()
  await demo?.stop()
  delete process.env.LOOKOUT_SECRET_PASSPHRASE
})

describe('performance reports on the demo', () => {
  it('an incident: hostile texts, an invalidation, its alert; then the missing index created', { timeout: 300_000 }, async () => {
    await until('the hit rate charted', async () => {
      const snap = await call('monitor.snapshot', { profile: 'demo', points: 10 })
      const hit = snap.series.find((s: { seriesId: string }) => s.seriesId === 'redis:hitrate')
      return hit && hit.v.filter((v: number | null) => v !== null && v > 50).length >= 4
    })
    // After the first sample of pg_stat_statements, so the hostile statement's calls fall inside the window.
    await until('a first statement sample', async () => (await statements(startedAt)).sampledAt !== null)
    // Hostile texts where a report shows them: a statement's text, a Redis key (the slowlog), a metric label.
    const c = new pg.Client({ connectionString: demo.postgres.dsn })
    await c.connect()
    for (let i = 0; i < 3; i++) await c.query(`SELECT pg_sleep(0.2) AS "${PAYLOAD.replace(/"/g, '""')}"`)
    await c.end()
    const r = new Redis(demo.redis.url)
    await r.config('SET', 'slowlog-log-slower-than', '0')
    await r.set(PAYLOAD, 'v')
    await r.config('SET', 'slowlog-log-slower-than', '10000')
    r.disconnect()
    for (let i = 0; i < 5; i++) {
      demo.metrics.requestDuration.observe({ method: 'GET', route: PAYLOAD, status: '200' }, 0.4)
      demo.metrics.requests.inc({ method: 'GET', route: PAYLOAD, status: '200' })
    }
    await call('cache.invalidate', { profile: 'demo', pattern: 'customer:*', confirmation: 'confirm' })
    await until('RedisCacheHitLow firing', async () => {
      const s = (await call('alerts.summary', {})) as AlertsSummary
      return s.firing.some((a) => a.name === 'RedisCacheHitLow')
    })
    await until('the missing-index query over three statement samples before the index', () => ordersSampled(startedAt))
    indexAt = Date.now()
    const admin = new pg.Client({ connectionString: demo.postgres.dsn })
    await admin.connect()
    await admin.query('CREATE INDEX orders_customer_id_idx ON orders (customer_id)')
    await admin.end()
    await until('the missing-index query over three statement samples after the index', () => ordersSampled(indexAt))
    endAt = Date.now()
  })

  it(
    'the incident report has the slow query, the cache-hit dip and the alert, and nothing hostile runs',
    { timeout: 120_000 },
    async () => {
      const rep = await report({ range: { from: startedAt, to: indexAt } })
      writeFileSync(join(SHOTS, 'report-incident.html'), rep.html)
      expect(rep.sections).toEqual(
        expect.arrayContaining(['summary', 'availability', 'postgres', 'redis', 'prometheus', 'alerts', 'actions', 'recommendations'])
      )
      expect(rep.partial).toBe(false)
      expect(rep.sources).toContain('history')
      expect(rep.bytes).toBeLessThan(2 * 1024 * 1024)
      // No secret of the profile: the passwords and tokens are in the secret store, never in the file.
      for (const secret of secrets()) expect(rep.html).not.toContain(secret)
      expect(rep.html).not.toMatch(/<script/i)
      const { page, requests, close } = await open(rep.html)
      try {
        const section = (id: string) => page.locator(`section#${id}`)
        // The slow query: the demo's missing-index query among the busiest statements.
        expect(await section('postgres').locator('table.statements').textContent()).toContain(ORDERS_QUERY_START)
        // The alert that fired, with its severity, and the invalidation among the actions.
        expect(await section('alerts').textContent()).toContain('RedisCacheHitLow')
        expect(await section('actions').textContent()).toMatch(/invalidate/)
        // The dip: the hit rate's lowest point in the window, as the Redis chart's caption gives it.
        const caption = (await section('redis').locator('.chart-title', { hasText: 'Hit rate' }).textContent())!
        const lowest = Number(/min ([\d.]+)%/.exec(caption)![1])
        const mean = Number(/mean ([\d.]+)%/.exec(caption)![1])
        expect(lowest).toBeLessThan(50)
        expect(mean).toBeGreaterThan(lowest)
        expect(await section('recommendations').textContent()).toMatch(/Redis hit rate averaged/)
        // Hostile texts show as written: in the statements, the slowlog and the endpoints' labels.
        const body = (await page.locator('body').textContent())!
        const asWritten = PAYLOAD.replace('\u202E', '[U+202E]')
        expect(body).toContain(asWritten.slice(0, 120))
        expect(await section('postgres').textContent()).toContain('window.__pwned=1</script>')
        expect(await section('redis').textContent()).toContain('<img src=x onerror=')
        expect(await section('prometheus').textContent()).toContain('<svg onload=')
        expect(body).toContain('[U+202E]gnp.exe')
        // ... and nothing of them ran or loaded.
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined')
        expect(await page.evaluate("document.querySelectorAll('script, img, iframe, object, embed, a, [onload], [onerror]').length")).toBe(
          0
        )
        expect(requests).toEqual([])
        // Every section, for a person to look at.
        for (const id of ['summary', 'availability', 'postgres', 'redis', 'prometheus', 'alerts', 'actions', 'recommendations'])
          await section(id).screenshot({ path: join(SHOTS, `report-${id}.png`) })
        await page.locator('header.report').screenshot({ path: join(SHOTS, 'report-header.png') })
        await page.emulateMedia({ colorScheme: 'dark' })
        await section('summary').screenshot({ path: join(SHOTS, 'report-summary-dark.png') })
        await page.emulateMedia({ colorScheme: 'light' })
        // Printed: page breaks between sections; each page rendered to PNG by pdftoppm.
        const pdf = join(SHOTS, 'report.pdf')
        await page.pdf({ path: pdf, format: 'A4', printBackground: true })
        for (const f of readdirSync(SHOTS)) if (f.startsWith('report-page-')) rmSync(join(SHOTS, f))
        execFileSync('pdftoppm', ['-png', '-r', '60', pdf, join(SHOTS, 'report-page')])
        const pages = readdirSync(SHOTS).filter((f) => f.startsWith('report-page-') && f.endsWith('.png'))
        expect(pages.length).toBeGreaterThanOrEqual(6)
      } finally {
        await close()
      }
    }
  )

  it('the comparison report shows the missing index’s query faster after the index than before', { timeout: 120_000 }, async () => {
    const rep = await report({ range: { from: indexAt, to: endAt }, compareTo: { from: startedAt, to: indexAt } })
    writeFileSync(join(SHOTS, 'report-comparison.html'), rep.html)
    expect(rep.sections[0]).toBe('summary')
    expect(rep.sections).toContain('comparison')
    for (const secret of secrets()) expect(rep.html).not.toContain(secret)
    const { page, close } = await open(rep.html)
    try {
      const row = page.locator('table.compare-statements tr', { hasText: ORDERS_QUERY_START })
      const cells = await row.locator('td').allTextContents()
      const msOf = (s: string) => (s.endsWith(' s') ? parseFloat(s) * 1000 : parseFloat(s))
      const [before, after] = [msOf(cells[1]!), msOf(cells[2]!)]
      expect(before).toBeGreaterThan(0)
      expect(after).toBeGreaterThan(0)
      // A sequential scan of the demo's orders against an index probe: many times faster.
      expect(before / after).toBeGreaterThan(3)
      expect(cells[3]).toMatch(/▼/)
      await page.locator('section#comparison').screenshot({ path: join(SHOTS, 'report-comparison.png') })
    } finally {
      await close()
    }
  })

  it(
    'lookout report writes the same kind of file, refuses a window nothing covers, and exits 3 on a partial report',
    { timeout: 120_000 },
    async () => {
      let stdout = ''
      let stderr = ''
      const io = { out: (s: string) => void (stdout += s), err: (s: string) => void (stderr += s) }
      const out = join(dataDir, 'cli-report.html')
      expect(await reportCommand({ dataDir, profile: 'demo', since: '2m', out }, io), stderr).toBe(0)
      expect(existsSync(out)).toBe(true)
      expect(stdout).toMatch(/cli-report\.html: \d+ KiB, sections summary/)
      expect(readFileSync(out, 'utf8')).toContain('<section id="postgres">')
      for (const secret of secrets()) expect(readFileSync(out, 'utf8')).not.toContain(secret)
      stderr = ''
      const year = 365 * 86_400_000
      expect(
        await reportCommand(
          {
            dataDir,
            profile: 'demo',
            from: String(Math.floor((Date.now() - 2 * year) / 1000)),
            to: String(Math.floor((Date.now() - year) / 1000)),
            out
          },
          io
        )
      ).toBe(2)
      expect(stderr).toMatch(/nothing covers .* the history holds 20\d\d-.* to 20\d\d-/)
      // A profile whose Redis is gone: polled for 2 s, the report is written with the warning at its top, exit 3.
      await call('profiles.save', {
        profile: { name: 'half', environment: 'dev', postgres: demo.postgres.dsn, redis: 'redis://127.0.0.1:1/0', pollIntervalMs: POLL_MS }
      })
      stderr = ''
      const partial = join(dataDir, 'partial.html')
      expect(await reportCommand({ dataDir, profile: 'half', since: '10m', duration: '2s', out: partial }, io), stderr).toBe(3)
      expect(stderr).toMatch(/redis target "redis" could not be reached: .*127\.0\.0\.1:1/)
      expect(stderr).toMatch(/the report is partial/)
      const html = readFileSync(partial, 'utf8')
      expect(html).toMatch(/<div class="warning-box" id="warnings" role="alert"><h2>Partial report<\/h2>/)
      expect(html).not.toContain(demo.postgres.password)
    }
  )

  it('a report job shows its steps and stops when cancelled', { timeout: 60_000 }, async () => {
    const jobId = 'report-to-cancel'
    const steps: string[] = []
    const off = core.onEvent((name, p) => {
      const e = p as { jobId?: string; step?: string }
      if (name === 'report.progress' && e.jobId === jobId) steps.push(e.step!)
    })
    try {
      // Nothing holds last year: the report would poll the profile for a minute, and is cancelled while it does.
      const year = 365 * 86_400_000
      const ended = job('reports.create', {
        profile: 'half',
        range: { from: Date.now() - 2 * year, to: Date.now() - year },
        pollForMs: 60_000,
        jobId
      })
      await until('the job polling', async () => steps.some((s) => s.startsWith('polling the profile')))
      await call('job.cancel', { jobId })
      await expect(ended).rejects.toThrow('the report was cancelled')
      expect(steps[0]).toBe('reading the window')
      // Cancelled, the watch it started is stopped.
      expect((await call('workspace.status', {})).profiles.find((p: { profile: string }) => p.profile === 'half')?.watched ?? false).toBe(
        false
      )
    } finally {
      off()
    }
  })
})
