/*
 * The chart's side of the sample path, pure so it is tested without a browser. A series reaches
 * uPlot as the ring's own typed-array views: no copy per frame. A missing point is NaN there as
 * everywhere in Lookout; uPlot draws gaps only for null, which a typed array cannot hold, so the
 * chart tells it where NaN runs are (its `gaps` hook) and computes its y range past them.
 */

/** Pixel ranges [from, to] uPlot must not draw, as its own null gaps are. */
export type Gaps = [number, number][]

/**
 * The NaN runs among points idx0..idx1, each as the pixel range from the point before it to the
 * point after it (or to its own end at an edge), so the line that would join them is clipped away.
 */
export function nanGaps(xs: ArrayLike<number>, ys: ArrayLike<number>, idx0: number, idx1: number, toPx: (x: number) => number): Gaps {
  const gaps: Gaps = []
  for (let i = idx0; i <= idx1; i++) {
    if (!Number.isNaN(ys[i]!)) continue
    const from = i
    while (i + 1 <= idx1 && Number.isNaN(ys[i + 1]!)) i++
    const before = from > 0 ? from - 1 : from
    const after = i + 1 < xs.length ? i + 1 : i
    gaps.push([toPx(xs[before]!), toPx(xs[after]!)])
  }
  return gaps
}

/** The smallest and largest finite values, or null when there is none (an empty or all-missing series). */
export function finiteExtent(ys: ArrayLike<number>): [number, number] | null {
  let min = Infinity
  let max = -Infinity
  for (let i = 0; i < ys.length; i++) {
    const y = ys[i]!
    if (y < min) min = y
    if (y > max) max = y
  }
  // NaN compares false both ways, so it never becomes min or max.
  return min <= max ? [min, max] : null
}

/** A live chart's y range: from zero (or below, for negative values) to a tenth above the top. */
export function liveYRange(ys: ArrayLike<number>): [number, number] {
  const e = finiteExtent(ys)
  if (!e) return [0, 1]
  return [Math.min(0, e[0]), e[1] > 0 ? e[1] * 1.1 : 1]
}
