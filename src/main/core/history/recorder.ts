import { join } from 'node:path'
import { DEFAULT_RETENTION, type HistoryInfo } from '../../../shared/history'
import type { TargetState } from '../../../shared/schemas'
import { statementValues } from '../postgres/checks/statements'
import type { ExternalAlert, RuleFinding, StatementsTick } from '../collector'
import type { StateRecord, JournalRecord } from '../alerts/journal'
import type { Logger } from '../ports'
import type { HistoryStore, NewTimelineEvent } from './port'
import { SqliteHistoryStore } from './sqlite-store'

export const HISTORY_FILE = 'history.db'

/** Retention and compaction run at most this often. */
export const MAINTAIN_EVERY_MS = 60_000

/**
 * A statement "jumped" when one medium-tier interval took at least this much execution time...
 */
export const STATEMENT_JUMP_MIN_MS = 2_000
/** ...and at least this many times its average per interval so far. */
export const STATEMENT_JUMP_FACTOR = 5
/** One jump event per statement per this long, so a statement that stays heavy is told once. */
export const STATEMENT_JUMP_COOLDOWN_MS = 15 * 60_000
/** Weight of the newest interval in a statement's running average. */
const JUMP_EWMA_ALPHA = 0.2

interface JumpTrack {
  lastTotal: number
  avg: number | null
  lastJumpAt: number
}

/** An alert's labels as `k=v, …`, without those its title already says. */
function labelText(labels: Record<string, string>, skip: string[]): string {
  return Object.entries(labels)
    .filter(([k]) => !skip.includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ')
}

/** Opens the store in the data directory; a store that cannot open leaves history off with the reason. */
export function openHistoryStore(dataDir: string, now: () => number): { store: HistoryStore | null; problem: string | null } {
  const path = join(dataDir, HISTORY_FILE)
  try {
    return { store: new SqliteHistoryStore(path, now), problem: null }
  } catch (err) {
    return {
      store: null,
      problem: `history is off: ${path} could not be opened (${(err as Error).message}); move it aside and restart to start a new one`
    }
  }
}

/**
 * What the core remembers: every poll's points, the statements' snapshots, and the timeline's
 * events (findings appearing and clearing, alert transitions, audited actions, targets going
 * down and up, statements whose time jumped), written to the history store. Writes of one turn of
 * the event loop (one poll tick) are committed as one transaction. A store that fails is logged
 * once per kind of failure and never stops a poll.
 */
export class HistoryRecorder {
  private flushQueued = false
  private lastMaintain = 0
  private readonly findings = new Map<string, Map<string, RuleFinding>>()
  private readonly external = new Map<string, Map<string, ExternalAlert>>()
  private readonly jumps = new Map<string, Map<string, JumpTrack>>()
  private readonly failures = new Set<string>()
  private closed = false

  constructor(
    readonly store: HistoryStore | null,
    private readonly deps: { now: () => number; logger: Logger; problem?: string | null }
  ) {}

  get enabled(): boolean {
    return this.store !== null
  }

  private guarded(what: string, fn: (s: HistoryStore) => void): void {
    const s = this.store
    if (!s || this.closed) return
    try {
      fn(s)
      this.queueFlush()
    } catch (err) {
      this.failed(what, err)
    }
  }

  private failed(what: string, err: unknown): void {
    if (this.failures.has(what)) return
    this.failures.add(what)
    this.deps.logger.error('history write failed', { what, error: String(err) })
  }

  private queueFlush(): void {
    if (this.flushQueued) return
    this.flushQueued = true
    setImmediate(() => this.flushNow())
  }

  /** Commits what is buffered (one transaction), and now and then applies the retention. */
  flushNow(): void {
    this.flushQueued = false
    const s = this.store
    if (!s || this.closed) return
    try {
      s.flush()
      this.failures.delete('flush')
      const now = this.deps.now()
      if (now - this.lastMaintain >= MAINTAIN_EVERY_MS) {
        this.lastMaintain = now
        s.maintain(now)
      }
    } catch (err) {
      this.failed('flush', err)
    }
  }

  /** One poll's points of a target. */
  tick(profile: string, targetId: string, t: number, names: readonly string[], values: Float64Array): void {
    this.guarded('points', (s) => s.appendTick(profile, targetId, t, names, values))
  }

  event(e: NewTimelineEvent): void {
    this.guarded('events', (s) => s.appendEvent(e))
  }

  /** A target's health changed: going down and coming back are on the timeline. */
  health(profile: string, prev: TargetState, next: TargetState, t: number): void {
    const wasDown = prev.health === 'down'
    const isDown = next.health === 'down'
    if (wasDown === isDown || (prev.health === 'pending' && !isDown)) return
    this.event({
      t,
      profile,
      targetId: next.targetId,
      kind: 'target',
      change: isDown ? 'down' : 'up',
      severity: isDown ? 'critical' : 'info',
      title: `${next.kind} ${next.targetId} ${isDown ? 'down' : 'up again'}`,
      detail: isDown ? next.lastError : next.endpoint
    })
  }

  /** The target's findings now: the ones new since its last poll appear, the ones gone clear. */
  targetFindings(profile: string, targetId: string, t: number, now: RuleFinding[]): void {
    const key = `${profile}/${targetId}`
    const before = this.findings.get(key) ?? new Map<string, RuleFinding>()
    const after = new Map(now.map((f) => [`${f.check}\u0000${f.object}`, f]))
    for (const [k, f] of after) {
      const old = before.get(k)
      if (old && old.severity === f.severity) continue
      this.event({
        t,
        profile,
        targetId,
        kind: 'finding',
        change: 'appeared',
        severity: f.severity,
        title: `${f.check}: ${f.object}`,
        detail: f.message
      })
    }
    for (const [k, f] of before)
      if (!after.has(k))
        this.event({
          t,
          profile,
          targetId,
          kind: 'finding',
          change: 'cleared',
          severity: f.severity,
          title: `${f.check}: ${f.object}`,
          detail: f.message
        })
    this.findings.set(key, after)
  }

  /** The state transitions a rule evaluation wrote to the alert journal. */
  alertRecords(profile: string, records: readonly JournalRecord[]): void {
    for (const r of records) {
      if (r.k !== 'state') continue
      const s = r as StateRecord
      if (s.from === s.inst.phase) continue
      const labels = labelText(s.inst.labels, ['alertname', 'severity', 'profile'])
      this.event({
        t: r.t,
        profile,
        targetId: s.target,
        kind: 'alert',
        change: s.inst.phase,
        severity: s.severity === 'critical' || s.severity === 'warning' || s.severity === 'info' ? s.severity : null,
        title: `${s.rule}${labels ? ` {${labels}}` : ''}`,
        detail: s.inst.value === null ? null : `value ${Number(s.inst.value.toPrecision(4))}`
      })
    }
  }

  /** Alerts a Prometheus server reports as firing: new ones fire, ones it stopped reporting resolve. */
  externalAlerts(profile: string, targetId: string, t: number, reported: ExternalAlert[]): void {
    const key = `${profile}/${targetId}`
    const before = this.external.get(key) ?? new Map<string, ExternalAlert>()
    const after = new Map(reported.map((a) => [`${a.name}${JSON.stringify(a.labels)}`, a]))
    // Named with its labels: a server reports one alert per series (one per endpoint, say).
    const title = (a: ExternalAlert) => {
      const labels = labelText(a.labels, ['alertname', 'severity'])
      return labels ? `${a.name} {${labels}}` : a.name
    }
    const ev = (a: ExternalAlert, change: string) =>
      this.event({ t, profile, targetId, kind: 'alert', change, severity: a.severity, title: title(a), detail: a.summary || null })
    for (const [k, a] of after) if (!before.has(k)) ev(a, 'firing')
    for (const [k, a] of before) if (!after.has(k)) ev(a, 'resolved')
    this.external.set(key, after)
  }

  /** An audited action (or a refusal): who did what to which target. */
  action(entry: {
    time: string
    profile: string
    action: string
    target: string
    outcome: string
    error?: string
    details: Record<string, unknown>
  }): void {
    const details = JSON.stringify(entry.details)
    this.event({
      t: Date.parse(entry.time),
      profile: entry.profile,
      targetId: null,
      kind: 'action',
      change: entry.action,
      severity: entry.outcome === 'ok' ? 'info' : 'warning',
      title: `${entry.action} ${entry.target}${entry.outcome === 'ok' ? '' : ` (${entry.outcome})`}`,
      detail: [entry.error, details === '{}' ? null : details.slice(0, 500)].filter(Boolean).join(' · ') || null
    })
  }

  /** A medium-tier sample of pg_stat_statements: its snapshot, and the statements whose time jumped. */
  statements(profile: string, targetId: string, tick: StatementsTick): void {
    this.guarded('statements', (s) =>
      s.appendStatements(
        profile,
        targetId,
        tick.t,
        tick.rows.map((r) => ({ key: r.key, queryid: r.queryid, user: r.user, database: r.database, values: statementValues(r) })),
        tick.texts
      )
    )
    const key = `${profile}/${targetId}`
    let tracks = this.jumps.get(key)
    if (!tracks) this.jumps.set(key, (tracks = new Map()))
    const seen = new Set<string>()
    for (const r of tick.rows) {
      seen.add(r.key)
      const tr = tracks.get(r.key)
      if (!tr) {
        tracks.set(r.key, { lastTotal: r.totalMs, avg: null, lastJumpAt: -Infinity })
        continue
      }
      const spent = r.totalMs - tr.lastTotal
      tr.lastTotal = r.totalMs
      if (spent < 0) {
        tr.avg = null
        continue
      }
      if (
        tr.avg !== null &&
        spent >= STATEMENT_JUMP_MIN_MS &&
        spent >= STATEMENT_JUMP_FACTOR * tr.avg &&
        tick.t - tr.lastJumpAt >= STATEMENT_JUMP_COOLDOWN_MS
      ) {
        tr.lastJumpAt = tick.t
        const text = tick.textOf(r.queryid).replace(/\s+/g, ' ').trim()
        this.event({
          t: tick.t,
          profile,
          targetId,
          kind: 'statement',
          change: 'jumped',
          severity: 'warning',
          title: `queryid ${r.queryid}: ${Math.round(spent)} ms in one interval (${tr.avg < 1 ? 'was idle' : `${Math.round(spent / tr.avg)}× its average`})`,
          detail: text.length > 300 ? text.slice(0, 299) + '…' : text
        })
      }
      tr.avg = tr.avg === null ? spent : tr.avg + JUMP_EWMA_ALPHA * (spent - tr.avg)
    }
    for (const k of tracks.keys()) if (!seen.has(k)) tracks.delete(k)
  }

  /** A profile stopped being watched: its targets' last findings and alerts are forgotten, not cleared. */
  forgetProfile(profile: string): void {
    for (const m of [this.findings, this.external, this.jumps]) for (const k of [...m.keys()]) if (k.startsWith(`${profile}/`)) m.delete(k)
  }

  info(): HistoryInfo {
    if (!this.store)
      return {
        path: '',
        bytes: 0,
        retention: DEFAULT_RETENTION,
        profiles: [],
        problem: this.deps.problem ?? 'history is off'
      }
    this.flushNow()
    return this.store.info()
  }

  close(): void {
    if (!this.store || this.closed) return
    this.closed = true
    try {
      this.store.close()
    } catch (err) {
      this.failed('close', err)
    }
  }
}
