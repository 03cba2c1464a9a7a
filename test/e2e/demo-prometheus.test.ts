import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDemo, ROOT, type OpenDemo } from './browser'

const SHOTS = join(ROOT, 'test-results')
let app: OpenDemo
let page: Page
let errors: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  app = await openDemo('[data-target="metrics-0"][data-health="up"]')
  page = app.page
  errors = app.errors
})

afterAll(async () => {
  // The demo stops its servers on Ctrl-C and exits cleanly.
  expect(await app?.close()).toBe(0)
})

describe('the demo in Chromium: Prometheus views', () => {
  it('explores the demo app series and charts a latency histogram live', async () => {
    await page.getByRole('button', { name: /^Metrics/ }).click()
    await page.waitForSelector('.series-table tbody tr')
    await page.getByLabel('Filter series').fill('http_request_duration_seconds{')
    const row = page.locator('.series-table tbody tr', { hasText: 'route="/customers/:id"' }).filter({ hasText: 'histogram p95' }).first()
    await row.waitFor({ timeout: 15_000 })
    expect(await page.textContent('[data-testid=series-count]')).toMatch(/^\d+ series/)
    await row.click()
    const chart = page.locator('.watched figure.chart').first()
    await chart.waitFor()
    expect(await chart.textContent()).toContain('http_request_duration_seconds{method="GET",route="/customers/:id",status="200"} (p95)')
    // Points arrive scrape by scrape.
    await page.waitForFunction(
      () => Number((document.querySelector('.watched figure.chart') as HTMLElement | null)?.dataset.points) >= 4,
      null,
      { timeout: 30_000 }
    )
    await page.getByLabel('Filter series').fill('')
    await page.screenshot({ path: join(SHOTS, 'metrics-explorer.png'), fullPage: false })
  })

  it('checks PromQL syntax as you type and charts a range query', async () => {
    await page.getByRole('button', { name: /^PromQL/ }).click()
    const editor = page.getByLabel('PromQL expression')
    await editor.fill('sum by (route) (rate(http_requests_total[1m])')
    expect(await page.textContent('[data-testid=promql-syntax]')).toMatch(/^syntax error at column \d+/)
    expect(await page.getByRole('button', { name: 'Run' }).isDisabled()).toBe(true)
    await editor.fill('sum by (route) (rate(http_requests_total[1m]))')
    expect(await page.textContent('[data-testid=promql-syntax]')).toBe('syntax ok')
    await page.getByRole('button', { name: '5m', exact: true }).click()
    // The demo's Prometheus needs a few scrapes before rate() has two samples: run until it does.
    const chart = page.locator('.range-chart')
    for (let i = 0; i < 30; i++) {
      await editor.press('Control+Enter')
      await chart.waitFor({ timeout: 20_000 })
      if (Number(await chart.getAttribute('data-points')) >= 3 * 5) break
      await page.waitForTimeout(1000)
    }
    expect(Number(await chart.getAttribute('data-series'))).toBeGreaterThanOrEqual(3)
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(15)
    expect(await page.locator('.range-chart .u-legend').textContent()).toContain('route="/customers/:id"')
    await page.getByLabel('Query name').fill('requests by route')
    await page.getByRole('button', { name: 'Save' }).click()
    await page.locator('.saved', { hasText: 'requests by route' }).waitFor()
    await page.screenshot({ path: join(SHOTS, 'promql.png'), fullPage: false })
  })

  it("silences the demo's firing alert from the Alerts view, with confirmation, and expires it", async () => {
    await page.getByRole('button', { name: /^Alerts/ }).click()
    const row = page.locator('tr[data-alert="CacheHitRateLow"]').first()
    await row.waitFor({ timeout: 90_000 })
    expect(await row.textContent()).toContain('Prometheus rule')
    await row.getByRole('button', { name: 'Silence in Alertmanager…' }).click()
    // The matchers start as the alert's labels; the preview says what they would hit.
    await page
      .getByLabel('Silence preview')
      .filter({ hasText: 'would silence 1 current alert: CacheHitRateLow (demo/prometheus)' })
      .waitFor()
    await page.getByLabel('Why').fill('cache warming after deploy, ticket OPS-42')
    const silence = page.getByRole('button', { name: 'Silence', exact: true })
    expect(await silence.isDisabled()).toBe(true)
    await page.getByLabel('Type confirm to Silence').fill('confirm')
    await silence.click()
    await page.locator('.notice', { hasText: /^Silence .+ created for 60 min\.$/ }).waitFor()
    // Alertmanager applies it: Lookout reads it back at once and marks the alert silenced there.
    const marked = page.locator('tr[data-alert="CacheHitRateLow"]', {
      has: page.locator('.silenced', { hasText: 'silenced in Alertmanager' })
    })
    await marked.first().waitFor({ timeout: 20_000 })
    // Silenced there already: no second silence is offered.
    expect(await marked.first().getByRole('button', { name: 'Silence in Alertmanager…' }).count()).toBe(0)
    await page.screenshot({ path: join(SHOTS, 'alerts-silence.png'), fullPage: false })
    await page.getByRole('button', { name: 'Silences', exact: true }).click()
    const listed = page.locator('.silences tr', { hasText: 'cache warming after deploy, ticket OPS-42' })
    await listed.waitFor()
    expect(await listed.textContent()).toContain('alertname="CacheHitRateLow"')
    await listed.getByRole('button', { name: 'Expire…' }).click()
    await page.getByLabel('Type confirm to Expire').fill('confirm')
    await page.getByRole('button', { name: 'Expire', exact: true }).click()
    await listed.waitFor({ state: 'detached', timeout: 10_000 })
  })

  it('shows a server-side error clearly', async () => {
    await page.getByRole('button', { name: /^PromQL/ }).click()
    await page.getByLabel('PromQL expression').fill('label_replace(vector(1), "x", "$1", "y", "(")')
    await page.getByRole('button', { name: 'Run' }).click()
    const err = page.getByRole('alert').filter({ hasText: 'invalid regular expression' })
    await err.waitFor({ timeout: 10_000 })
    expect(await err.textContent()).toMatch(
      /the query failed while running \(HTTP 422, execution\): invalid regular expression in label_replace\(\)/
    )
    expect(errors).toEqual([])
  })
})
