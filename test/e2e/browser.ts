import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchChromium } from '../helpers/chromium'

export { CHROMIUM, launchChromium } from '../helpers/chromium'

export const ROOT = join(__dirname, '../..')
export interface CliProcess {
  child: ChildProcess
  url: string
  output(): string
  stop(): Promise<number | null>
}

/** Runs the built `lookout` command and waits for the URL it prints. */
export async function runLookout(args: string[], timeoutMs = 120_000, env: Record<string, string> = {}): Promise<CliProcess> {
  const bin = join(ROOT, 'bin/lookout.js')
  if (!existsSync(join(ROOT, 'out/main/cli.js'))) throw new Error('the app is not built: run npm run build first')
  const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let out = ''
  child.stdout!.on('data', (d) => (out += d))
  child.stderr!.on('data', (d) => (out += d))
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms:\n${out}`)), timeoutMs)
    const check = () => {
      const m = /serving at (http:\/\/\S+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(m[1]!)
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', (code) => reject(new Error(`lookout exited with ${code}:\n${out}`)))
  })
  return {
    child,
    url,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode)
        child.once('exit', (code) => resolve(code))
        child.kill('SIGINT')
      })
  }
}

export interface OpenDemo {
  demo: CliProcess
  browser: Browser
  page: Page
  /** Errors the page logged or threw. */
  errors: string[]
  close(): Promise<number | null>
}

/** `lookout demo --headless`, Chromium on its URL, waiting until `readySelector` shows. */
export async function openDemo(readySelector: string): Promise<OpenDemo> {
  const demo = await runLookout(['demo', '--headless', '--poll', '1000'])
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } })
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(e.message))
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()))
  await page.goto(demo.url)
  await page.waitForSelector(readySelector, { timeout: 30_000 })
  return {
    demo,
    browser,
    page,
    errors,
    async close() {
      await browser.close()
      return demo.stop()
    }
  }
}
