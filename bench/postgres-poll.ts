import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type pg from 'pg'
import { createMonitorClient } from '../src/main/core/postgres/connection'
import { OwnTransactions } from '../src/main/core/postgres/own-transactions'
import { pgThresholds } from '../src/main/core/postgres/thresholds'
import { PostgresWatch } from '../src/main/core/postgres/watch'
import { findBinary } from '../src/main/harness/binaries'
import { freePort, waitFor } from '../src/main/harness/net'
import { startPostgres, type PostgresHandle } from '../src/main/harness/postgres'
import type { BenchResult } from './benchmarks'

const TABLES = Number(process.env.BENCH_PG_TABLES ?? 1000)
const STATEMENTS = Number(process.env.BENCH_PG_STATEMENTS ?? 5000)
const RUNS = 9
/** Debian's example of the exporter's custom queries (pg_stat_statements, per-table I/O, ...). */
const EXAMPLE_QUERIES = '/usr/share/doc/prometheus-postgres-exporter/examples/queries.yaml'

/** 1,000 tables with an index each, then 5,000 distinct statements (five shapes per table). */
export async function seed(server: PostgresHandle): Promise<void> {
  const a = await server.admin(server.database)
  try {
    for (let i = 0; i < TABLES; i += 100) {
      let sql = ''
      for (let k = i; k < Math.min(TABLES, i + 100); k++)
        sql += `CREATE TABLE t_${k} (id serial PRIMARY KEY, a int, b text); CREATE INDEX t_${k}_a ON t_${k} (a);
          INSERT INTO t_${k} (a, b) SELECT g, 'x' FROM generate_series(1, 20) g;`
      await a.query(sql)
    }
    await a.query('ANALYZE')
    const shapes = [
      (t: number) => `SELECT a FROM t_${t} WHERE id = 1`,
      (t: number) => `SELECT b FROM t_${t} WHERE id = 1`,
      (t: number) => `SELECT count(*) FROM t_${t}`,
      (t: number) => `SELECT a, b FROM t_${t} WHERE a = 1`,
      (t: number) => `UPDATE t_${t} SET a = a WHERE id = 1`
    ]
    const all: string[] = []
    for (let n = 0; n < STATEMENTS; n++) all.push(shapes[Math.floor(n / TABLES) % shapes.length]!(n % TABLES))
    for (let i = 0; i < all.length; i += 200) await a.query(all.slice(i, i + 200).join(';\n'))
    await a.query("CREATE ROLE lookout_bench LOGIN PASSWORD 'bench' IN ROLE pg_monitor")
    await a.query("CREATE ROLE exporter_bench LOGIN PASSWORD 'bench' IN ROLE pg_monitor")
    const n = Number((await a.query('SELECT count(*) AS n FROM pg_stat_statements')).rows[0].n)
    if (n < STATEMENTS) throw new Error(`pg_stat_statements holds ${n} statements, expected at least ${STATEMENTS}`)
  } finally {
    await a.end()
  }
}

/** Server time (planning + execution) pg_stat_statements has recorded for a role so far. */
async function serverMs(admin: pg.Client, role: string): Promise<{ ms: number; calls: number }> {
  const r = await admin.query(
    `SELECT coalesce(sum(total_exec_time + total_plan_time), 0)::float8 AS ms, coalesce(sum(calls), 0)::float8 AS calls
     FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1`,
    [role]
  )
  return { ms: Number(r.rows[0].ms), calls: Number(r.rows[0].calls) }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

async function measure(admin: pg.Client, role: string, once: () => Promise<void>) {
  const server: number[] = []
  const wall: number[] = []
  let calls = 0
  for (let i = 0; i < RUNS; i++) {
    const before = await serverMs(admin, role)
    const t = performance.now()
    await once()
    wall.push(performance.now() - t)
    const after = await serverMs(admin, role)
    server.push(after.ms - before.ms)
    calls = after.calls - before.calls
  }
  return { serverMs: median(server), wallMs: median(wall), statements: calls }
}

class Exporter {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string
  ) {}
  static async start(dsn: string, queriesFile: string | null): Promise<Exporter> {
    const bin = findBinary('prometheus-postgres-exporter', 'prometheus-postgres-exporter')
    const port = await freePort()
    const args = [`--web.listen-address=127.0.0.1:${port}`, ...(queriesFile ? [`--extend.query-path=${queriesFile}`] : [])]
    let out = ''
    const child = spawn(bin, args, { env: { ...process.env, DATA_SOURCE_NAME: dsn }, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout!.on('data', (d) => (out += d))
    child.stderr!.on('data', (d) => (out += d))
    const url = `http://127.0.0.1:${port}/metrics`
    await waitFor(
      'postgres_exporter',
      async () => (await fetch(url).catch(() => null))?.ok === true,
      30_000,
      () => out
    )
    return new Exporter(child, url)
  }
  /** One scrape; the page must say the database was reachable. */
  async scrape(): Promise<number> {
    const page = await (await fetch(this.url)).text()
    if (!/^pg_up 1$/m.test(page)) throw new Error('the exporter could not reach PostgreSQL (pg_up is not 1)')
    return page.split('\n').filter((l) => l && !l.startsWith('#')).length
  }
  stop(): void {
    this.child.kill('SIGKILL')
  }
}

/**
 * The server-side cost of one full Lookout poll (fast, medium and slow tiers) against one scrape
 * of Debian's prometheus-postgres-exporter, both as pg_monitor roles on the same database, measured
 * by pg_stat_statements itself (planning + execution time of each role's statements).
 */
export async function postgresPoll(): Promise<BenchResult[]> {
  const server = await startPostgres({ extraSettings: { 'pg_stat_statements.max': '20000' } })
  const tmp = mkdtempSync(join(tmpdir(), 'lookout-bench-pg-'))
  const exporters: Exporter[] = []
  let client: pg.Client | null = null
  const admin = await server.admin(server.database)
  try {
    await seed(server)
    client = createMonitorClient({
      dsn: `postgresql://lookout_bench@127.0.0.1:${server.port}/${server.database}`,
      password: 'bench',
      connectTimeoutMs: 10_000,
      statementTimeoutMs: 60_000
    })
    // As the collector runs it: its own transactions counted, so the poll includes the
    // statistics-report requests that keep them out of the database's figures.
    const own = new OwnTransactions()
    own.count(client)
    await client.connect()
    const c = client
    const watch = new PostgresWatch(pgThresholds(), 'lookout_bench', Date.now, own)
    const fullPoll = async () => {
      watch.forceDue()
      await watch.fast(c)
      await watch.medium(c)
      await watch.slow(c)
    }
    // The first poll also fetches every statement's text once; later polls read no texts.
    const firstBefore = await serverMs(admin, 'lookout_bench')
    await fullPoll()
    const first = (await serverMs(admin, 'lookout_bench')).ms - firstBefore.ms
    const ours = await measure(admin, 'lookout_bench', fullPoll)
    const fast = await measure(admin, 'lookout_bench', async () => void (await watch.fast(c)))
    const medium = await measure(admin, 'lookout_bench', () => watch.medium(c))
    const slow = await measure(admin, 'lookout_bench', () => watch.slow(c))
    // The floor any full poll pays here: the two reads the checks cannot do without,
    // pg_stat_statements (every entry, no texts) and the database size, and nothing else.
    const floor = await measure(admin, 'lookout_bench', async () => {
      await c.query('/* lookout floor */ SELECT count(*) FROM pg_stat_statements(false)')
      await c.query('/* lookout floor */ SELECT pg_database_size(current_database())')
    })
    // What each costs per minute at the default cadences: a poll every 2 s (the profile default),
    // the medium tier every 15 s, the slow tier every 5 min; Prometheus scraping every 15 s.
    const oursPerMin = fast.serverMs * 30 + medium.serverMs * 4 + slow.serverMs * 0.2
    const returned = {
      checks: watch.checkStatuses().length,
      findings: watch.findings().length,
      statements_tracked: watch.trackedStatements(),
      sessions: watch.activity().sessions.length
    }

    // BENCH_PROFILE=1 prints Lookout's statements by server time: where a poll's cost goes.
    if (process.env.BENCH_PROFILE === '1') {
      const r = await admin.query(
        `SELECT calls, round((total_exec_time + total_plan_time)::numeric / calls, 2) AS per_call, round(total_plan_time::numeric / calls, 2) AS plan, left(regexp_replace(query, '\\s+', ' ', 'g'), 90) AS q
         FROM pg_stat_statements s JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = 'lookout_bench' ORDER BY total_exec_time + total_plan_time DESC LIMIT 25`
      )
      console.table(r.rows)
    }
    const dsn = `postgresql://exporter_bench:bench@127.0.0.1:${server.port}/${server.database}?sslmode=disable`
    const refs: { name: string; queries: string | null }[] = [
      { name: 'prometheus-postgres-exporter 0.11 (default collectors)', queries: null }
    ]
    if (existsSync(EXAMPLE_QUERIES)) {
      // Debian's example still uses the pre-13 column names; renamed so it runs on this server.
      const q = join(tmp, 'queries.yaml')
      writeFileSync(
        q,
        readFileSync(EXAMPLE_QUERIES, 'utf8')
          .replace(/\btotal_time\b/g, 'total_exec_time')
          .replace(/\b(min|max|mean|stddev)_time\b/g, '$1_exec_time')
          .replace(/\bblk_(read|write)_time\b/g, 'blk_$1_time')
      )
      refs.push({ name: "prometheus-postgres-exporter 0.11 + Debian's example queries.yaml", queries: q })
    }
    const out: BenchResult[] = []
    for (const ref of refs) {
      const exp = await Exporter.start(dsn, ref.queries)
      exporters.push(exp)
      let samples = await exp.scrape()
      const r = await measure(admin, 'exporter_bench', async () => {
        samples = await exp.scrape()
      })
      exp.stop()
      out.push({
        ours_ms: round(ours.serverMs),
        ref: ref.name,
        ref_ms: round(r.serverMs),
        ratio: round(ours.serverMs / r.serverMs),
        measure: 'server time (planning + execution) per poll/scrape, from pg_stat_statements, median of 9',
        ours_first_poll_ms: round(first),
        floor_ms: round(floor.serverMs),
        floor: 'pg_stat_statements(false) read whole + pg_database_size, nothing else',
        ours_tiers_ms: { fast: round(fast.serverMs), medium: round(medium.serverMs), slow: round(slow.serverMs) },
        ours_per_min_ms: round(oursPerMin),
        ref_per_min_ms: round(r.serverMs * 4),
        per_min_ratio: round(oursPerMin / (r.serverMs * 4)),
        ours_wall_ms: round(ours.wallMs),
        ref_wall_ms: round(r.wallMs),
        ours_statements: ours.statements,
        ref_statements: r.statements,
        ours_returns: returned,
        ref_returns: { samples },
        tables: TABLES,
        pg_stat_statements_entries: STATEMENTS
      })
    }
    return out
  } finally {
    for (const e of exporters) e.stop()
    await client?.end().catch(() => {})
    await admin.end().catch(() => {})
    await server.stop()
    rmSync(tmp, { recursive: true, force: true })
  }
}

const round = (x: number) => Math.round(x * 100) / 100
