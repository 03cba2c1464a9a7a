import { describe, expect, it } from 'vitest'
import { CounterWithoutOwn } from '../../src/main/core/postgres/own-transactions'

describe('a counter without Lookout’s own transactions', () => {
  it('takes out what Lookout counted', () => {
    const c = new CounterWithoutOwn()
    expect(c.update(100, 0)).toBe(100)
    expect(c.update(104, 4)).toBe(100) // four of Lookout's statements, nobody else
    expect(c.update(118, 8)).toBe(110) // ten of somebody else's
  })

  it('absorbs the dip while the server has not yet counted Lookout’s latest statements', () => {
    const c = new CounterWithoutOwn()
    c.update(100, 0)
    expect(c.update(100, 4)).toBe(100) // reported late: not -4
    expect(c.update(104, 4)).toBe(100) // now reported: not +4 of somebody else's
    expect(c.update(110, 8)).toBe(102) // 4 late again, 2 of somebody else's seen now...
    expect(c.update(112, 8)).toBe(104) // ...and the rest when the report lands
  })

  it('carries on from where it was when the server counter is reset', () => {
    const c = new CounterWithoutOwn()
    c.update(1000, 0)
    expect(c.update(1010, 0)).toBe(1010)
    expect(c.update(5, 0)).toBe(1015) // pg_stat_reset(): counting restarts from zero
    expect(c.update(9, 2)).toBe(1017)
  })
})
