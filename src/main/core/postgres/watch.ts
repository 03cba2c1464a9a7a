import { CounterWithoutOwn, type OwnTransactions } from './own-transactions'
import type pg from 'pg'
import type {
  ActivityAnswer,
  PgCheckStatus,
  PgFinding,
  PgSession,
  PgSetting,
  PostgresDetails,
  StatementsAnswer
} from '../../../shared/postgres'
import { errorMessage, type StatementsTick } from '../collector'
import {
  blockingTree,
  checkBlockedSessions,
  checkIdleInTransaction,
  checkLongRunningQueries,
  readActivity,
  sessionsByState
} from './checks/activity'
import {
  checkCacheHitRate,
  checkCheckpoints,
  checkConnections,
  checkDeadlocks,
  checkTempFiles,
  counterWindow,
  growthPerHour,
  windowFigures,
  hitRatio,
  readCheckpoints,
  readDatabaseCounters,
  readStatioTotals,
  statioRatios,
  type Checkpoints,
  type StatioTotals,
  type CounterWindow,
  type DatabaseCounters
} from './checks/health'
import { checkReplicationLag, readReplication, type ReplicationState } from './checks/replication'
import { readStatements, readStatementsReset, readStatementTexts, statementsUnavailable, StatementHistory } from './checks/statements'
import { checkFailure, LOOKOUT_SQL_MARKER } from './sql'
import { runSlowTier, SLOW_CHECKS } from './slow-tier'
import { hiddenTextNote, statementFindings, statementsAnswer, type StatementsQuery } from './statement-views'
export { SLOW_CHECKS } from './slow-tier'
import type { PgThresholds } from './thresholds'

/** Medium tier (pg_stat_statements) and slow tier (catalog checks, database size) cadences. */
export const MEDIUM_TIER_MS = 15_000
export const SLOW_TIER_MS = 5 * 60_000
/** Asks the session's next statistics report to happen as soon as it goes idle (15+). */
export const FLUSH_OWN_STATS_SQL = '/* lookout */ SELECT pg_stat_force_next_flush()'

/** The window of the headline figures and of the windowed checks. */
export const HEADLINE_WINDOW_MS = 5 * 60_000

type Tier = PgCheckStatus['tier']

export interface FastResult {
  counters: DatabaseCounters
  /** Over the last poll interval, for the charts. */
  tps: number | null
  cacheHitRatio: number | null
  replicationLagS: number | null
}

/**
 * Everything Lookout knows about one Postgres target, refreshed in tiers: fast (every poll),
 * medium and slow (on their own cadence, on a second session so a slow catalog never delays the
 * live charts). Each check runs on its own: one failing (a lock, a missing privilege) says why
 * and leaves the others working.
 */
export class PostgresWatch {
  private readonly counters: { t: number; c: DatabaseCounters }[] = []
  private sessions: PgSession[] = []
  private activityAt: number | null = null
  private replication: ReplicationState | null = null
  private readonly history = new StatementHistory()
  /** The last statements sample, until the next poll hands it to the history store. */
  private pendingStatements: StatementsTick | null = null
  private statementsUnavailable: string | null = null
  private readonly findingsByCheck = new Map<string, PgFinding[]>()
  private readonly statuses = new Map<string, PgCheckStatus>()
  private settings: PgSetting[] = []
  private readonly sizes: { t: number; bytes: number }[] = []
  private readonly statio: { t: number; v: StatioTotals }[] = []
  private checkpoints: Checkpoints | null = null
  private mediumAt: number | null = null
  private slowAt: number | null = null

  private commitsByOthers = new CounterWithoutOwn()
  private rollbacksByOthers = new CounterWithoutOwn()

  constructor(
    private readonly th: PgThresholds,
    private readonly user: string,
    private readonly now: () => number = Date.now,
    /** Lookout's own transactions on this database, left out of commits and rollbacks. */
    private readonly own: OwnTransactions | null = null
  ) {}

  get latest(): DatabaseCounters | null {
    return this.counters.length ? this.counters[this.counters.length - 1]!.c : null
  }

  mediumDue(now = this.now()): boolean {
    return this.mediumAt === null || now - this.mediumAt >= MEDIUM_TIER_MS
  }
  slowDue(now = this.now()): boolean {
    return this.slowAt === null || now - this.slowAt >= SLOW_TIER_MS
  }

  /** Makes the medium and slow tiers due now: the user asked to re-run the checks. */
  forceDue(): void {
    this.mediumAt = null
    this.slowAt = null
  }

  /** Runs one named check and records its findings, or why it could not run (public for the tier modules). */
  async check<T>(name: string, tier: Tier, run: () => Promise<T>, findings: (r: T) => PgFinding[]): Promise<T | null> {
    try {
      const r = await run()
      this.findingsByCheck.set(name, findings(r))
      this.statuses.set(name, { check: name, tier, ranAt: this.now(), error: null, enable: null })
      return r
    } catch (err) {
      const f = checkFailure(err, this.user)
      this.statuses.set(name, { check: name, tier, ranAt: this.now(), ...f })
      return null
    }
  }

  note(name: string, tier: Tier, error: string | null, enable: string | null): void {
    const s = this.statuses.get(name)
    if (s) this.statuses.set(name, { ...s, tier, error, enable })
  }

  /** Every poll: counters, sessions, replication lag, checkpoints. Throws when the counters cannot be read. */
  async fast(client: pg.Client): Promise<FastResult> {
    const r = await this.runFast(client)
    this.flushOwnStats(client)
    return r
  }

  /** Medium tier: pg_stat_statements deltas. */
  async medium(client: pg.Client): Promise<void> {
    await this.runMedium(client)
    this.flushOwnStats(client)
  }

  /** Slow tier: the catalog checks, settings and the database size (see runSlow). */
  async slow(client: pg.Client): Promise<void> {
    await this.runSlow(client)
    this.flushOwnStats(client)
  }

  /**
   * A backend reports its transactions to the statistics when it goes idle, but at most once a
   * second, and a session idle after a burst may wait 10 s. Until then Lookout's own statements
   * are counted by Lookout and not yet by the server, and the transactions of others that arrive
   * meanwhile cannot be told apart from them. On 15 and later, asking for the next report makes it
   * happen as the session goes idle. Only when own transactions are being left out. Not waited
   * for: the session runs it before the next statement anyway, and a poll of a distant server
   * should not pay one more round trip for it.
   */
  private flushOwnStats(client: pg.Client): void {
    if (!this.own || (this.latest?.serverVersionNum ?? 0) < 150000) return
    try {
      client.query(FLUSH_OWN_STATS_SQL).catch(() => {})
    } catch {
      // a session already closed: nothing left to report
    }
  }

  private async runFast(client: pg.Client): Promise<FastResult> {
    const t = this.now()
    // Counted before the read: the read's own transaction is in neither figure.
    const ownCommits = this.own?.commits ?? 0
    const ownRollbacks = this.own?.rollbacks ?? 0
    const raw = await readDatabaseCounters(client)
    const c: DatabaseCounters = {
      ...raw,
      commits: this.commitsByOthers.update(raw.commits, ownCommits),
      rollbacks: this.rollbacksByOthers.update(raw.rollbacks, ownRollbacks)
    }
    const prev = this.latest
    const prevT = this.counters.length ? this.counters[this.counters.length - 1]!.t : null
    this.counters.push({ t, c })
    while (this.counters.length > 2 && this.counters[1]!.t <= t - HEADLINE_WINDOW_MS) this.counters.shift()
    this.statuses.set('counters', { check: 'counters', tier: 'fast', ranAt: t, error: null, enable: null })
    this.findingsByCheck.set(
      'connections',
      [checkConnections(c, this.th)].filter((f): f is PgFinding => f !== null)
    )
    const w = this.window()
    this.findingsByCheck.set(
      'window',
      w ? [checkCacheHitRate(w, this.th), checkDeadlocks(w), checkTempFiles(w, this.th)].filter((f): f is PgFinding => f !== null) : []
    )
    await this.check(
      'activity',
      'fast',
      () => readActivity(client),
      (s) => {
        this.sessions = s
        this.activityAt = t
        return [...checkIdleInTransaction(s, this.th), ...checkLongRunningQueries(s, this.th), ...checkBlockedSessions(s, this.th)]
      }
    )
    await this.check(
      'replication_lag',
      'fast',
      () => readReplication(client, c.inRecovery),
      (r) => {
        this.replication = r
        return checkReplicationLag(r, this.th)
      }
    )
    await this.check(
      'checkpoints',
      'fast',
      () => readCheckpoints(client, c.serverVersionNum),
      (r) => {
        this.checkpoints = r
        return [checkCheckpoints(r, this.th)].filter((f): f is PgFinding => f !== null)
      }
    )
    let tps: number | null = null
    let cacheHitRatio: number | null = null
    if (prev && prevT !== null && t > prevT) {
      const d = counterWindow({ t: prevT, c: prev }, { t, c })
      tps = (d.commits + d.rollbacks) / d.seconds
      cacheHitRatio = hitRatio(d.blksHit, d.blksRead)
    }
    return { counters: c, tps, cacheHitRatio, replicationLagS: this.replication?.lagS ?? null }
  }

  /** The statements sample taken since the last call, once. */
  takeStatements(): StatementsTick | null {
    const s = this.pendingStatements
    this.pendingStatements = null
    return s
  }

  /** Counter deltas over the headline window (what has been watched of it). */
  window(): CounterWindow | null {
    if (this.counters.length < 2) return null
    return counterWindow(this.counters[0]!, this.counters[this.counters.length - 1]!)
  }

  private async runMedium(client: pg.Client): Promise<void> {
    const versionNum = this.latest?.serverVersionNum ?? 0
    this.mediumAt = this.now()
    const samples = await this.check(
      'statements',
      'medium',
      async () => {
        const unavailable = await statementsUnavailable(client)
        this.statementsUnavailable = unavailable
        if (unavailable) throw Object.assign(new Error(unavailable), { lookoutUnavailable: true })
        const rows = await readStatements(client, versionNum)
        const missing = this.history.missingTexts(rows)
        const texts = missing.length ? await readStatementTexts(client, missing) : new Map<string, string>()
        if (missing.length) this.history.addTexts(texts)
        const t = this.now()
        this.history.add(t, rows)
        // Lookout's own statements stay out of the history as they stay out of the view.
        const own = (id: string) => this.history.text(id).startsWith(LOOKOUT_SQL_MARKER)
        this.pendingStatements = {
          t,
          rows: rows.filter((r) => !own(r.queryid)),
          texts: new Map([...texts].filter(([id]) => !own(id))),
          textOf: (id) => this.history.text(id)
        }
        return rows
      },
      () => statementFindings(this.history, this.th, HEADLINE_WINDOW_MS, 'over the last 5 min')
    )
    if (this.statementsUnavailable) this.note('statements', 'medium', 'pg_stat_statements is not available', this.statementsUnavailable)
    else if (samples) {
      const note = hiddenTextNote(this.history, samples, this.user)
      if (note) this.note('statements', 'medium', note.error, note.enable)
    }
    await this.check(
      'table_io',
      'medium',
      () => readStatioTotals(client),
      (v) => {
        const t = this.now()
        this.statio.push({ t, v })
        while (this.statio.length > 2 && this.statio[1]!.t <= t - HEADLINE_WINDOW_MS) this.statio.shift()
        return []
      }
    )
  }

  /** Slow tier: the named checks of slow-tier.ts, each on its own; the size and settings are kept here. */
  private async runSlow(client: pg.Client): Promise<void> {
    this.slowAt = this.now()
    const r = await runSlowTier(client, this, {
      th: this.th,
      user: this.user,
      now: this.slowAt,
      inRecovery: this.latest?.inRecovery ?? false
    })
    if (r.databaseBytes !== null) {
      this.sizes.push({ t: this.now(), bytes: r.databaseBytes })
      while (this.sizes.length > 2 && this.sizes[1]!.t <= this.now() - 24 * 3_600_000) this.sizes.shift()
    }
    if (r.settings !== null) this.settings = r.settings
  }

  /** Marks every check of a tier as failed: its session could not connect. */
  tierFailed(tier: Tier, err: unknown): void {
    const names = tier === 'medium' ? ['statements', 'table_io'] : [...SLOW_CHECKS]
    for (const n of names) {
      const s = this.statuses.get(n)
      this.statuses.set(n, { check: n, tier, ranAt: s?.ranAt ?? null, error: errorMessage(err), enable: null })
    }
  }

  /**
   * One-shot mode for `lookout check`: no window to wait for, so counters and statements are
   * taken since their last reset.
   */
  async once(client: pg.Client): Promise<void> {
    await this.fast(client)
    const c = this.latest!
    if (c.statsReset !== null)
      this.counters.unshift({
        t: c.statsReset,
        c: { ...c, commits: 0, rollbacks: 0, blksHit: 0, blksRead: 0, deadlocks: 0, tempFiles: 0, tempBytes: 0 }
      })
    const w = this.window()
    this.findingsByCheck.set(
      'window',
      w ? [checkCacheHitRate(w, this.th), checkDeadlocks(w), checkTempFiles(w, this.th)].filter((f): f is PgFinding => f !== null) : []
    )
    // Before 14 the reset time is unknown: counting from the epoch keeps slow queries right and
    // makes calls per second too low to call anything chatty.
    const reset = await readStatementsReset(client, c.serverVersionNum).catch(() => null)
    this.history.add(reset ?? 0, [])
    await this.medium(client)
    if (!this.statementsUnavailable)
      this.findingsByCheck.set('statements', statementFindings(this.history, this.th, null, 'since the statistics were reset'))
    await this.slow(client)
  }

  findings(): PgFinding[] {
    const order = { critical: 0, warning: 1, info: 2 }
    return [...this.findingsByCheck.values()]
      .flat()
      .sort((a, b) => order[a.severity] - order[b.severity] || (b.sizeBytes ?? 0) - (a.sizeBytes ?? 0))
  }

  checkStatuses(): PgCheckStatus[] {
    return [...this.statuses.values()]
  }

  details(): PostgresDetails {
    const c = this.latest
    const last = this.sizes[this.sizes.length - 1]
    return {
      serverVersion: c?.serverVersion ?? '',
      serverVersionNum: c?.serverVersionNum ?? 0,
      inRecovery: c?.inRecovery ?? false,
      findings: this.findings(),
      checks: this.checkStatuses(),
      settings: this.settings,
      window: windowFigures(this.window()),
      sinceReset: { cacheHitRatio: c ? hitRatio(c.blksHit, c.blksRead) : null, statsReset: c?.statsReset ?? null },
      cacheByKind: this.cacheByKind(),
      checkpoints: this.checkpoints ? { timed: this.checkpoints.timed, requested: this.checkpoints.requested } : null,
      connections: c ? { used: c.connections, max: c.maxConnections } : null,
      databaseSizeBytes: last?.bytes ?? null,
      databaseGrowthBytesPerHour: growthPerHour(this.sizes)
    }
  }

  private cacheByKind(): PostgresDetails['cacheByKind'] {
    const last = this.statio[this.statio.length - 1]
    if (!last) return { heapWindow: null, indexWindow: null, heapSinceReset: null, indexSinceReset: null }
    const since = statioRatios(null, last.v)
    const w = this.statio.length >= 2 ? statioRatios(this.statio[0]!.v, last.v) : { heap: null, index: null }
    return { heapWindow: w.heap, indexWindow: w.index, heapSinceReset: since.heap, indexSinceReset: since.index }
  }

  /** Since when the statements held in memory go back (null: no sample yet), and the last sample. */
  statementsSpan(): { since: number | null; last: number | null } {
    return { since: this.history.connectedAt, last: this.history.lastSampleAt }
  }

  statements(q: StatementsQuery): StatementsAnswer {
    return statementsAnswer(this.history, q, this.statementsUnavailable ?? this.statuses.get('statements')?.error ?? null, MEDIUM_TIER_MS)
  }

  activity(): ActivityAnswer {
    return {
      sampledAt: this.activityAt,
      maxConnections: this.latest?.maxConnections ?? 0,
      sessions: this.sessions,
      blockingTree: blockingTree(this.sessions),
      byState: sessionsByState(this.sessions)
    }
  }

  /** Statements whose deltas are being kept. */
  trackedStatements(): number {
    return this.history.size
  }

  session(pid: number): PgSession | undefined {
    return this.sessions.find((s) => s.pid === pid)
  }

  /** A new connection may reach a restarted or different server: counters start over. */
  resetCounters(): void {
    this.counters.length = 0
    this.commitsByOthers = new CounterWithoutOwn()
    this.rollbacksByOthers = new CounterWithoutOwn()
  }
}
