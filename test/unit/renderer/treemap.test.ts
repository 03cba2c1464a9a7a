import { describe, expect, it } from 'vitest'
import { layoutTreemap } from '../../../src/renderer/src/lib/treemap'

describe('treemap layout', () => {
  it('gives each item an area proportional to its weight, inside the box, without overlap', () => {
    const items = [
      { label: 'a', weight: 50 },
      { label: 'b', weight: 25 },
      { label: 'c', weight: 15 },
      { label: 'd', weight: 10 }
    ]
    const rects = layoutTreemap(items, 0, 0, 100, 100)
    expect(rects).toHaveLength(4)
    for (const r of rects) {
      expect(r.w * r.h).toBeCloseTo(r.item.weight * 100, 6)
      expect(r.x).toBeGreaterThanOrEqual(0)
      expect(r.y).toBeGreaterThanOrEqual(0)
      expect(r.x + r.w).toBeLessThanOrEqual(100 + 1e-9)
      expect(r.y + r.h).toBeLessThanOrEqual(100 + 1e-9)
    }
    for (const a of rects)
      for (const b of rects) {
        if (a === b) continue
        const overlapW = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)
        const overlapH = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y)
        expect(overlapW <= 1e-9 || overlapH <= 1e-9).toBe(true)
      }
  })

  it('handles one item and none', () => {
    expect(layoutTreemap([{ label: 'x', weight: 1 }], 0, 0, 10, 20)).toEqual([
      { item: { label: 'x', weight: 1 }, x: 0, y: 0, w: 10, h: 20 }
    ])
    expect(layoutTreemap([], 0, 0, 10, 10)).toEqual([])
  })
})
