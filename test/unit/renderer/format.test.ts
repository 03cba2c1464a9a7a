import { describe, expect, it } from 'vitest'
import { formatSeconds } from '../../../src/renderer/src/lib/format'

describe('formatSeconds', () => {
  it.each([
    [0, '0 s'],
    [0.00085, '850 µs'],
    [0.0125, '12.5 ms'],
    [0.005, '5.00 ms'],
    [1.2, '1.20 s'],
    [599.9, '10m 0s'],
    [200, '3m 20s'],
    [7322, '2h 2m']
  ])('%d s reads %s', (s, text) => {
    expect(formatSeconds(s)).toBe(text)
  })
})
