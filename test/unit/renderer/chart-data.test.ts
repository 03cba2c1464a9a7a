import { describe, expect, it } from 'vitest'
import { finiteExtent, liveYRange, nanGaps } from '../../../src/renderer/src/lib/chart-data'
import { RingSeries } from '../../../src/shared/ring'

const px = (x: number) => x * 10

describe('the chart data path', () => {
  it('hands the chart the ring’s own memory: a pushed point is in the next frame’s view without a copy', () => {
    const ring = new RingSeries(4)
    for (let i = 1; i <= 6; i++) ring.push(i, i * 2)
    const view = ring.view()
    expect(Array.from(view.t)).toEqual([3, 4, 5, 6])
    // A view of the ring's buffer, not a new array.
    const again = ring.view()
    expect(again.v.buffer).toBe(view.v.buffer)
    ring.push(7, NaN)
    expect(ring.view().v.buffer).toBe(view.v.buffer)
    expect(Number.isNaN(ring.view().v[3])).toBe(true)
  })

  it('turns each run of NaN into one gap from the point before it to the point after it', () => {
    const xs = [1, 2, 3, 4, 5, 6, 7]
    const ys = [1, NaN, NaN, 4, 5, NaN, 7]
    expect(nanGaps(xs, ys, 0, 6, px)).toEqual([
      [10, 40],
      [50, 70]
    ])
  })

  it('gaps at the edges end at the edge point, and a series without NaN has none', () => {
    expect(nanGaps([1, 2, 3], [NaN, 2, NaN], 0, 2, px)).toEqual([
      [10, 20],
      [20, 30]
    ])
    expect(nanGaps([1, 2, 3], [1, 2, 3], 0, 2, px)).toEqual([])
    expect(nanGaps([1, 2, 3, 4], [1, NaN, 3, NaN], 0, 2, px)).toEqual([[10, 30]])
  })

  it('computes the y range past missing points, which uPlot’s own min and max would not skip', () => {
    expect(finiteExtent(new Float64Array([NaN, 3, -2, NaN, 8]))).toEqual([-2, 8])
    expect(finiteExtent(new Float64Array([NaN, NaN]))).toBeNull()
    expect(finiteExtent(new Float64Array([]))).toBeNull()
    expect(liveYRange(new Float64Array([NaN, 5, 10]))).toEqual([0, 11])
    expect(liveYRange(new Float64Array([NaN]))).toEqual([0, 1])
    expect(liveYRange(new Float64Array([-4, -1]))).toEqual([-4, 1])
  })
})
