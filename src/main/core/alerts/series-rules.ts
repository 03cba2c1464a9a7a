/** How a rule reduces a series' window to one value. `rate` and `increase` read a counter, resets included. */
export type Aggregation = 'last' | 'avg' | 'max' | 'min' | 'rate' | 'increase'

/** The newest points of a series, oldest first, as the ring's views give them (NaN: a failed poll). */
export interface SeriesView {
  t: Float64Array
  v: Float64Array
}

/** Index of the first point at or after `from` (points are in time order). */
function firstAtOrAfter(t: Float64Array, from: number): number {
  let lo = 0
  let hi = t.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (t[mid]! < from) lo = mid + 1
    else hi = mid
  }
  return lo
}

/**
 * The window's value, or null when the window holds no data: no point in it, or (for `last`) the
 * newest point is a failed poll. Reads the ring's own arrays; nothing is copied.
 */
export function aggregate(view: SeriesView, now: number, windowMs: number, how: Aggregation): number | null {
  const { t, v } = view
  const start = firstAtOrAfter(t, now - windowMs)
  if (start >= t.length) return null
  if (how === 'last') {
    const x = v[t.length - 1]!
    return Number.isNaN(x) ? null : x
  }
  // One loop per aggregation, each doing only its own work: this runs for every rule on every poll.
  const end = t.length
  switch (how) {
    case 'avg': {
      let n = 0
      let sum = 0
      for (let i = start; i < end; i++) {
        const x = v[i]!
        if (x === x) {
          n++
          sum += x
        }
      }
      return n ? sum / n : null
    }
    case 'max': {
      let max = -Infinity
      let n = 0
      for (let i = start; i < end; i++) {
        const x = v[i]!
        if (x > max) max = x
        if (x === x) n++
      }
      return n ? max : null
    }
    case 'min': {
      let min = Infinity
      let n = 0
      for (let i = start; i < end; i++) {
        const x = v[i]!
        if (x < min) min = x
        if (x === x) n++
      }
      return n ? min : null
    }
    case 'rate':
    case 'increase': {
      let n = 0
      let increase = 0
      let prev = NaN
      let firstT = NaN
      let lastT = NaN
      for (let i = start; i < end; i++) {
        const x = v[i]!
        if (x !== x) continue
        n++
        // A counter that goes down was reset: what it counted since is all new.
        if (prev === prev) increase += x >= prev ? x - prev : x
        else firstT = t[i]!
        prev = x
        lastT = t[i]!
      }
      if (n < 2) return null
      if (how === 'increase') return increase
      return lastT === firstT ? null : increase / ((lastT - firstT) / 1000)
    }
  }
}
