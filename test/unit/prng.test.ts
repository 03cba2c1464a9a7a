import { describe, expect, it } from 'vitest'
import { seededRandom } from '../helpers/prng'

describe('the tests’ seeded generator', () => {
  it('gives every value of a small even range about equally (the low bits of an LCG would not)', () => {
    for (const n of [2, 4, 8]) {
      const rnd = seededRandom(5).int
      const counts = new Array<number>(n).fill(0)
      for (let i = 0; i < 8000; i++) counts[rnd(n)]!++
      for (const c of counts) expect(Math.abs(c - 8000 / n)).toBeLessThan(8000 / n / 5)
    }
  })
  it('repeats its sequence for a seed, and floats stay in [0, 1)', () => {
    const a = seededRandom(42)
    const b = seededRandom(42)
    for (let i = 0; i < 1000; i++) {
      const x = a.float()
      expect(x).toBe(b.float())
      expect(x >= 0 && x < 1).toBe(true)
    }
  })
})
