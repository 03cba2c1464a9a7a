import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startPostgres, type PostgresHandle } from '../../src/main/harness/postgres'
import { tempDir } from '../helpers/temp'
import { writeLibpqHome } from '../helpers/libpq-home'
import { launchChromium, ROOT, runLookout, type CliProcess } from './browser'

const SHOTS = join(ROOT, 'test-results')
const home = tempDir()
const dataDir = tempDir()
let pg: PostgresHandle
let serve: CliProcess
let browser: Browser
let page: Page
/** Every WebSocket frame the page sent or received: the API traffic, scanned for the password. */
const traffic: string[] = []
const errors: string[] = []

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true })
  pg = await startPostgres()
  writeLibpqHome(home, pg, ['orders-prod', 'orders-staging'])
  const noPg = Object.fromEntries(
    Object.entries(process.env)
      .filter(([k]) => k.startsWith('PG'))
      .map(([k]) => [k, ''])
  )
  serve = await runLookout(['serve', '--data-dir', dataDir], 120_000, {
    ...noPg,
    HOME: home,
    LOOKOUT_SECRET_PASSPHRASE: 'e2e workspace passphrase'
  })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } })
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => traffic.push(String(f.payload)))
    ws.on('framereceived', (f) => traffic.push(String(f.payload)))
  })
})

afterAll(async () => {
  await browser?.close()
  await serve?.stop()
  await pg?.stop()
})

describe('the workspace in Chromium', () => {
  it('imports profiles through the wizard: the plan first, then only what was chosen', async () => {
    await page.goto(serve.url)
    await page.getByRole('button', { name: 'Import' }).first().click()
    const wizard = page.getByRole('region', { name: 'Import profiles' })
    await wizard.getByLabel('Import from').selectOption('pg-service')
    await wizard.getByRole('button', { name: 'Preview' }).click()
    const plan = wizard.getByRole('table', { name: 'Import plan' })
    await plan.waitFor()
    const rows = await plan
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [(tr as HTMLElement).dataset.import, (tr as HTMLElement).dataset.action]))
    expect(rows).toEqual([
      ['orders-prod', 'create'],
      ['orders-staging', 'create']
    ])
    expect(await plan.locator('tr[data-import="orders-prod"]').textContent()).toMatch(/prod \(guessed\).*\.pgpass, line 1/)
    // Nothing exists before the user says so.
    expect(await page.locator('.sidebar [data-profile]').count()).toBe(0)
    await wizard.getByRole('button', { name: 'Create 2 profiles' }).click()
    await wizard.getByRole('status').filter({ hasText: 'Imported: orders-prod, orders-staging' }).waitFor()
    await page.locator('.sidebar [data-profile="orders-staging"]').waitFor()
    expect(await page.locator('.side-group h2').allTextContents()).toEqual(['prod', 'staging'])
    // Imported on prod, read-only until someone turns that off (a guarded change); staging is not.
    expect(readFileSync(join(dataDir, 'profiles.json'), 'utf8')).toMatch(
      /"name": "orders-prod",\s+"environment": "prod",\s+"readOnly": true/
    )
  })

  it('pins two profiles and shows both health dots live', async () => {
    await page.getByRole('button', { name: 'Pin orders-prod' }).click()
    await page.getByRole('button', { name: 'Pin orders-staging' }).click()
    await page.waitForSelector('[data-testid="dot-orders-prod"].dot-up', { timeout: 30_000 })
    await page.waitForSelector('[data-testid="dot-orders-staging"].dot-up', { timeout: 30_000 })
    expect(await page.getByRole('button', { name: 'Unpin orders-prod' }).getAttribute('aria-pressed')).toBe('true')
  })

  it('tests a connection of an imported profile with the password from .pgpass', async () => {
    await page.locator('.sidebar [data-profile="orders-staging"] .side-open').click()
    const card = page.locator('[data-target="postgres"]')
    await card.waitFor()
    await card.getByRole('button', { name: 'Test connection' }).click()
    const steps = card.getByRole('list', { name: 'Connection test' })
    await steps.waitFor({ timeout: 30_000 })
    expect(await steps.locator('li[data-step=authentication]').getAttribute('data-ok')).toBe('true')
  })

  it('switches profile with Ctrl+K, keyboard only, and the one left keeps polling', async () => {
    await page.keyboard.press('Control+k')
    const palette = page.getByRole('dialog', { name: 'Command palette' })
    await palette.waitFor()
    await page.keyboard.type('ord prod')
    expect(await palette.locator('[role=option][aria-selected=true]').textContent()).toMatch(/orders-prod/)
    await page.keyboard.press('Enter')
    await page.waitForFunction(
      () => document.querySelector('[data-testid=env-bar] .env-bar-label')?.textContent === 'PROD orders-prod · read-only'
    )
    expect(await palette.count()).toBe(0)
    expect(await page.title()).toBe('orders-prod (PROD) · Lookout')
    // orders-staging is pinned: leaving it did not stop it, its dot stays live.
    const status = await page.evaluate(() => document.querySelector('[data-testid="dot-orders-staging"]')?.className)
    expect(status).toContain('dot-up')
    await page.waitForSelector('[data-target="postgres"][data-health="up"]', { timeout: 30_000 })
    await page.screenshot({ path: join(SHOTS, 'workspace-prod.png') })
  })

  it('the palette jumps to a view and Escape closes it', async () => {
    await page.keyboard.press('Control+k')
    await page.keyboard.type('audit')
    await page.keyboard.press('Enter')
    const log = page.getByRole('table', { name: 'Audit entries' })
    await log.locator('tr[data-outcome]').first().waitFor()
    expect(await log.textContent()).toMatch(/import profiles/)
    await page.getByLabel('Audit outcome').selectOption('refused')
    await page.waitForFunction(() => document.querySelectorAll('table[aria-label="Audit entries"] tr[data-outcome]').length === 0)
    await page.keyboard.press('Control+k')
    await page.getByRole('dialog', { name: 'Command palette' }).waitFor()
    await page.keyboard.press('Escape')
    expect(await page.getByRole('dialog', { name: 'Command palette' }).count()).toBe(0)
  })

  it('edits a profile with every field checked as typed; duplicates one with its secrets after the prod confirmation; deletes it', async () => {
    await page.locator('[data-testid=env-bar]').getByRole('button', { name: 'Edit' }).click()
    const form = page.getByRole('form', { name: 'Edit profile' })
    const dsn = form.locator('input[name=postgres]')
    const original = await dsn.inputValue()
    await dsn.fill('mysql://db/app')
    await form.locator('#err-postgres').waitFor()
    expect(await form.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true)
    await dsn.fill(original)
    await form.locator('input[name=pollIntervalMs]').fill('1500')
    await form.getByRole('button', { name: 'Save', exact: true }).click()
    await form.waitFor({ state: 'detached' })

    await page.locator('[data-testid=env-bar]').getByRole('button', { name: 'Duplicate' }).click()
    const dup = page.getByRole('form', { name: 'Duplicate profile' })
    expect(await dup.locator('input[name=name]').inputValue()).toBe('orders-prod-copy')
    await dup.getByRole('button', { name: 'Save and open' }).click()
    // Its passwords are orders-prod's: copying them is confirmed with that profile's name.
    const confirm = dup.getByLabel('Type orders-prod to Save')
    await confirm.fill('orders-prod')
    await dup.getByRole('button', { name: 'Save', exact: true }).last().click()
    await page.waitForFunction(
      () => document.querySelector('[data-testid=env-bar] .env-bar-label')?.textContent === 'PROD orders-prod-copy · read-only'
    )
    await page.getByRole('button', { name: 'Health', exact: true }).click()
    const card = page.locator('[data-target="postgres"]')
    await card.getByRole('button', { name: 'Test connection' }).click()
    await card.locator('li[data-step=authentication][data-ok=true]').waitFor({ timeout: 30_000 })

    await page.locator('[data-testid=env-bar]').getByRole('button', { name: 'Edit' }).click()
    const edit = page.getByRole('form', { name: 'Edit profile' })
    await edit.getByRole('button', { name: 'Delete profile…' }).click()
    await edit.getByLabel('Type orders-prod-copy to Delete').fill('orders-prod-copy')
    await edit.getByRole('button', { name: 'Delete', exact: true }).click()
    await page.locator('.sidebar [data-profile="orders-prod-copy"]').waitFor({ state: 'detached' })
    // The confirmation's button deleted and did not also submit the editor around it (a save).
    const lines = readFileSync(join(dataDir, 'audit.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { action: string; profile: string; outcome: string })
    expect(lines.at(-1)).toMatchObject({ action: 'delete profile', profile: 'orders-prod-copy' })
    expect(lines.filter((l) => l.profile === 'orders-prod-copy').map((l) => [l.action, l.outcome])).toEqual([
      ['save profile', 'refused'],
      ['save profile', 'ok'],
      ['delete profile', 'ok']
    ])
  })

  it('no password reached the page, the traffic or the data directory in plain text', async () => {
    expect(traffic.length).toBeGreaterThan(10)
    for (const frame of traffic) expect(frame).not.toContain(pg.password)
    for (const f of readdirSync(dataDir)) expect(readFileSync(join(dataDir, f), 'utf8')).not.toContain(pg.password)
    expect(readdirSync(dataDir)).toContain('secrets.enc.json')
    expect(await page.content()).not.toContain(pg.password)
    expect(errors).toEqual([])
  })
})
