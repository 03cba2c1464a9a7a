import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, ROOT, runLookout, type CliProcess } from './browser'

const SHOTS = join(ROOT, 'test-results')
let demo: CliProcess
let browser: Browser

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  demo = await runLookout(['demo', '--headless', '--poll', '1000'])
  browser = await launchChromium()
})

afterAll(async () => {
  await browser?.close()
  const code = await demo?.stop()
  // The demo stops its servers on Ctrl-C and exits cleanly.
  expect(code).toBe(0)
})

describe('lookout demo in Chromium', () => {
  it('prints a loopback URL with a token', () => {
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{20,}$/)
  })

  it('refuses the page and the API without the token', async () => {
    const base = demo.url.split('?')[0]!
    expect((await fetch(base)).status).toBe(401)
    expect((await fetch(`${base}api`)).status).toBe(401)
    const page = await browser.newPage()
    const res = await page.goto(base)
    expect(res!.status()).toBe(401)
    expect(await page.textContent('body')).toMatch(/missing or wrong token/)
    await page.close()
  })

  it('shows the Health view with every demo target up and live charts', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
    await page.goto(demo.url)
    await page.waitForSelector('[data-testid=health-summary]')
    for (const id of ['postgres', 'redis', 'prometheus', 'metrics-0'])
      await page.waitForSelector(`[data-target="${id}"][data-health="up"]`, { timeout: 30_000 })
    // Wait for charts to fill with points that came as deltas over the WebSocket.
    await page.waitForFunction(
      () => [...document.querySelectorAll('figure.chart')].every((f) => Number((f as HTMLElement).dataset.points) >= 5),
      null,
      { timeout: 30_000 }
    )
    expect(await page.textContent('[data-testid=health-summary]')).toMatch(/4 targets: 4 up/)
    expect(await page.locator('figure.chart canvas').count()).toBeGreaterThanOrEqual(4)
    expect(await page.textContent('[data-target="postgres"]')).toMatch(/\d+(\.\d)? tx\/s/)
    expect(await page.textContent('[data-target="redis"] .figures')).toMatch(/Hit rate\s*\d+\.\d%/)
    expect(await page.locator('.conn-open').count()).toBe(1)
    await page.screenshot({ path: join(SHOTS, 'health-demo.png'), fullPage: true })
    // The other theme, by keyboard shortcut.
    const before = await page.evaluate(() => document.documentElement.dataset.theme)
    await page.keyboard.press('Control+Shift+L')
    const after = await page.evaluate(() => document.documentElement.dataset.theme)
    expect(new Set([before, after])).toEqual(new Set(['light', 'dark']))
    await page.screenshot({ path: join(SHOTS, `health-demo-${after}.png`), fullPage: true })
    expect(errors).toEqual([])
    await page.close()
  })

  it('shows the active profile’s environment on every view and in the window title: red with its name on prod', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 700 } })
    await page.goto(demo.url)
    await page.waitForSelector('[data-testid=env-bar]')
    const demoEnv = await page.textContent('[data-testid=env-bar]')
    expect(demoEnv).not.toMatch(/PROD/)
    await page.getByRole('button', { name: 'New profile' }).click()
    const form = page.getByRole('form', { name: 'New profile' })
    await form.locator('input[name=name]').fill('payments-prod')
    await form.locator('select[name=environment]').selectOption('prod')
    await form.locator('input[name=metrics]').fill('http://127.0.0.1:9/metrics')
    await form.getByRole('button', { name: 'Save and open' }).click()
    const bar = page.locator('[data-testid=env-bar]')
    await page.waitForFunction(() => document.querySelector('[data-testid=env-bar]')?.textContent?.includes('payments-prod'))
    // A new prod profile starts read-only, and the bar says so.
    expect(await bar.locator('.env-bar-label').textContent()).toBe('PROD payments-prod · read-only')
    expect(await bar.getAttribute('class')).toContain('env-bar-prod')
    expect(await bar.evaluate((e) => getComputedStyle(e).backgroundColor)).toBe('rgb(179, 38, 30)')
    expect(await page.title()).toBe('payments-prod (PROD) · Lookout')
    // Every view keeps it in sight.
    for (const view of ['PromQL', 'Cache', 'Metrics']) {
      await page.getByRole('button', { name: view, exact: true }).click()
      expect(await bar.isVisible()).toBe(true)
    }
    await page.screenshot({ path: join(SHOTS, 'prod-banner.png') })
    await page.close()
  })

  it('tests a target’s connection from its card, step by step, each step timed', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1200 } })
    await page.goto(`${demo.url}#profile=demo`)
    const card = page.locator('[data-target="postgres"]')
    await card.waitFor()
    await card.getByRole('button', { name: 'Test connection' }).click()
    const steps = card.getByRole('list', { name: 'Connection test' })
    await steps.waitFor({ timeout: 30_000 })
    const rows = await steps
      .locator('li')
      .evaluateAll((lis) => lis.map((li) => [(li as HTMLElement).dataset.step, (li as HTMLElement).dataset.ok]))
    expect(rows.slice(0, 4)).toEqual([
      ['dns', 'true'],
      ['tcp', 'true'],
      ['authentication', 'true'],
      ['version', 'true']
    ])
    expect(await steps.locator('li[data-step=version]').textContent()).toMatch(/PostgreSQL 1\d\./)
    await card.screenshot({ path: join(SHOTS, 'connection-test.png') })
    await page.close()
  })
})
