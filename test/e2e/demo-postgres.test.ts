import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, ROOT, runLookout, type CliProcess } from './browser'

const SHOTS = join(ROOT, 'test-results')
let demo: CliProcess
let browser: Browser
let page: Page
const errors: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  demo = await runLookout(['demo', '--headless', '--poll', '1000'])
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto(demo.url)
  await page.waitForSelector('[data-target="postgres"][data-health="up"]', { timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  expect(await demo?.stop()).toBe(0)
})

describe("the demo's Postgres problems in Chromium", () => {
  it('Health: the headline figures over the window and the stuck transaction as a finding', async () => {
    const panel = page.locator('[data-testid=postgres-health]')
    await panel.waitFor({ timeout: 30_000 })
    await page.waitForFunction(
      () => document.querySelector('[data-testid=postgres-health] [data-check=idle_in_transaction]') !== null,
      null,
      {
        timeout: 30_000
      }
    )
    // A rate needs two polls; on a busy machine the finding can come first.
    await page.waitForFunction(
      () => /Commits\/s\s*\d/.test(document.querySelector('[data-testid=postgres-health]')?.textContent ?? ''),
      null,
      { timeout: 30_000 }
    )
    const text = (await panel.textContent())!
    expect(text).toMatch(/Commits\/s\s*\d+\.\d/)
    expect(text).toMatch(/Connections\s*\d+ of 100/)
    expect(await panel.locator('[data-check=idle_in_transaction]').textContent()).toContain('demo-report-job')
    await page.screenshot({ path: join(SHOTS, 'postgres-health.png'), fullPage: true })
  })

  it('Slow queries: the report and the unindexed order lookup over the window, sortable and filterable, with sparklines', async () => {
    await page.keyboard.press('Control+6')
    // Two pg_stat_statements samples (15 s apart) make the first window.
    const table = page.locator('[data-testid=statements]')
    await table.waitFor({ timeout: 60_000 })
    // Sorted by a column: its values go down the table. Which statement leads depends on how busy
    // the machine is, so the test checks the order, and that the report is listed.
    const sortedBy = (column: number) =>
      page.waitForFunction(
        (col) => {
          const rows = [...document.querySelectorAll('[data-testid=statements] tbody tr')]
          const values = rows.map((r) => parseFloat(r.querySelectorAll('td')[col]?.textContent ?? ''))
          return (
            rows.length >= 2 &&
            values.every((v, i) => Number.isFinite(v) && (i === 0 || v <= values[i - 1]!)) &&
            rows.some((r) => r.querySelector('td.query')?.textContent?.includes('date_trunc'))
          )
        },
        column,
        { timeout: 30_000 }
      )
    await page.selectOption('select[aria-label="Sort by"]', 'mean')
    await sortedBy(4)
    await page.selectOption('select[aria-label="Sort by"]', 'total')
    await sortedBy(3)
    await page.fill('input[aria-label="Filter by text"]', 'customer_id = $1')
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid=statements] tbody tr')]
      return rows.length === 1 && rows[0]!.textContent!.includes('FROM orders WHERE customer_id')
    })
    await page.locator('[data-testid=statements] tbody tr').first().click()
    await page.getByRole('region', { name: 'Query detail' }).waitFor()
    expect(await page.locator('svg.sparkline').count()).toBeGreaterThanOrEqual(2)
    await page.fill('input[aria-label="Filter by text"]', '')
    await page.screenshot({ path: join(SHOTS, 'postgres-slow-queries.png'), fullPage: true })
  })

  it('Indexes: the missing index, the unused and the duplicate index, each with the SQL that would fix it', async () => {
    await page.keyboard.press('Control+8')
    await page.getByRole('button', { name: 'Run checks now' }).click()
    const findings = page.locator('[data-testid=pg-findings]')
    await page.waitForFunction(
      () => {
        const text = document.querySelector('[data-testid=pg-findings]')?.textContent ?? ''
        return text.includes('orders') && document.querySelector('[data-check=seq_scan_table]') !== null
      },
      null,
      { timeout: 30_000 }
    )
    const unused = findings.locator('[data-check=unused_index]', { hasText: 'orders_status_idx' })
    expect(await unused.locator('pre.sql').textContent()).toBe('DROP INDEX CONCURRENTLY orders_status_idx;')
    expect(await findings.locator('[data-check=duplicate_index]').textContent()).toContain('customers_email_idx')
    expect(await findings.locator('[data-check=seq_scan_table]').textContent()).toMatch(/orders \(\d+ rows/)
    await page.screenshot({ path: join(SHOTS, 'postgres-indexes.png'), fullPage: true })
  })

  it('Activity: the stuck report job blocks the checkout; terminating it (typed confirmation) frees the checkout', async () => {
    await page.keyboard.press('Control+7')
    await page.waitForFunction(() => document.querySelectorAll('.blocking-tree li').length >= 2, null, { timeout: 30_000 })
    const root = page.locator('.blocking-tree li[data-depth="0"]')
    const pid = Number(/pid (\d+)/.exec((await root.textContent())!)![1])
    const row = page.locator(`[data-testid=sessions] tr[data-pid="${pid}"]`)
    expect(await row.textContent()).toContain('demo-report-job')
    expect(await row.textContent()).toContain('idle in transaction')
    expect(await page.locator('[data-testid=sessions] tr.blocked').textContent()).toContain('demo-checkout')
    await page.screenshot({ path: join(SHOTS, 'postgres-activity.png'), fullPage: true })
    await row.getByRole('button', { name: 'Terminate' }).click()
    const confirmBtn = page.locator('.pending').getByRole('button', { name: 'Terminate' })
    expect(await confirmBtn.isDisabled()).toBe(true)
    await page.fill('input[aria-label="Type confirm to Terminate"]', 'confirm')
    await confirmBtn.click()
    await page.locator('.notice', { hasText: `Terminated pid ${pid}` }).waitFor()
    await page.waitForFunction(() => document.querySelectorAll('.blocking-tree li').length === 0, null, { timeout: 15_000 })
    expect(await page.locator(`[data-testid=sessions] tr[data-pid="${pid}"]`).count()).toBe(0)
    expect(errors).toEqual([])
  })
})

describe('Explain from the Slow queries view', () => {
  it("explains the demo's missing-index query with ANALYZE and shows the sequential-scan advice with its index", async () => {
    await page.keyboard.press('Control+6')
    await page.fill('input[aria-label="Filter by text"]', 'customer_id = $1')
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=statements] tbody tr').length === 1, null, { timeout: 60_000 })
    await page.locator('[data-testid=statements] tbody tr').first().click()
    await page.getByRole('region', { name: 'Query detail' }).getByRole('button', { name: 'Explain' }).click()
    const statement = page.locator('textarea[aria-label="Statement to explain"]')
    expect(await statement.inputValue()).toContain('FROM orders WHERE customer_id = $1')
    await page.fill('textarea[aria-label="Parameter values"]', '42\n20')
    await page.check('text=ANALYZE (runs it')
    await page.getByRole('button', { name: 'Run EXPLAIN' }).click()
    const advice = page.locator('[data-testid=advice] [data-rule=seq_scan_filter]')
    await advice.waitFor({ timeout: 30_000 })
    expect(await advice.locator('pre.sql').textContent()).toBe('CREATE INDEX CONCURRENTLY ON orders (customer_id);')
    await advice.click()
    await page.locator('[data-testid=node-detail]').waitFor()
    expect(await page.locator('[data-testid=node-detail]').textContent()).toContain('Seq Scan')
    expect(await page.locator('[data-testid=plan-tree] .plan-row').count()).toBeGreaterThanOrEqual(3)
    await page.screenshot({ path: join(SHOTS, 'explain-missing-index.png'), fullPage: true })
    await page.selectOption('select[aria-label="Plan shape"]', 'icicle')
    expect(await page.locator('[data-testid=icicle] rect').count()).toBeGreaterThanOrEqual(3)
    await page.screenshot({ path: join(SHOTS, 'explain-icicle.png'), fullPage: true })
    expect(errors).toEqual([])
  })
})

describe('a generic plan and its custom plans', () => {
  it('a statement with $1 and no value: the generic plan at once, then the plan for the most common status', async () => {
    await page.keyboard.press('Control+9')
    await page.fill('textarea[aria-label="Statement to explain"]', 'SELECT id, total FROM orders WHERE status = $1')
    await page.fill('textarea[aria-label="Parameter values"]', '')
    await page.uncheck('text=ANALYZE (runs it')
    await page.getByRole('button', { name: 'Run EXPLAIN' }).click()
    const offer = page.locator('[data-testid=custom-plans]')
    await offer.waitFor({ timeout: 30_000 })
    expect(await offer.textContent()).toMatch(/\$1 = (new|paid|shipped|returned) \(orders\.status: \d+\.\d% of rows\)/)
    await page.screenshot({ path: join(SHOTS, 'explain-generic-plan.png'), fullPage: true })
    await offer.getByRole('button', { name: 'Explain with the most common values' }).click()
    // The custom plan replaces the generic one; its value is in the parameters box.
    await offer.waitFor({ state: 'detached', timeout: 30_000 })
    expect(await page.locator('textarea[aria-label="Parameter values"]').inputValue()).toMatch(/^(new|paid|shipped|returned)$/)
    expect(await page.locator('p.summary').textContent()).toMatch(/nodes; .* · ran on demo \(not executed\)/)
    expect(errors).toEqual([])
  })
})

describe('a pasted plan', () => {
  it('partition scans are grouped until expanded; the export can be anonymised', async () => {
    await page.keyboard.press('Control+9')
    const parts = Array.from(
      { length: 12 },
      (_, i) =>
        `        ->  Seq Scan on orders_2025_${String(i + 1).padStart(2, '0')}  (cost=0.00..100.00 rows=100 width=4) (actual time=0.1..2.0 rows=1 loops=1)\n              Filter: (customer_id = 424242)\n              Rows Removed by Filter: 999`
    )
    const text = [
      'Aggregate  (cost=1300.00..1300.01 rows=1 width=8) (actual time=30.0..30.0 rows=1 loops=1)',
      '  ->  Append  (cost=0.00..1200.00 rows=1200 width=4) (actual time=0.1..29.0 rows=12 loops=1)',
      ...parts,
      'Execution Time: 30.100 ms'
    ].join('\n')
    await page.fill('textarea[aria-label="Plan to analyse"]', text)
    await page.getByRole('button', { name: 'Analyse', exact: true }).click()
    await page.locator('select[aria-label="Plan shape"]').waitFor()
    await page.selectOption('select[aria-label="Plan shape"]', 'tree')
    const group = page.locator('.plan-group')
    await group.waitFor()
    expect(await group.textContent()).toContain('12 × Seq Scan on orders_2025_01 … orders_2025_12')
    expect(await page.locator('[data-testid=plan-tree] .plan-row').count()).toBe(3)
    await group.click()
    expect(await page.locator('[data-testid=plan-tree] .plan-row').count()).toBe(14)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export anonymised' }).click()])
    const path = await download.path()
    const exported = readFileSync(path!, 'utf8')
    expect(JSON.parse(exported)).toMatchObject({ format: 'lookout-plan/1', anonymised: true, raw: null })
    expect(exported).not.toContain('424242')
    expect(errors).toEqual([])
  })
})

describe('a 10,000-node plan', () => {
  it('parses in the core and renders only the rows in view', async () => {
    const lines = ['Append  (cost=0.00..99999.00 rows=9999 width=4) (actual time=0.1..900.0 rows=9999 loops=1)']
    for (let i = 1; i < 10_000; i++)
      lines.push(
        i % 2
          ? `  ->  Seq Scan on t${i}  (cost=0.00..10.00 rows=1 width=4) (actual time=0.01..0.05 rows=1 loops=1)`
          : `  ->  Index Scan using t${i}_pkey on t${i}  (cost=0.29..8.30 rows=1 width=4) (actual time=0.01..0.04 rows=1 loops=1)`
      )
    await page.keyboard.press('Control+9')
    // Typing a megabyte is slow in any browser automation: set it as a paste would, in one event.
    await page.locator('textarea[aria-label="Plan to analyse"]').evaluate((el, v) => {
      const setter = Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, 'value')!.set!
      setter.call(el, v)
      el.dispatchEvent(new Event('input', { bubbles: true }))
    }, lines.join('\n'))
    await page.getByRole('button', { name: 'Analyse', exact: true }).click()
    await page.locator('.summary', { hasText: '10000 nodes' }).waitFor({ timeout: 30_000 })
    await page.selectOption('select[aria-label="Plan shape"]', 'tree')
    const rendered = await page.locator('[data-testid=plan-tree] .plan-row').count()
    expect(rendered).toBeLessThan(60)
    await page.locator('[data-testid=plan-tree]').evaluate((el) => (el.scrollTop = 26 * 5000))
    await page.locator('[data-testid=plan-tree] [data-node="5000"]').waitFor()
    expect(await page.locator('[data-testid=plan-tree] .plan-row').count()).toBeLessThan(60)
    expect(errors).toEqual([])
  })
})
