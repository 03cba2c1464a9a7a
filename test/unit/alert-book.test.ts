import { readFileSync, writeFileSync, appendFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { AlertRule, NotificationPolicy, type LocalSilence } from '../../src/shared/alert-rules'
import type { TargetState } from '../../src/shared/schemas'
import { AlertBook } from '../../src/main/core/alerts/alerts'
import { AlertJournal } from '../../src/main/core/alerts/journal'
import { ProfileRules, RESUME_GRACE_MS, type RuleReads } from '../../src/main/core/alerts/profile-rules'
import type { RuleFinding } from '../../src/main/core/collector'
import { silentLogger, type Notification } from '../../src/main/core/ports'
import { tempDir } from '../helpers/temp'

/** A profile with one Redis target whose hit-rate series and health the test sets by hand. */
function world(opts: { rules: AlertRule[]; policy?: Partial<NotificationPolicy>; journal?: AlertJournal; silences?: LocalSilence[] }) {
  const notes: Notification[] = []
  const changes: number[] = []
  let health: TargetState['health'] = 'up'
  const t: number[] = []
  const v: number[] = []
  let findings: RuleFinding[] = []
  const reads: RuleReads = {
    targetState: () => ({ health }) as TargetState,
    series: (id) => (id === 'redis:hitrate' ? { t: Float64Array.from(t), v: Float64Array.from(v) } : null),
    findings: () => findings,
    collector: () => undefined
  }
  const book = new AlertBook({
    notifier: { notify: (n) => notes.push(n) },
    onChange: (s) => changes.push(s.firing.length),
    journal: opts.journal ?? null,
    policy: () => NotificationPolicy.parse({ groupWaitS: 0, ...opts.policy }),
    silences: () => opts.silences ?? []
  })
  const make = (restoreAt: number | null) =>
    new ProfileRules(
      'shop',
      opts.rules,
      [{ id: 'redis', kind: 'redis', endpoint: 'redis://h:6379' }],
      reads,
      opts.journal && restoreAt !== null ? { journal: opts.journal.current, now: restoreAt } : null
    )
  let rules = make(null)
  return {
    notes,
    changes,
    book,
    get rules() {
      return rules
    },
    restart(at: number) {
      rules = make(at)
    },
    /** One poll at time `at` with hit rate `hit` (NaN: no reads), the target up or down. */
    poll(at: number, hit: number, up = true, found: RuleFinding[] = []) {
      health = up ? 'up' : 'down'
      findings = found
      t.push(at)
      v.push(up ? hit : NaN)
      book.updateTarget('shop', rules.evaluateTarget('redis', at), at)
    }
  }
}

const hitLow = AlertRule.parse({
  name: 'RedisCacheHitLow',
  watch: { kind: 'series', metric: 'redis_hitrate' },
  comparator: '<',
  threshold: 80,
  forS: 10,
  severity: 'critical',
  summary: 'hit rate {{ $value }}%'
})
const down = AlertRule.parse({
  name: 'TargetDown',
  watch: { kind: 'series', metric: 'up' },
  comparator: '==',
  threshold: 0,
  forS: 0,
  severity: 'critical'
})

describe('the alert book', () => {
  it('fires after `for`, notifies once per group, and gives the alert its templated summary', () => {
    const w = world({ rules: [hitLow] })
    for (let s = 0; s <= 30; s++) w.poll(s * 1000, 50)
    const [a] = w.book.summary(30_000).firing
    expect(a).toMatchObject({ name: 'RedisCacheHitLow', state: 'firing', since: 0, firedAt: 10_000, summary: 'hit rate 50%', value: 50 })
    expect(a!.labels).toMatchObject({ alertname: 'RedisCacheHitLow', severity: 'critical', profile: 'shop', target: 'redis' })
    expect(w.notes).toEqual([{ title: 'shop: RedisCacheHitLow', body: 'hit rate 50%', severity: 'critical', alertId: a!.id }])
  })

  it('a flapping series notifies at most once per repeat interval', () => {
    const w = world({ rules: [{ ...hitLow, forS: 0 }], policy: { repeatIntervalS: 600 } })
    // Two minutes of flapping: bad, good, bad, good... every second.
    for (let s = 0; s < 120; s++) w.poll(s * 1000, s % 2 ? 95 : 50)
    expect(w.notes).toHaveLength(1)
    // Past the repeat interval, the next firing notifies again.
    for (let s = 700; s < 705; s++) w.poll(s * 1000, 50)
    expect(w.notes).toHaveLength(2)
  })

  it('waits its group wait before notifying, and gathers the group in one notification', () => {
    const finding = AlertRule.parse({
      name: 'PgBlocked',
      watch: { kind: 'finding', check: 'blocked_session' },
      threshold: 0,
      severity: 'critical',
      summary: '{{ $labels.object }} blocked'
    })
    const w = world({ rules: [finding], policy: { groupWaitS: 5 } })
    const f = (pid: number): RuleFinding => ({
      check: 'blocked_session',
      object: `pid ${pid}`,
      severity: 'warning',
      value: 12,
      message: ''
    })
    w.poll(0, 99, true, [f(1)])
    w.poll(1000, 99, true, [f(1), f(2), f(3)])
    expect(w.notes).toHaveLength(0)
    w.poll(5000, 99, true, [f(1), f(2), f(3)])
    expect(w.notes).toHaveLength(1)
    expect(w.notes[0]).toMatchObject({ title: 'shop: PgBlocked (3 alerts)', body: 'pid 1 blocked; and 2 more' })
    // A finding that clears resolves its alert (not "no data").
    w.poll(6000, 99, true, [f(1)])
    expect(w.book.summary(6000).other.filter((a) => a.state === 'resolved')).toHaveLength(2)
  })

  it('a target down gives its other rules no data (timers kept), and TargetDown inhibits them', () => {
    const w = world({ rules: [hitLow, down] })
    for (let s = 0; s <= 12; s++) w.poll(s * 1000, 50)
    expect(w.notes.map((n) => n.title)).toEqual(['shop: RedisCacheHitLow'])
    w.poll(13_000, NaN, false)
    const all = [...w.book.summary(13_000).firing, ...w.book.summary(13_000).other]
    const hit = all.find((a) => a.name === 'RedisCacheHitLow')!
    expect(hit.state).toBe('nodata')
    expect(hit.muted.map((m) => m.kind)).toEqual(['inhibited'])
    expect(all.find((a) => a.name === 'TargetDown')!.state).toBe('firing')
    // Back up: the hit-rate alert goes on firing from where it was.
    w.poll(14_000, 50)
    expect(w.book.summary(14_000).firing.find((a) => a.name === 'RedisCacheHitLow')).toMatchObject({ firedAt: 10_000, muted: [] })
  })

  it('a local silence mutes matching alerts until it ends', () => {
    const silences: LocalSilence[] = [
      { id: 's1', matchers: [{ name: 'alertname', op: '=~', value: 'Redis.*' }], endsAt: 20_000, comment: 'failover drill', createdAt: 0 }
    ]
    const w = world({ rules: [{ ...hitLow, forS: 0 }], silences, policy: { repeatIntervalS: 1 } })
    for (let s = 0; s < 20; s++) w.poll(s * 1000, 50)
    expect(w.notes).toHaveLength(0)
    expect(w.book.summary(19_000).firing[0]!.muted).toEqual([{ kind: 'silence', detail: 'failover drill', until: 20_000 }])
    w.poll(20_000, 50)
    expect(w.notes).toHaveLength(1)
  })

  it('honours the Alertmanager’s silences: shown as such, no notification', () => {
    const w = world({ rules: [{ ...hitLow, forS: 0 }] })
    w.book.setAlertmanagerSilences(
      'shop',
      [{ id: 'am-1', matchers: [{ name: 'severity', value: 'critical', isRegex: false, isEqual: true }], endsAt: 1e15, comment: 'deploy' }],
      0
    )
    for (let s = 0; s < 5; s++) w.poll(s * 1000, 50)
    expect(w.notes).toHaveLength(0)
    expect(w.book.summary(5000).firing[0]!.muted[0]).toMatchObject({ kind: 'alertmanager', detail: 'Alertmanager silence am-1: deploy' })
  })
})

describe('the alert journal', () => {
  it('keeps an acknowledgement until the alert resolves, and a snooze until its time', async () => {
    const journal = new AlertJournal(tempDir(), silentLogger)
    await journal.load(0)
    const w = world({ rules: [{ ...hitLow, forS: 0 }], journal, policy: { repeatIntervalS: 1 } })
    w.poll(0, 50)
    const id = w.book.summary(0).firing[0]!.id
    expect(w.book.mute(id, 'ack', null, 'ana', 500).muted).toEqual([{ kind: 'ack', detail: 'acknowledged by ana', until: null }])
    w.poll(5000, 50)
    expect(w.notes).toHaveLength(1)
    w.poll(6000, 95)
    w.poll(7000, 50)
    // Resolved, then firing again: the acknowledgement ended with the first incident.
    expect(w.book.summary(7000).firing[0]!.muted).toEqual([])
    w.book.mute(id, 'snooze', 60_000, 'ana', 7000)
    w.poll(30_000, 50)
    expect(w.book.summary(30_000).firing[0]!.muted[0]).toMatchObject({ kind: 'snooze', until: 60_000 })
    expect(w.book.summary(60_001).firing[0]!.muted).toEqual([])
  })

  it('resumes `for` timers after a restart instead of starting over, and does not notify again', async () => {
    const dir = tempDir()
    const journal = new AlertJournal(dir, silentLogger)
    await journal.load(0)
    const w = world({ rules: [{ ...hitLow, forS: 60 }], journal })
    for (let s = 0; s <= 70; s += 5) w.poll(s * 1000, 50)
    expect(w.notes).toHaveLength(1)
    w.poll(75_000, 50)
    await journal.flush()

    // A new process: the journal is read back, the rule resumes where it was.
    const again = new AlertJournal(dir, silentLogger)
    const state = await again.load(80_000)
    expect(state.skippedLines).toBe(0)
    const w2 = world({ rules: [{ ...hitLow, forS: 60 }], journal: again })
    w2.restart(80_000)
    w2.poll(80_000, 50)
    expect(w2.book.summary(80_000).firing[0]).toMatchObject({ since: 0, firedAt: 60_000 })
    expect(w2.notes).toHaveLength(0)
  })

  it('starts afresh when Lookout was away longer than the grace, and skips a torn last line', async () => {
    const dir = tempDir()
    const journal = new AlertJournal(dir, silentLogger)
    await journal.load(0)
    const w = world({ rules: [{ ...hitLow, forS: 60 }], journal })
    for (let s = 0; s <= 30; s += 5) w.poll(s * 1000, 50)
    await journal.flush()
    appendFileSync(journal.path, '{"k":"state","t":31000,"prof')
    const again = new AlertJournal(dir, silentLogger)
    const state = await again.load(30_000 + RESUME_GRACE_MS + 1000)
    expect(state.skippedLines).toBe(1)
    const w2 = world({ rules: [{ ...hitLow, forS: 60 }], journal: again })
    const later = 30_000 + RESUME_GRACE_MS + 1000
    w2.restart(later)
    w2.poll(later, 50)
    expect(w2.book.summary(later).other[0]).toMatchObject({ state: 'pending', since: later })
  })

  it('keeps history in order and a compacted file reads back the same state', async () => {
    const dir = tempDir()
    const journal = new AlertJournal(dir, silentLogger)
    await journal.load(0)
    const w = world({ rules: [{ ...hitLow, forS: 0 }], journal })
    w.poll(0, 50)
    w.poll(1000, 95)
    await journal.flush()
    const lines = readFileSync(journal.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { k: string; inst?: { phase: string } })
    expect(lines.filter((l) => l.k === 'state').map((l) => l.inst!.phase)).toEqual(['firing', 'resolved'])
    writeFileSync(journal.path, readFileSync(journal.path, 'utf8') + 'not json\n')
    const again = await new AlertJournal(dir, silentLogger).load(2000)
    expect(again.history.map((h) => (h.k === 'state' ? h.inst.phase : 'gone'))).toEqual(['firing', 'resolved'])
  })
})
