import { appendFile, mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { writeFileAtomic } from '../fs'
import type { Logger } from '../ports'
import type { AlertInstance } from './rule-state'

/**
 * Alert state and history, appended to `<dataDir>/alerts/journal.jsonl` as one JSON object per
 * line. Appending is crash-safe in the way that matters: a crash mid-write leaves at most one torn
 * last line, which reading skips (and counts). The file is rewritten whole (atomically) from what
 * it holds when it grows past `COMPACT_AFTER_LINES`, keeping the current state and the history
 * inside the retention.
 */

/** A rule instance's state, written on every phase change: what resumes `for` timers after a restart. */
export interface StateRecord {
  k: 'state'
  t: number
  profile: string
  rule: string
  target: string
  severity: string
  from: string
  inst: AlertInstance
}
/** An instance that left the book (a pending alert dropped, a resolved one expired). */
export interface GoneRecord {
  k: 'gone'
  t: number
  profile: string
  rule: string
  target: string
  key: string
  from: string
}
export interface MuteRecord {
  k: 'ack' | 'snooze' | 'unmute'
  t: number
  id: string
  until: number | null
  by: string
}
export interface NotifiedRecord {
  k: 'notified'
  t: number
  group: string
}
/** Written while anything is pending or firing, so a restart knows how long Lookout was away. */
export interface AliveRecord {
  k: 'alive'
  t: number
}
export type JournalRecord = StateRecord | GoneRecord | MuteRecord | NotifiedRecord | AliveRecord

/** How long history is kept. */
export const HISTORY_RETENTION_MS = 7 * 86_400_000
/** Past this many lines the journal is rewritten from what it holds. */
export const COMPACT_AFTER_LINES = 20_000
/** A journal bigger than this is not read whole (it is set aside and started afresh). */
const MAX_JOURNAL_BYTES = 64 * 1024 * 1024

export interface JournalState {
  /** Rule instances by `profile\0rule\0target`, then instance key. */
  states: Map<string, Map<string, AlertInstance>>
  mutes: Map<string, MuteRecord>
  notified: Map<string, number>
  /** State and gone records, oldest first, within the retention. */
  history: (StateRecord | GoneRecord)[]
  /** The newest record's time: when Lookout last wrote anything. */
  lastWriteAt: number | null
  skippedLines: number
}

export const stateKey = (profile: string, rule: string, target: string) => `${profile}\0${rule}\0${target}`

export class AlertJournal {
  readonly path: string
  private queue: Promise<void> = Promise.resolve()
  private lines = 0
  private state: JournalState = emptyState()

  constructor(
    dataDir: string,
    private readonly logger: Logger,
    private readonly retentionMs = HISTORY_RETENTION_MS
  ) {
    this.path = join(dataDir, 'alerts', 'journal.jsonl')
  }

  /** Reads the journal (once, at start). A missing file is an empty journal; a torn or bad line is skipped. */
  async load(now: number): Promise<JournalState> {
    let text = ''
    try {
      const s = await stat(this.path)
      if (s.size > MAX_JOURNAL_BYTES) {
        this.logger.warn('alert journal too big; starting afresh', { path: this.path, bytes: s.size })
        await writeFileAtomic(`${this.path}.too-big`, '')
      } else text = await readFile(this.path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.warn('alert journal unreadable', { error: String(err) })
    }
    const state = emptyState()
    for (const line of text.split('\n')) {
      if (!line) continue
      let r: JournalRecord
      try {
        r = JSON.parse(line) as JournalRecord
        if (typeof r !== 'object' || r === null || typeof r.t !== 'number') throw new Error('not a record')
      } catch {
        state.skippedLines++
        continue
      }
      this.lines++
      fold(state, r)
    }
    if (state.skippedLines) this.logger.warn('alert journal: lines skipped (a torn write?)', { count: state.skippedLines })
    prune(state, now, this.retentionMs)
    this.state = state
    return state
  }

  get current(): JournalState {
    return this.state
  }

  /** Appends records (in order, one write at a time); folds them into the state it holds. */
  append(records: JournalRecord[], now: number): void {
    if (!records.length) return
    for (const r of records) fold(this.state, r)
    this.lines += records.length
    const text = records.map((r) => JSON.stringify(r)).join('\n') + '\n'
    const compact = this.lines > COMPACT_AFTER_LINES
    this.queue = this.queue
      .then(async () => {
        await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 })
        await appendFile(this.path, text, { mode: 0o600 })
        if (compact) await this.compact(now)
      })
      .catch((err: unknown) => this.logger.error('alert journal write failed', { error: String(err) }))
  }

  /** Waits for every write so far (tests, shutdown). */
  flush(): Promise<void> {
    return this.queue
  }

  private async compact(now: number): Promise<void> {
    prune(this.state, now, this.retentionMs)
    const out: JournalRecord[] = [...this.state.history]
    for (const [id, m] of this.state.mutes) out.push({ ...m, id })
    for (const [group, t] of this.state.notified) out.push({ k: 'notified', t, group })
    out.push({ k: 'alive', t: now })
    // History records carry each instance's state; re-fold from them gives back the current state.
    await writeFileAtomic(this.path, out.map((r) => JSON.stringify(r)).join('\n') + '\n')
    this.lines = out.length
  }
}

function emptyState(): JournalState {
  return { states: new Map(), mutes: new Map(), notified: new Map(), history: [], lastWriteAt: null, skippedLines: 0 }
}

function fold(s: JournalState, r: JournalRecord): void {
  s.lastWriteAt = Math.max(s.lastWriteAt ?? 0, r.t)
  switch (r.k) {
    case 'state': {
      const key = stateKey(r.profile, r.rule, r.target)
      let m = s.states.get(key)
      if (!m) s.states.set(key, (m = new Map()))
      m.set(r.inst.key, r.inst)
      s.history.push(r)
      break
    }
    case 'gone': {
      s.states.get(stateKey(r.profile, r.rule, r.target))?.delete(r.key)
      s.history.push(r)
      break
    }
    case 'ack':
    case 'snooze':
      s.mutes.set(r.id, r)
      break
    case 'unmute':
      s.mutes.delete(r.id)
      break
    case 'notified':
      s.notified.set(r.group, r.t)
      break
    case 'alive':
      break
  }
}

function prune(s: JournalState, now: number, retentionMs: number): void {
  const from = now - retentionMs
  let i = 0
  while (i < s.history.length && s.history[i]!.t < from) i++
  // The current state of an instance must survive even when its last change is old.
  const live = new Set<string>()
  for (const [k, m] of s.states) for (const key of m.keys()) live.add(`${k}\0${key}`)
  const kept = s.history.slice(i)
  const seen = new Set<string>()
  for (let j = i - 1; j >= 0; j--) {
    const r = s.history[j]!
    if (r.k !== 'state') continue
    const id = `${stateKey(r.profile, r.rule, r.target)}\0${r.inst.key}`
    if (live.has(id) && !seen.has(id)) {
      seen.add(id)
      kept.unshift(r)
    }
  }
  s.history = kept
  for (const [id, m] of s.mutes) if (m.until !== null && m.until < now) s.mutes.delete(id)
}
