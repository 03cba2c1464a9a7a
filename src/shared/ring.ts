/**
 * A fixed-capacity time series kept in typed arrays. Every point is written twice, at `i` and
 * `i + capacity`, so the last `n` points are always one contiguous `subarray` view: charts read
 * them without a copy, and pushing never allocates.
 */
export class RingSeries {
  readonly capacity: number
  private readonly times: Float64Array
  private readonly values: Float64Array
  private head = 0 // next write position in [0, capacity)
  private count = 0
  /** Sequence number of the last point pushed (0 = none yet). */
  private lastSeq = 0

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer')
    this.capacity = capacity
    this.times = new Float64Array(capacity * 2)
    this.values = new Float64Array(capacity * 2)
  }

  get length(): number {
    return this.count
  }

  get seq(): number {
    return this.lastSeq
  }

  push(t: number, v: number): void {
    const i = this.head
    this.times[i] = t
    this.times[i + this.capacity] = t
    this.values[i] = v
    this.values[i + this.capacity] = v
    this.head = i + 1 === this.capacity ? 0 : i + 1
    if (this.count < this.capacity) this.count++
    this.lastSeq++
  }

  /** Views (no copy) of the points in time order. Valid until the next push. */
  view(): { t: Float64Array; v: Float64Array } {
    const start = this.head - this.count + this.capacity
    return {
      t: this.times.subarray(start, start + this.count),
      v: this.values.subarray(start, start + this.count)
    }
  }

  /**
   * The points after sequence number `fromSeq`, or null when they have already been
   * overwritten (the caller must then take a whole snapshot).
   */
  since(fromSeq: number): { t: Float64Array; v: Float64Array } | null {
    const missing = this.lastSeq - fromSeq
    if (missing < 0) return null
    if (missing > this.count) return null
    const all = this.view()
    return { t: all.t.subarray(all.t.length - missing), v: all.v.subarray(all.v.length - missing) }
  }

  /** The newest point, or null. */
  last(): { t: number; v: number } | null {
    if (this.count === 0) return null
    const i = (this.head - 1 + this.capacity) % this.capacity
    return { t: this.times[i]!, v: this.values[i]! }
  }

  clear(): void {
    this.head = 0
    this.count = 0
  }
}

/**
 * NaN marks a missing point in the buffers, in the core and in the renderer alike (uPlot is told
 * to draw NaN as a gap). JSON has no NaN, so on the wire, and only there, it is null: these two
 * functions are the one place a missing point changes form.
 */
export function toWire(x: number): number | null {
  return Number.isFinite(x) ? x : null
}

export function fromWire(x: number | null): number {
  return x ?? NaN
}

/** A whole view for the wire (snapshots). */
export function viewToWire(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length)
  for (let i = 0; i < values.length; i++) out[i] = toWire(values[i]!)
  return out
}
