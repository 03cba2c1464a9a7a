import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp'
import { launchChromium, ROOT, runLookout, type CliProcess } from './browser'

/**
 * An exporter whose page breaks the written format where Prometheus 2.42 takes it anyway (a second
 * HELP, TYPE after the samples, a raw line feed in a label value): the target is up, and the
 * metrics explorer lists the warnings with their lines.
 */
const PAGE = [
  '# HELP jobs_done Jobs done.',
  '# HELP jobs_done Jobs done, said twice.',
  'jobs_done 7',
  '# TYPE jobs_done counter',
  'queue_depth{queue="a\nb"} 3',
  ''
].join('\n')

const SHOTS = join(ROOT, 'test-results')
const dataDir = tempDir()
let exporter: Server
let serve: CliProcess
let browser: Browser
let page: Page
const errors: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  exporter = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(PAGE))
  await new Promise<void>((r) => exporter.listen(0, '127.0.0.1', () => r()))
  const url = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}/metrics`
  writeFileSync(
    join(dataDir, 'profiles.json'),
    JSON.stringify({
      version: 2,
      profiles: [{ name: 'lenient', environment: 'dev', metrics: [{ url, auth: 'none', insecureSkipVerify: false }] }]
    })
  )
  serve = await runLookout(['serve', '--data-dir', dataDir], 120_000, { LOOKOUT_SECRET_PASSPHRASE: 'e2e format warnings' })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  await new Promise((r) => exporter?.close(r))
})

describe('a page Prometheus takes with format warnings', () => {
  it('the target is up, and the explorer lists each warning with its line', async () => {
    await page.goto(serve.url)
    await page.locator('.sidebar [data-profile="lenient"] .side-open').click()
    await page.locator('[data-target="metrics-0"][data-health="up"]').waitFor({ timeout: 30_000 })
    await page.getByRole('button', { name: /^Metrics/ }).click()
    const warnings = page.locator('[data-testid=format-warnings]')
    await warnings.waitFor({ timeout: 30_000 })
    expect(await warnings.locator('summary').textContent()).toMatch(/^3 format warnings: /)
    await warnings.locator('summary').click()
    expect(await warnings.locator('li').allTextContents()).toEqual([
      'line 2, column 8: second # HELP line for "jobs_done"',
      'line 4, column 8: # TYPE for "jobs_done" comes after its samples',
      'line 5, column 19: a label value holds a raw line feed: Prometheus takes it, but the format asks for \\n'
    ])
    expect(await page.textContent('[data-testid=series-count]')).toMatch(/^2 series/)
    await page.screenshot({ path: join(SHOTS, 'metrics-format-warnings.png'), fullPage: false })
    expect(errors).toEqual([])
  })
})
