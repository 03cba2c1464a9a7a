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

/** NaN marks "no data" in the buffers; JSON has no NaN, so it crosses the wire as null. */
export function toWire(values: ArrayLike<number>): (number | null)[] {
  const out = new Array<number | null>(values.length)
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!
    out[i] = Number.isFinite(x) ? x : null
  }
  return out
}

export function fromWire(values: readonly (number | null)[], into?: Float64Array): Float64Array {
  const out = into ?? new Float64Array(values.length)
  for (let i = 0; i < values.length; i++) out[i] = values[i] ?? NaN
  return out
}
