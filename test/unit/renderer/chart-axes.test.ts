import { describe, expect, it } from 'vitest'
import { MIN_Y_AXIS_PX, TIME_STEPS_MS, timeLabelSpace, yAxisWidth } from '../../../src/renderer/src/lib/chart-axes'

// A monospace stand-in for the canvas: 7 px per character.
const measure = (text: string) => text.length * 7

describe('yAxisWidth', () => {
  it('fits the widest label with the tick and gap beside it', () => {
    // "2.00 ms" is 49 px here; a fixed 56 px axis (the old width) left 7 px for tick and gap.
    expect(yAxisWidth(['0 s', '1.00 ms', '2.00 ms'], measure)).toBe(49 + 15)
    expect(yAxisWidth(['0', '5000', '10000'], measure)).toBe(35 + 15)
  })
  it('keeps a minimum width for short labels and for none', () => {
    expect(yAxisWidth(['0', '1'], measure)).toBe(MIN_Y_AXIS_PX)
    expect(yAxisWidth(null, measure)).toBe(MIN_Y_AXIS_PX)
    expect(yAxisWidth([], measure)).toBe(MIN_Y_AXIS_PX)
  })
  it('never returns less than the width already given, so sizing passes converge', () => {
    expect(yAxisWidth(['0 s'], measure, 64)).toBe(64)
    expect(yAxisWidth(['0 s', '100.0 ms'], measure, 64)).toBe(71) // wider labels still widen it
  })
  it('rounds a fractional measure up, so the last pixel of a label is not cut', () => {
    expect(yAxisWidth(['1.5 GiB'], () => 50.2)).toBe(66)
  })
})

describe('time axis steps', () => {
  it('are whole seconds, increasing, so no two labels print the same second', () => {
    expect(TIME_STEPS_MS[0]).toBe(1000)
    for (let i = 1; i < TIME_STEPS_MS.length; i++) {
      expect(TIME_STEPS_MS[i]! % 1000).toBe(0)
      expect(TIME_STEPS_MS[i]!).toBeGreaterThan(TIME_STEPS_MS[i - 1]!)
    }
  })
  it('leave more room when labels carry the date', () => {
    expect(timeLabelSpace(7 * 86400_000)).toBeGreaterThan(timeLabelSpace(300_000))
  })
})
