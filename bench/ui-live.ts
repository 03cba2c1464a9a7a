import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type CDPSession, type Page } from 'playwright-core'
import { Gauge } from 'prom-client'
import { createCore } from '../src/main/core'
import { MemorySecretStore } from '../src/main/core/ports'
import { startMetricsFixture } from '../src/main/harness/metrics-fixture'
import { serve } from '../src/main/serve/server'
import type { BenchResult } from './benchmarks'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const CHARTS = 24
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60)
const CHROMIUM = process.env.LOOKOUT_CHROMIUM ?? '/usr/bin/chromium'

/** What the page's main thread did over a window: busy time per second and the longest frame. */
interface PageLoad {
  busyMsPerS: number
  scriptMsPerS: number
  longestFrameMs: number
  /** Frames over 50 ms as Chromium's long-animation-frame entries report them. */
  longFrames: number
}

// Scripts run in the page (strings: this file is compiled without the DOM's types). The longest
// frame is the longest gap between two animation frames; long frames are Chromium's own
// long-animation-frame entries (over 50 ms).
const WATCH_FRAMES = `(() => {
  const f = (window.__frames = { longest: 0, long: 0, last: performance.now(), stop: false })
  const tick = (now) => {
    if (f.stop) return
    f.longest = Math.max(f.longest, now - f.last)
    f.last = now
    requestAnimationFrame(tick)
  }
  requestAnimationFrame(tick)
  new PerformanceObserver((list) => { f.long += list.getEntries().length }).observe({ type: 'long-animation-frame' })
})()`
const STOP_WATCHING = `(() => { window.__frames.stop = true; return { longest: window.__frames.longest, long: window.__frames.long } })()`
const chartsDrawn = (n: number) => `document.querySelectorAll('.watched figure.chart canvas').length >= ${n}`

/** Main-thread task time from Chromium's own counters (CDP Performance), and frame gaps from the page. */
async function measure(page: Page, cdp: CDPSession, seconds: number): Promise<PageLoad> {
  const metric = async () => {
    const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] }
    const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? 0
    return { task: get('TaskDuration'), script: get('ScriptDuration'), at: get('Timestamp') }
  }
  await page.evaluate(WATCH_FRAMES)
  const before = await metric()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const after = await metric()
  const frames = (await page.evaluate(STOP_WATCHING)) as { longest: number; long: number }
  const elapsed = after.at - before.at
  return {
    busyMsPerS: ((after.task - before.task) * 1000) / elapsed,
    scriptMsPerS: ((after.script - before.script) * 1000) / elapsed,
    longestFrameMs: frames.longest,
    longFrames: frames.long
  }
}

/**
 * 24 live charts in Chromium, each getting a point every second for SECONDS, on the real UI
 * served by `lookout serve`'s code: the renderer's main-thread time per second and its longest
 * frame, against the same page in the same run with the charts hidden (their panel set to
 * display:none, so they stop drawing while the store still takes every point).
 */
export async function uiLive(): Promise<BenchResult[]> {
  const build = spawnSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' })
  if (build.status !== 0) throw new Error('npm run build failed')
  const fixture = await startMetricsFixture()
  // Each gauge takes a new value at every scrape, so every chart moves every second.
  for (let i = 0; i < CHARTS; i++)
    new Gauge({
      name: `bench_live_${String(i).padStart(2, '0')}`,
      help: 'A value that moves every scrape.',
      registers: [fixture.registry],
      collect() {
        this.set(50 + 40 * Math.sin(Date.now() / 5000 + i))
      }
    })
  const dataDir = mkdtempSync(join(tmpdir(), 'lookout-bench-ui-'))
  const core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  const server = await serve({ core, rendererDir: join(ROOT, 'out/renderer'), token: 'bench-token-0123456789abcdef' })
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu'] })
  let points = 0
  core.onEvent((name, p) => {
    if (name === 'series.delta') points += (p as { points: unknown[] }).points.length
  })
  try {
    const call = async (method: string, params: unknown) => {
      const r = await core.dispatch(method, params)
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`)
      return r.result as never
    }
    await call('profiles.save', { profile: { name: 'ui-live', environment: 'dev', metrics: [fixture.url], pollIntervalMs: 1000 } })
    await call('monitor.start', { profile: 'ui-live' })
    let keys: string[] = []
    for (let tries = 0; keys.length < CHARTS && tries < 100; tries++) {
      const listed: { series: { key: string }[] } = await call('metrics.series', {
        profile: 'ui-live',
        targetId: 'metrics-0',
        search: 'bench_live'
      })
      keys = listed.series.map((s) => s.key).sort()
      if (keys.length < CHARTS) await new Promise((r) => setTimeout(r, 200))
    }
    if (keys.length < CHARTS) throw new Error(`the fixture's page shows ${keys.length} of ${CHARTS} series`)
    for (const key of keys) await call('metrics.watch', { profile: 'ui-live', targetId: 'metrics-0', key })

    // Tall enough that all 24 charts are on screen at once.
    const page = await browser.newPage({ viewport: { width: 1400, height: 4200 } })
    await page.goto(server.urlWithToken)
    await page.getByRole('button', { name: 'Metrics' }).click()
    await page.waitForFunction(chartsDrawn(CHARTS), undefined, { timeout: 60_000 })
    // Warm: a few points drawn by every chart before measuring.
    await new Promise((r) => setTimeout(r, 5000))
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Performance.enable')

    const before = points
    const shown = await measure(page, cdp, SECONDS)
    const shownPoints = (points - before) / SECONDS
    // Through the CSSOM: the page's CSP (rightly) refuses an injected style sheet.
    await page.evaluate(`document.querySelector('.watched').style.display = 'none'`)
    await new Promise((r) => setTimeout(r, 2000))
    const mid = points
    const hidden = await measure(page, cdp, SECONDS)
    const hiddenPoints = (points - mid) / SECONDS
    const round = (x: number) => Math.round(x * 100) / 100
    // Both windows must have had the same live stream, or the comparison means nothing.
    const common = { charts: CHARTS, seconds: SECONDS, points_per_s: round(shownPoints), ref_points_per_s: round(hiddenPoints) }
    return [
      {
        metric: 'main-thread busy ms per second',
        ours_ms: round(shown.busyMsPerS),
        ref: `same page, charts hidden`,
        ref_ms: round(hidden.busyMsPerS),
        ratio: round(shown.busyMsPerS / hidden.busyMsPerS),
        script_ms_per_s: round(shown.scriptMsPerS),
        ref_script_ms_per_s: round(hidden.scriptMsPerS),
        ...common
      },
      {
        metric: 'longest frame ms',
        ours_ms: round(shown.longestFrameMs),
        ref: `same page, charts hidden`,
        ref_ms: round(hidden.longestFrameMs),
        ratio: round(shown.longestFrameMs / hidden.longestFrameMs),
        long_frames: shown.longFrames,
        ref_long_frames: hidden.longFrames,
        ...common
      }
    ]
  } finally {
    await browser.close()
    await server.close()
    await core.close()
    await fixture.close()
    rmSync(dataDir, { recursive: true, force: true })
  }
}
