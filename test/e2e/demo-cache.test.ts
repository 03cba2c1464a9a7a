import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDemo, ROOT, type OpenDemo } from './browser'

const SHOTS = join(ROOT, 'test-results')
let app: OpenDemo
let page: Page

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  app = await openDemo('[data-target="redis"][data-health="up"]')
  page = app.page
})

afterAll(async () => {
  // The demo stops its servers on Ctrl-C and exits cleanly.
  expect(await app?.close()).toBe(0)
})

/** The hit rate the Cache view shows now, in percent (NaN while there is no data). */
async function hitRate(): Promise<number> {
  const text = await page.locator('figure.chart[data-series="redis:hitrate"] figcaption strong').textContent()
  return Number.parseFloat(text ?? '')
}

describe('the demo in Chromium: cache invalidation', () => {
  it('dry-runs, invalidates with confirmation, shows progress and the exact count, and the hit rate dips', async () => {
    await page.getByRole('button', { name: /^Cache/ }).click()
    // The workload's steady state: about 85% hits.
    await page.waitForFunction(
      () => {
        const t = document.querySelector('figure.chart[data-series="redis:hitrate"] figcaption strong')?.textContent ?? ''
        return Number.parseFloat(t) > 60
      },
      null,
      { timeout: 30_000 }
    )
    const before = await hitRate()
    await page.getByLabel('Key pattern').fill('customer:*')
    await page.getByRole('button', { name: 'Dry run' }).click()
    const dry = page.getByTestId('dry-run')
    await dry.waitFor()
    expect(await dry.textContent()).toMatch(/About \d+ keys match customer:\*/)
    const invalidate = page.getByRole('button', { name: 'Invalidate', exact: true })
    expect(await invalidate.isDisabled()).toBe(true)
    await page.getByLabel('Type confirm to Invalidate').fill('confirm')
    await invalidate.click()
    const job = page.locator('[data-testid="job"][data-state="done"]')
    await job.waitFor({ timeout: 30_000 })
    expect(Number(await page.getByTestId('deleted').textContent())).toBeGreaterThan(500)
    // The hot keys are gone: the next reads miss, and the chart shows it.
    await page.waitForFunction(
      (b) => {
        const t = document.querySelector('figure.chart[data-series="redis:hitrate"] figcaption strong')?.textContent ?? ''
        return Number.parseFloat(t) < b - 20
      },
      before,
      { timeout: 20_000 }
    )
    expect(await hitRate()).toBeLessThan(before - 20)
    await page.screenshot({ path: join(SHOTS, 'cache-invalidation.png'), fullPage: false })
    // A key of our own on the demo's Redis (its address is on the page): inspect it, give it a TTL.
    const endpoint = (await page.locator('section.cache .toolbar code').first().textContent())!
    const redis = new Redis(endpoint)
    try {
      await redis.hset('e2e:profile:1', { name: 'Ada', plan: 'pro' })
      await page.getByLabel('Key', { exact: true }).fill('e2e:profile:1')
      await page.getByRole('button', { name: 'Inspect' }).click()
      const info = page.getByTestId('key-info')
      await info.waitFor()
      expect(await info.textContent()).toMatch(/hash \(listpack\), 2 items/)
      await page.getByLabel('TTL seconds').fill('600')
      const setAt = Date.now()
      await page.getByRole('button', { name: 'Set TTL…' }).click()
      await page.getByLabel('Type confirm to Apply').fill('confirm')
      await page.getByRole('button', { name: 'Apply', exact: true }).click()
      await page.locator('.notice', { hasText: 'TTL of e2e:profile:1 set to 600 s.' }).waitFor()
      // 600 s, less the seconds the click took to land (a busy machine is slow).
      expect(await redis.ttl('e2e:profile:1')).toBeGreaterThanOrEqual(600 - Math.ceil((Date.now() - setAt) / 1000) - 1)
      // The TTL of every key a pattern matches, as a job: dry run, choose the action, confirm.
      const batch = redis.pipeline()
      for (let i = 0; i < 300; i++) batch.set(`e2e:batch:${i}`, 'v')
      await batch.exec()
      await page.getByLabel('Key pattern').fill('e2e:batch:*')
      await page.getByRole('button', { name: 'Dry run' }).click()
      await page.getByTestId('dry-run').filter({ hasText: 'e2e:batch:*' }).waitFor()
      await page.getByLabel('Pattern action').selectOption('set-ttl')
      await page.getByLabel('Pattern TTL seconds').fill('120')
      await page.getByLabel('Type confirm to Set TTL').fill('confirm')
      await page.getByRole('button', { name: 'Set TTL', exact: true }).click()
      await page.locator('[data-testid="job"][data-state="done"]', { hasText: 'with their TTL changed' }).waitFor({ timeout: 30_000 })
      expect(Number(await page.getByTestId('deleted').textContent())).toBe(300)
      expect(await redis.ttl('e2e:batch:0')).toBeGreaterThan(100)
      expect(await redis.ttl('e2e:batch:299')).toBeGreaterThan(100)
    } finally {
      redis.disconnect()
    }
    // Key-space analysis of the demo's cache: its prefixes, with a treemap by memory.
    await page.getByRole('button', { name: /^Analyse/ }).click()
    await page.getByTestId('keyspace-summary').waitFor({ timeout: 20_000 })
    expect(await page.getByTestId('keyspace-summary').textContent()).toMatch(/^\d+ of \d+ keys.*, read from redis:\/\/127\.0\.0\.1:\d+\/0$/)
    expect(await page.locator('section[aria-label="Key-space analysis"] tbody').textContent()).toContain('customer:*')
    expect(await page.locator('.treemap-cell').count()).toBeGreaterThan(0)
    // Below: latency by command and the top commands, from this Redis 7.
    await page.locator('section[aria-label="Latency"] tbody tr').first().waitFor()
    expect(await page.locator('section[aria-label="Top commands"] tbody tr').count()).toBeGreaterThan(0)
    await page.screenshot({ path: join(SHOTS, 'cache-details.png'), fullPage: true })
  })
})

describe('warming from the Cache view', () => {
  it('pastes commands, confirms, and sees the exact count written', async () => {
    await page.getByRole('button', { name: /^Cache/ }).click()
    await page.fill('textarea[aria-label="Warm-up commands"]', 'SET warmed:1 a EX 600\nSET warmed:2 b EX 600\nHSET warmed:h f v')
    await page.getByRole('button', { name: 'Warm…' }).click()
    await page.fill('input[aria-label="Type confirm to Warm"]', 'confirm')
    await page.locator('section[aria-label="Warm the cache"]').getByRole('button', { name: 'Warm', exact: true }).click()
    await page.getByTestId('warm-result').waitFor()
    expect(await page.getByTestId('warm-result').textContent()).toBe('done: 3 of 3 written')
  })
})
