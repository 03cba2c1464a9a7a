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
  app = await openDemo('[data-target="redis"][data-health="up"]')
  page = app.page
  errors = app.errors
})

afterAll(async () => {
  expect(await app?.close()).toBe(0)
})

/** Each chart of the view: its series, its range ("live" or "from-to") and whether its points are there. */
const charts = () =>
  page.$$eval('figure.chart', (fs) =>
    fs.map((f) => ({
      series: f.getAttribute('data-series'),
      range: f.getAttribute('data-range'),
      loaded: f.getAttribute('data-loaded'),
      points: Number(f.getAttribute('data-points'))
    }))
  )

describe('the demo in Chromium: time range and the incident timeline', () => {
  it('a drag across one chart sets the range of every chart of the view, drawn from the history', async () => {
    await page.keyboard.press('Control+1')
    // Enough points on the live charts to drag across.
    await page.waitForFunction(
      () => Number(document.querySelector('figure.chart[data-series="redis:hitrate"]')?.getAttribute('data-points')) >= 20,
      null,
      {
        timeout: 60_000
      }
    )
    const before = await charts()
    expect(before.length).toBeGreaterThanOrEqual(4)
    expect(before.every((c) => c.range === 'live')).toBe(true)
    const over = page.locator('figure.chart[data-series="redis:hitrate"] .u-over')
    const box = (await over.boundingBox())!
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2, { steps: 8 })
    await page.mouse.up()
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure.chart')].every(
          (f) => f.getAttribute('data-range') !== 'live' && f.getAttribute('data-loaded') === 'yes'
        ),
      null,
      {
        timeout: 30_000
      }
    )
    const after = await charts()
    const ranges = new Set(after.map((c) => c.range))
    expect(ranges.size).toBe(1)
    const [from, to] = [...ranges][0]!.split('-').map(Number)
    expect(to! - from!).toBeGreaterThan(1000)
    // The zoomed range holds fewer points than the live chart did, and some: they came from the history.
    const hit = after.find((c) => c.series === 'redis:hitrate')!
    expect(hit.points).toBeGreaterThan(0)
    expect(hit.points).toBeLessThan(before.find((c) => c.series === 'redis:hitrate')!.points)
    expect(await page.getByTestId('range-text').textContent()).toMatch(/\d\d:\d\d:\d\d – \d\d:\d\d:\d\d/)
    // What was active in the range is listed above the cards.
    await page.getByTestId('range-events').waitFor()
    // One crosshair: hovering one chart (where it is now) shows each chart's value at that instant.
    const zoomed = (await over.boundingBox())!
    await page.mouse.move(zoomed.x + zoomed.width * 0.5, zoomed.y + zoomed.height / 2)
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure.chart:not([data-points="0"]) figcaption strong')].every(
          (s) => (s as HTMLElement).title !== ''
        ),
      null,
      { timeout: 10_000 }
    )
    const instants = await page.$$eval('figure.chart:not([data-points="0"]) figcaption strong', (ss) =>
      ss.map((s) => (s as HTMLElement).title)
    )
    expect(instants.length).toBeGreaterThanOrEqual(4)
    await page.screenshot({ path: join(SHOTS, 'history-zoom.png'), fullPage: false })
    await page.getByRole('button', { name: 'Live', exact: true }).click()
    await page.waitForFunction(() => [...document.querySelectorAll('figure.chart')].every((f) => f.getAttribute('data-range') === 'live'))
  })

  it('after an invalidation on the demo, the timeline lists the action, the findings and the alerts, and an event opens its range', async () => {
    await page.keyboard.press('Control+5')
    await page.getByLabel('Key pattern').fill('customer:*')
    await page.getByRole('button', { name: 'Dry run' }).click()
    await page.getByTestId('dry-run').waitFor()
    await page.getByLabel('Type confirm to Invalidate').fill('confirm')
    await page.getByRole('button', { name: 'Invalidate', exact: true }).click()
    await page.locator('[data-testid="job"][data-state="done"]').waitFor({ timeout: 30_000 })

    await page.keyboard.press('Control+i')
    const list = page.getByTestId('timeline-list')
    // The demo's stuck report job blocks its checkout from the start: a finding, then the built-in alert.
    await list.locator('tr[data-kind="action"][data-change="invalidate keys"]').waitFor({ timeout: 30_000 })
    await list
      .locator('tr[data-kind="finding"][data-change="appeared"]', { hasText: 'blocked_session' })
      .first()
      .waitFor({ timeout: 60_000 })
    await list.locator('tr[data-kind="alert"][data-change="firing"]').first().waitFor({ timeout: 90_000 })
    expect(await page.locator('.timeline-strip rect.timeline-event').count()).toBeGreaterThanOrEqual(3)
    await page.screenshot({ path: join(SHOTS, 'timeline.png'), fullPage: false })
    // Where the history is and how big.
    await page.getByTestId('history-panel').locator('summary').click()
    await page.getByTestId('history-panel').locator('code', { hasText: 'history.db' }).waitFor()
    expect(await page.getByTestId('history-panel').textContent()).toMatch(
      /History store: [\d.]+ (KiB|MiB|B).*raw points 24 h, 1-minute 14 d, 15-minute 90 d.*demo: \d+ series/
    )
    // Filtered to actions only: the invalidation, and nothing that is not an action.
    await page.getByLabel('Timeline filter').fill('customer:*')
    await page.waitForFunction(() =>
      [...document.querySelectorAll('[data-testid=timeline-list] tbody tr[data-kind]')].every(
        (r) => r.getAttribute('data-kind') === 'action'
      )
    )
    // Clicking it sets the range around it: the Health view's charts follow.
    const t = await list.locator('tr[data-kind="action"] button.link').first()
    await t.click()
    expect(await page.getByTestId('range-text').textContent()).toMatch(/–/)
    await page.keyboard.press('Control+1')
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('figure.chart')].every(
          (f) => f.getAttribute('data-range') !== 'live' && f.getAttribute('data-loaded') === 'yes'
        ),
      null,
      {
        timeout: 30_000
      }
    )
    await page.screenshot({ path: join(SHOTS, 'history-around-event.png'), fullPage: false })
    await page.getByRole('button', { name: 'Live', exact: true }).click()
    expect(errors).toEqual([])
  })
})
