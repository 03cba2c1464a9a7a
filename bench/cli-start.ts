import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchResult } from './benchmarks'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const RUNS = Number(process.env.BENCH_RUNS ?? 15)
/** The goal: within twice promtool's wall time and peak memory. */
const GOAL_RATIO = 2

/** A one-family page both tools accept without a lint complaint (promtool wants HELP and _total). */
const PAGE = '# HELP requests_total Requests served.\n# TYPE requests_total counter\nrequests_total 1027\n'
const PLAN =
  'Seq Scan on orders  (cost=0.00..3667.00 rows=20 width=20) (actual time=0.015..21.4 rows=18 loops=1)\n  Filter: (customer_id = 42)\n  Rows Removed by Filter: 199982\nPlanning Time: 0.1 ms\nExecution Time: 21.5 ms\n'

interface Run {
  wallMs: number
  rssKb: number
}

/** One run under GNU time: its wall time and peak resident memory; the command must succeed. */
function measure(cmd: string, args: string[], input?: string): Run {
  const t0 = performance.now()
  const r = spawnSync('/usr/bin/time', ['-f', '%e %M', cmd, ...args], { input, encoding: 'utf8', cwd: ROOT })
  const wallMs = performance.now() - t0
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  const m = /(\d+\.\d+) (\d+)\s*$/.exec(r.stderr)
  if (!m) throw new Error(`no timing from /usr/bin/time: ${r.stderr}`)
  // GNU time's own wall figure has 10 ms steps: the spawn is timed here instead (GNU time's own start is in it, for every command alike).
  return { wallMs, rssKb: Number(m[2]) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const r1 = (x: number) => Math.round(x * 10) / 10
const r2 = (x: number) => Math.round(x * 100) / 100

/** Runs each command RUNS times, interleaved so a busy moment of the machine falls on all of them alike. */
function medians(cmds: Record<string, () => Run>): Record<string, { wallMs: number; rssKb: number }> {
  const runs: Record<string, Run[]> = Object.fromEntries(Object.keys(cmds).map((k) => [k, []]))
  for (let i = 0; i < RUNS; i++) for (const [k, run] of Object.entries(cmds)) runs[k]!.push(run())
  return Object.fromEntries(
    Object.entries(runs).map(([k, rs]) => [k, { wallMs: median(rs.map((r) => r.wallMs)), rssKb: median(rs.map((r) => r.rssKb)) }])
  )
}

/**
 * `npm run bench cli-start`: how fast `lookout` starts for a one-shot command, against promtool on
 * the same page in the same run. Wall time (of the spawn, in ms) and peak RSS (GNU time's), medians
 * of interleaved runs; `node -e 0` is printed too, as the floor any Node command starts from.
 */
export async function cliStart(): Promise<BenchResult[]> {
  if (!existsSync(join(ROOT, 'out/main/cli.js'))) throw new Error('the CLI is not built: run npm run build first')
  if (!existsSync('/usr/bin/time')) throw new Error('GNU time is needed (/usr/bin/time): apt-get install time')
  const dir = mkdtempSync(join(tmpdir(), 'lookout-bench-cli-'))
  try {
    const page = join(dir, 'page.prom')
    const plan = join(dir, 'plan.txt')
    writeFileSync(page, PAGE)
    writeFileSync(plan, PLAN)
    const lookout = (args: string[]) => () => measure(process.execPath, [join(ROOT, 'bin/lookout.js'), ...args])
    const m = medians({
      lint: lookout(['metrics', 'lint', page]),
      explain: lookout(['explain', '--plan-file', plan]),
      promtool: () => measure('promtool', ['check', 'metrics'], PAGE),
      node: () => measure(process.execPath, ['-e', '0'])
    })
    const ref = m.promtool!
    const row = (what: string, ours: { wallMs: number; rssKb: number }): BenchResult => ({
      measure: what,
      ours_ms: r1(ours.wallMs),
      ref: 'promtool check metrics (same page)',
      ref_ms: r1(ref.wallMs),
      ratio: r2(ours.wallMs / ref.wallMs),
      goal_ratio: GOAL_RATIO,
      ours_rss_mb: r1(ours.rssKb / 1024),
      ref_rss_mb: r1(ref.rssKb / 1024),
      rss_ratio: r2(ours.rssKb / ref.rssKb),
      node_floor_ms: r1(m.node!.wallMs),
      node_floor_rss_mb: r1(m.node!.rssKb / 1024),
      runs: RUNS
    })
    return [row('lookout metrics lint on a one-line page', m.lint!), row('lookout explain --plan-file on a small plan', m.explain!)]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
