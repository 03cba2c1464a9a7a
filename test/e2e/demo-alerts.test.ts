import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDemo, ROOT, type OpenDemo } from './browser'

const SHOTS = join(ROOT, 'test-results')
const RUNBOOK = 'https://runbooks.example/redis-hit-rate'
let app: OpenDemo
let page: Page
let errors: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  app = await openDemo('[data-target="redis"][data-health="up"]')
  page = app.page
  errors = app.errors
})

afterAll(async () => {
  expect(await app?.close()).toBe(0)
})

describe('the demo in Chromium: alert rules', () => {
  it('lists the built-in rules, each with where it comes from and whether it can move to Prometheus', async () => {
    await page.getByRole('button', { name: /^Alerts/ }).click()
    await page.getByRole('button', { name: 'Rules', exact: true }).click()
    const builtIn = page.locator('tr[data-rule="RedisCacheHitLow"]')
    await builtIn.waitFor()
    expect(await builtIn.textContent()).toMatch(/series redis_hitrate.*avg 60s < 80 for 5m.*warning.*built-in/)
    expect(await builtIn.textContent()).toContain('Lookout only')
    expect(await page.locator('tr[data-rule="TargetDown"]').textContent()).not.toContain('Lookout only')
  })

  it('makes a rule in the editor, previews it over the data held, and saves it', async () => {
    await page.getByRole('button', { name: 'New rule' }).click()
    await page.getByLabel('Name', { exact: true }).fill('DemoHitRateLow')
    await page.getByLabel('Series').selectOption('redis_hitrate')
    await page.getByLabel('Aggregation').selectOption('avg')
    await page.getByLabel('Window').fill('5')
    await page.getByLabel('Comparator').selectOption('<')
    await page.getByLabel('Threshold', { exact: true }).fill('97')
    await page.getByLabel('For', { exact: true }).fill('3')
    await page.getByLabel('Severity').selectOption('critical')
    await page.getByLabel('Summary').fill('Redis hit rate {{ $value }}% on {{ $labels.target }}')
    await page.getByLabel('Runbook URL').fill('runbooks.example')
    // Checked as it is typed, with the core's own schema.
    await page.locator('.problems', { hasText: 'runbookUrl: a runbook URL is http(s)://' }).waitFor()
    expect(await page.getByRole('button', { name: 'Save rule' }).isDisabled()).toBe(true)
    await page.getByLabel('Runbook URL').fill(RUNBOOK)
    // The demo's hit rate sits near 85%: replayed over what the core holds, the rule would have fired.
    const heading = page.locator('.rule-preview h4').first()
    for (let i = 0; i < 60; i++) {
      await page.getByRole('button', { name: 'Preview' }).click()
      await heading.waitFor()
      if (/would have fired/.test((await heading.textContent()) ?? '')) break
      await page.waitForFunction(() => !document.querySelector('.rule-preview'), null, { timeout: 5000 }).catch(() => {})
    }
    expect(await heading.textContent()).toMatch(/^redis: would have fired \d+ times?, first at \d\d:\d\d:\d\d$/)
    const chart = page.locator('.preview-chart')
    expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThanOrEqual(4)
    expect(await page.locator('.preview-chart .u-legend').textContent()).toContain('threshold')
    await page.screenshot({ path: join(SHOTS, 'alert-rule-preview.png'), fullPage: false })
    await page.getByRole('button', { name: 'Save rule' }).click()
    const saved = page.locator('tr[data-rule="DemoHitRateLow"]')
    await saved.waitFor()
    expect(await saved.textContent()).toMatch(/avg 5s < 97 for 3s.*critical.*this profile/)
  })

  it('fires on the demo with its runbook link, raises the banner in serve mode, and shows on the target’s card', async () => {
    await page.getByRole('button', { name: /^Alerts \(/ }).click()
    const row = page.locator('tr[data-alert="DemoHitRateLow"][data-state="firing"]')
    await row.waitFor({ timeout: 60_000 })
    expect(await row.textContent()).toMatch(/Redis hit rate \d+(\.\d+)?% on redis/)
    expect(await row.getByRole('link', { name: 'Runbook' }).getAttribute('href')).toBe(RUNBOOK)
    // No permission for browser notifications in a headless page: the banner says it instead.
    const banner = page.locator('[data-testid=alert-banner]', { hasText: 'demo: DemoHitRateLow' })
    await banner.waitFor({ timeout: 30_000 })
    await page.screenshot({ path: join(SHOTS, 'alert-firing.png'), fullPage: false })
    // Acknowledged: still firing, shown as acknowledged.
    await row.getByRole('button', { name: 'Ack' }).click()
    await page.locator('tr[data-alert="DemoHitRateLow"] .silenced', { hasText: /^acknowledged by / }).waitFor()
    // The history: the rule's instance pending, then firing, on the hour's time axis.
    await page.getByRole('button', { name: 'History', exact: true }).click()
    const timeline = page.getByRole('img', { name: 'DemoHitRateLow · demo/redis' })
    await timeline.locator('rect.span-firing').waitFor()
    expect(await timeline.locator('rect.span-pending').count()).toBeGreaterThanOrEqual(1)
    await page.screenshot({ path: join(SHOTS, 'alert-history.png'), fullPage: false })
    await page.getByRole('button', { name: /^Health/ }).click()
    const state = page.locator('[data-target="redis"] [data-testid=target-alerts]')
    await state.waitFor()
    expect(await state.textContent()).toMatch(/^alerts: 1 firing \(DemoHitRateLow\)/)
    expect(errors).toEqual([])
  })
})
