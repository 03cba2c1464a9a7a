import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCore } from '../src/main/core'
import { SqliteHistoryStore } from '../src/main/core/history/sqlite-store'
import { MemorySecretStore, silentLogger } from '../src/main/core/ports'
import { statementValues, type StatementSample } from '../src/main/core/postgres/checks/statements'
import type { JobDone } from '../src/shared/api'
import type { ReportResult } from '../src/shared/reports'
import { launchChromium } from '../test/helpers/chromium'
import type { BenchResult } from './benchmarks'

/** The measure: one hour of 200 series at one point a second, with 100 statements that ran slowly. */
const SECONDS = 3600
const STATEMENTS = 100
const STATEMENT_EVERY = 15
/** A Postgres (3 series), a Redis (4) and a /metrics page: its scrape and 192 series watched in the explorer. */
const WATCHED = 192
const SERIES = 3 + 4 + 1 + WATCHED
const LAYOUT_RUNS = 5

const GOAL_GENERATE_MS = 1000
const GOAL_BYTES = 2 * 1024 * 1024
const GOAL_LAYOUT_MS = 500

/** The little of the DOM the layout timing touches (this file compiles without the DOM's types). */
interface PageDocument {
  open(): void
  write(html: string): void
  close(): void
  body: { getBoundingClientRect(): { height: number } }
  documentElement: { scrollHeight: number }
}

const r3 = (x: number) => Math.round(x * 1000) / 1000
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

function statementRows(i: number): StatementSample[] {
  const rows: StatementSample[] = []
  for (let q = 0; q < STATEMENTS; q++) {
    // Every statement runs all the time, slowly: 20 ms to 2 s a call, so all 100 are "slow queries".
    const calls = 10 + Math.floor((i * (q + 1)) / 50)
    const total = calls * (20 + q * 20)
    rows.push({
      key: `10:5:${q}:t`,
      queryid: String(1000 + q),
      user: 'app',
      database: 'shop',
      calls,
      totalMs: total,
      rows: calls * 3,
      hit: calls * 40,
      read: calls * (q % 7),
      temp: q % 10 === 0 ? calls : 0,
      execMs: total * 0.95,
      execSq: calls * (20 + q * 20) ** 2,
      maxMs: 40 + q * 30
    })
  }
  return rows
}

/** One value per series and second: rates, ratios, gauges and latencies with some noise and spikes. */
function value(s: number, i: number): number {
  const base = 50 + 40 * Math.sin(i / (300 + s * 7) + s)
  return (i * 7919 + s * 104729) % 997 === 0 ? base * 8 : base + ((i * 31 + s * 17) % 23) / 3
}

/**
 * `npm run bench report`: fills a history with an hour of 200 series at 1 s and 100 slow
 * statements, then makes the report through the core's `reports.create` (gathering, rendering and
 * the secret check) and loads it in Chromium, timing the parse, style and layout of the page.
 */
export async function reportBench(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-report-'))
  try {
    const end = Date.now()
    const start = end - SECONDS * 1000
    const clock = { t: start }
    const store = new SqliteHistoryStore(join(dir, 'history.db'), () => clock.t)
    const targets = [
      { id: 'postgres', names: ['postgres:tps', 'postgres:connections', 'postgres:cache_hit'] },
      { id: 'redis', names: ['redis:hitrate', 'redis:ops', 'redis:memory', 'redis:evictions'] },
      {
        id: 'metrics-0',
        names: [
          'metrics-0:scrape',
          ...Array.from({ length: WATCHED }, (_, k) => `metrics-0:http_request_duration_seconds{route="/api/v1/r${k}"} p95`)
        ]
      }
    ]
    let s0 = 0
    for (let i = 0; i < SECONDS; i++) {
      clock.t = start + i * 1000
      let s = 0
      for (const t of targets) {
        const v = new Float64Array(t.names.length)
        for (let k = 0; k < v.length; k++) v[k] = value(s++, i)
        store.appendTick('bench', t.id, clock.t, t.names, v)
      }
      s0 = s
      if (i % STATEMENT_EVERY === 0) {
        const rows = statementRows(i)
        const texts = new Map(
          rows.map((r, q) => [
            r.queryid,
            `SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.region = $1 AND o.status = $2 /* statement ${q} */`
          ])
        )
        store.appendStatements(
          'bench',
          'postgres',
          clock.t,
          rows.map((r) => ({ key: r.key, queryid: r.queryid, user: r.user, database: r.database, values: statementValues(r) })),
          texts
        )
      }
      store.flush()
    }
    store.close()
    if (s0 !== SERIES) throw new Error(`the bench made ${s0} series, not ${SERIES}`)

    const core = createCore({
      dataDir: dir,
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      logger: silentLogger,
      transport: 'websocket'
    })
    try {
      // Targets that refuse at once: the report's live probes fail fast (a partial report), its history is whole.
      const saved = await core.dispatch('profiles.save', {
        profile: {
          name: 'bench',
          environment: 'dev',
          postgres: 'postgresql://app@127.0.0.1:1/shop',
          redis: 'redis://127.0.0.1:1/0',
          metrics: ['http://127.0.0.1:1/metrics']
        }
      })
      if (!saved.ok) throw new Error(saved.error.message)
      const runs: { ms: number; result: ReportResult }[] = []
      for (let k = 0; k < 3; k++) {
        const jobId = `bench-${k}`
        const done = new Promise<JobDone>((resolve) => {
          const off = core.onEvent((name, p) => {
            if (name === 'job.done' && (p as JobDone).jobId === jobId) {
              off()
              resolve(p as JobDone)
            }
          })
        })
        const t0 = performance.now()
        const r = await core.dispatch('reports.create', { profile: 'bench', range: { from: start, to: end }, jobId })
        if (!r.ok) throw new Error(r.error.message)
        const d = await done
        if (d.error) throw new Error(d.error.message)
        runs.push({ ms: performance.now() - t0, result: d.result as ReportResult })
      }
      const generateMs = median(runs.map((r) => r.ms))
      const report = runs[0]!.result

      const browser = await launchChromium()
      const layoutMs: number[] = []
      try {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } })
        for (let k = 0; k < LAYOUT_RUNS; k++) {
          await page.goto('about:blank')
          // Parse, style and lay out the whole document, in the page's own clock.
          layoutMs.push(
            await page.evaluate((html) => {
              const document = (globalThis as unknown as { document: PageDocument }).document
              const t0 = performance.now()
              document.open()
              document.write(html)
              document.close()
              void document.body.getBoundingClientRect().height
              void document.documentElement.scrollHeight
              return performance.now() - t0
            }, report.html)
          )
        }
      } finally {
        await browser.close()
      }
      const layout = median(layoutMs)
      const common = {
        series: SERIES,
        seconds: SECONDS,
        statements: STATEMENTS,
        sections: report.sections.join(','),
        charts: (report.html.match(/<svg /g) ?? []).length
      }
      return [
        {
          measure: 'report generation through reports.create (history reads, figures, SVG, HTML, secret check), median of 3',
          ours_ms: r3(generateMs),
          ref: `goal: under ${GOAL_GENERATE_MS} ms`,
          ref_ms: GOAL_GENERATE_MS,
          ratio: r3(generateMs / GOAL_GENERATE_MS),
          ours_min_ms: r3(Math.min(...runs.map((r) => r.ms))),
          ours_max_ms: r3(Math.max(...runs.map((r) => r.ms))),
          ...common
        },
        {
          measure: 'report file size',
          ours_ms: report.bytes,
          ref: `goal: under ${GOAL_BYTES} bytes`,
          ref_ms: GOAL_BYTES,
          ratio: r3(report.bytes / GOAL_BYTES),
          unit: 'bytes',
          ...common
        },
        {
          measure: `Chromium: parse, style and lay out the report (document.write to layout), median of ${LAYOUT_RUNS}`,
          ours_ms: r3(layout),
          ref: `goal: under ${GOAL_LAYOUT_MS} ms`,
          ref_ms: GOAL_LAYOUT_MS,
          ratio: r3(layout / GOAL_LAYOUT_MS),
          ours_max_ms: r3(Math.max(...layoutMs)),
          ...common
        }
      ]
    } finally {
      await core.close()
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
