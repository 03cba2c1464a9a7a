import { describe, expect, it } from 'vitest'
import { Scheduler, type PollReport } from '../../src/main/core/scheduler/scheduler'
import { backoffDelay } from '../../src/main/core/scheduler/backoff'
import { FakeClock } from '../helpers/fake-clock'

type R = PollReport<string>

function setup(opts: { failureThreshold?: number; random?: () => number } = {}) {
  const clock = new FakeClock()
  const reports: R[] = []
  const s = new Scheduler<string>(
    {
      clock,
      failureThreshold: opts.failureThreshold ?? 3,
      random: opts.random ?? (() => 0.5),
      backoff: { baseMs: 1000, maxMs: 16_000, jitter: 0.2 }
    },
    (r) => reports.push(r)
  )
  return { clock, reports, s }
}

describe('backoffDelay', () => {
  it('doubles per attempt and stops at the cap', () => {
    const p = { baseMs: 1000, maxMs: 8000, jitter: 0 }
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, p))).toEqual([1000, 2000, 4000, 8000, 8000, 8000])
  })
  it('spreads the delay by the jitter fraction, both ways', () => {
    const p = { baseMs: 1000, maxMs: 60_000, jitter: 0.2 }
    expect(backoffDelay(1, p, () => 0)).toBe(800)
    expect(backoffDelay(1, p, () => 0.999999)).toBe(1200)
    expect(backoffDelay(3, p, () => 0.5)).toBe(4000)
  })
})

describe('Scheduler', () => {
  it('polls each job on its own interval', async () => {
    const { clock, reports, s } = setup()
    let n = 0
    s.add({ id: 'a', intervalMs: 1000, timeoutMs: 500, run: async () => `a${++n}` })
    await clock.advance(3500)
    expect(reports.map((r) => r.value)).toEqual(['a1', 'a2', 'a3', 'a4'])
    expect(reports.every((r) => r.ok && r.circuit === 'closed')).toBe(true)
  })

  it('times out a hung poll, aborts it, and reports the failure', async () => {
    const { clock, reports, s } = setup()
    let aborted: unknown = null
    s.add({
      id: 'hung',
      intervalMs: 1000,
      timeoutMs: 300,
      run: (signal) =>
        new Promise<string>((_, reject) => {
          signal.addEventListener('abort', () => {
            aborted = signal.reason
            reject(signal.reason)
          })
        })
    })
    await clock.advance(300)
    expect(reports).toHaveLength(1)
    expect(reports[0]!.ok).toBe(false)
    expect(String(reports[0]!.error)).toMatch(/no answer within 300 ms/)
    expect(reports[0]!.latencyMs).toBe(300)
    expect(aborted).not.toBeNull()
  })

  it('never lets a hung target delay another', async () => {
    const { clock, reports, s } = setup()
    s.add({ id: 'hung', intervalMs: 1000, timeoutMs: 900, run: () => new Promise<string>(() => {}) })
    s.add({ id: 'fast', intervalMs: 1000, timeoutMs: 900, run: async () => 'ok' })
    await clock.advance(2050)
    const fast = reports.filter((r) => r.id === 'fast')
    expect(fast.map((r) => r.startedAt - fast[0]!.startedAt)).toEqual([0, 1000, 2000])
  })

  it('does not stack polls when a collector ignores the abort', async () => {
    const { clock, reports, s } = setup()
    let started = 0
    s.add({
      id: 'stuck',
      intervalMs: 1000,
      timeoutMs: 200,
      run: () => {
        started++
        return new Promise<string>(() => {})
      }
    })
    await clock.advance(5000)
    expect(started).toBe(1)
    expect(reports.length).toBeGreaterThan(1)
    expect(String(reports.at(-1)!.error)).toMatch(/previous poll is still running/)
  })

  it('retries at the interval, then opens the circuit and backs off exponentially', async () => {
    const { clock, reports, s } = setup()
    s.add({ id: 'dead', intervalMs: 1000, timeoutMs: 500, run: async () => Promise.reject(new Error('ECONNREFUSED')) })
    await clock.advance(40_000)
    const gaps = reports.slice(1).map((r, i) => r.startedAt - reports[i]!.startedAt)
    // Two retries at the interval, then 1 s, 2 s, 4 s, 8 s, 16 s (capped) with jitter 0.5 -> exact.
    expect(gaps.slice(0, 7)).toEqual([1000, 1000, 1000, 2000, 4000, 8000, 16_000])
    expect(reports.map((r) => r.circuit).slice(0, 4)).toEqual(['closed', 'closed', 'open', 'open'])
    expect(reports.at(-1)!.consecutiveFailures).toBe(reports.length)
  })

  it('half-opens after the backoff and closes on a successful trial', async () => {
    const { clock, reports, s } = setup()
    let healthy = false
    s.add({ id: 'flaky', intervalMs: 1000, timeoutMs: 500, run: async () => (healthy ? 'ok' : Promise.reject(new Error('down'))) })
    await clock.advance(2500)
    expect(reports.at(-1)!.circuit).toBe('open')
    healthy = true
    await clock.advance(5000)
    const firstOk = reports.find((r) => r.ok)!
    expect(firstOk.circuit).toBe('closed')
    expect(firstOk.consecutiveFailures).toBe(0)
    const after = reports.filter((r) => r.startedAt > firstOk.startedAt)
    expect(after.every((r) => r.ok)).toBe(true)
    expect(after[0]!.startedAt - firstOk.startedAt).toBe(1000)
  })

  it('a failed half-open trial opens the circuit again with a longer wait', async () => {
    const { clock, reports, s } = setup({ failureThreshold: 1 })
    s.add({ id: 'x', intervalMs: 1000, timeoutMs: 500, run: async () => Promise.reject(new Error('down')) })
    await clock.advance(8000)
    expect(reports.slice(0, 3).map((r) => r.circuit)).toEqual(['open', 'open', 'open'])
    expect(reports[2]!.startedAt - reports[1]!.startedAt).toBeGreaterThan(reports[1]!.startedAt - reports[0]!.startedAt)
  })

  it('stops a removed job, including its pending timeout', async () => {
    const { clock, reports, s } = setup()
    s.add({ id: 'a', intervalMs: 1000, timeoutMs: 500, run: () => new Promise<string>(() => {}) })
    await clock.advance(100)
    s.remove('a')
    await clock.advance(10_000)
    expect(reports).toHaveLength(0)
    expect(clock.pending).toBe(0)
  })

  it('reports when the next poll is due', async () => {
    const { clock, reports, s } = setup()
    s.add({ id: 'a', intervalMs: 2000, timeoutMs: 500, run: async () => 'x' })
    await clock.advance(10)
    expect(reports[0]!.nextPollAt).toBe(reports[0]!.startedAt + 2000)
  })
})
