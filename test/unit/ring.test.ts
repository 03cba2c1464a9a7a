import { describe, expect, it } from 'vitest'
import { fromWire, RingSeries, toWire, viewToWire } from '../../src/shared/ring'

describe('RingSeries', () => {
  it('keeps points in time order before and after wrapping', () => {
    const r = new RingSeries(3)
    r.push(1, 10)
    r.push(2, 20)
    expect(Array.from(r.view().t)).toEqual([1, 2])
    r.push(3, 30)
    r.push(4, 40)
    r.push(5, 50)
    expect(Array.from(r.view().t)).toEqual([3, 4, 5])
    expect(Array.from(r.view().v)).toEqual([30, 40, 50])
    expect(r.length).toBe(3)
    expect(r.seq).toBe(5)
    expect(r.last()).toEqual({ t: 5, v: 50 })
  })

  it('gives views into its own buffer, not copies', () => {
    const r = new RingSeries(4)
    for (let i = 0; i < 6; i++) r.push(i, i)
    const a = r.view().v
    const b = r.view().v
    expect(a.buffer).toBe(b.buffer)
    expect(a.byteOffset).toBe(b.byteOffset)
  })

  it('returns the points after a sequence number, or null once they were overwritten', () => {
    const r = new RingSeries(4)
    for (let i = 1; i <= 6; i++) r.push(i * 1000, i)
    expect(Array.from(r.since(4)!.v)).toEqual([5, 6])
    expect(Array.from(r.since(6)!.v)).toEqual([])
    expect(Array.from(r.since(2)!.v)).toEqual([3, 4, 5, 6])
    expect(r.since(1)).toBeNull()
    expect(r.since(7)).toBeNull()
  })

  it('rejects a capacity that is not a positive integer', () => {
    expect(() => new RingSeries(0)).toThrow(RangeError)
    expect(() => new RingSeries(1.5)).toThrow(RangeError)
  })

  it('carries NaN as null over the wire and back', () => {
    const wire = viewToWire(new Float64Array([1, NaN, Infinity, 2]))
    expect(wire).toEqual([1, null, null, 2])
    expect(wire.map(fromWire)).toEqual([1, NaN, NaN, 2])
    expect([toWire(NaN), toWire(-Infinity), toWire(0)]).toEqual([null, null, 0])
  })
})
