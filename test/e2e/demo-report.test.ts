import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium, ROOT, runLookout, type CliProcess } from './browser'
import type { Browser, Page } from 'playwright-core'

const SHOTS = join(ROOT, 'test-results')
let demo: CliProcess
let browser: Browser
let page: Page
let dataDir: string
const env = { LOOKOUT_SECRET_PASSPHRASE: 'demo-report-e2e' }

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  // The passphrase puts the demo's secrets in its data dir's encrypted file, so a second process reaches its servers.
  demo = await runLookout(['demo', '--headless', '--poll', '1000'], 120_000, env)
  dataDir = /data directory (\S+):/.exec(demo.output())![1]!
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true })
  await page.goto(demo.url)
  await page.waitForSelector('[data-target="redis"][data-health="up"]', { timeout: 30_000 })
})

afterAll(async () => {
  await browser?.close()
  expect(await demo?.stop()).toBe(0)
})

describe('reports from the demo', () => {
  it('Export report (Ctrl+Shift+E) runs the report as a job with its progress and downloads one self-contained file', async () => {
    // Enough history for a report: the medium tier has sampled the statements at least once.
    await page.waitForFunction(
      () => Number(document.querySelector('figure.chart[data-series="redis:hitrate"]')?.getAttribute('data-points')) >= 10,
      null,
      {
        timeout: 60_000
      }
    )
    await page.keyboard.press('Control+Shift+E')
    const panel = page.getByTestId('export-report')
    await panel.waitFor()
    await panel.getByLabel('Anonymise (replace literals, key names and label values)').check()
    const [download] = await Promise.all([
      page.waitForEvent('download', { timeout: 60_000 }),
      panel.getByRole('button', { name: 'Export' }).click()
    ])
    expect(download.suggestedFilename()).toMatch(/^lookout-report-demo-\d{8}-\d{4}\.html$/)
    const html = readFileSync((await download.path())!, 'utf8')
    expect(html).toContain('<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;')
    expect(html).toContain('<section id="summary"')
    expect(html).toContain('anonymised')
    expect(html).not.toMatch(/<script/i)
    await page.getByTestId('report-saved').waitFor()
    expect(await page.getByTestId('report-saved').textContent()).toMatch(/Saved lookout-report-demo-.*\.html \(\d+ KiB\): summary/)
    await panel.screenshot({ path: join(SHOTS, 'report-export-panel.png') })
  })

  it('lookout report writes a report of the running demo from its data directory', () => {
    const out = join(dataDir, 'cli.html')
    const r = spawnSync(
      process.execPath,
      [join(ROOT, 'bin/lookout.js'), 'report', '--data-dir', dataDir, '--profile', 'demo', '--since', '5m', '--out', out],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ...env }
      }
    )
    expect(r.status, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/cli\.html: \d+ KiB, sections summary, availability, postgres, redis, prometheus, alerts/)
    const html = readFileSync(out, 'utf8')
    expect(html).toMatch(/Servers<\/dt><dd>.*postgres: PostgreSQL 1\d/)
  })
})
