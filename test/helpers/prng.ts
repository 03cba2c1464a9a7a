/**
 * A seeded pseudo-random generator for tests that generate their cases, so a failure reproduces
 * from its seed. A 32-bit linear congruential generator read from its high bits: the low bits of
 * such a generator cycle with short periods (the lowest alternates), so `state % n` for an even n
 * would not be random. Multiplication through Math.imul keeps it exact; a plain `*` on numbers
 * this large loses the low bits to floating point.
 */
export function seededRandom(seed: number): { float(): number; int(n: number): number } {
  let state = seed >>> 0
  const float = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    return state / 4294967296
  }
  return { float, int: (n: number) => Math.floor(float() * n) }
}
