import { describe, expect, it } from 'vitest'
import { histogramQuantile } from '../../../src/main/core/prometheus/quantile'
import { parseExposition } from '../../../src/main/core/prometheus/exposition/parser'
import type { ParsedSample } from '../../../src/main/core/prometheus/exposition/parser'
import { seriesKey, SeriesInterner } from '../../../src/main/core/prometheus/series'

const B = (pairs: [number, number][]) => pairs.map(([upperBound, count]) => ({ upperBound, count }))

describe('histogramQuantile (Prometheus semantics)', () => {
  const h = B([
    [0.1, 10],
    [0.5, 30],
    [1, 40],
    [Infinity, 50]
  ])
  it('interpolates linearly inside the bucket holding the rank', () => {
    expect(histogramQuantile(0.5, h)).toBeCloseTo(0.1 + (0.5 - 0.1) * (15 / 20))
    expect(histogramQuantile(0.1, h)).toBeCloseTo(0.05) // the first bucket starts at 0
    expect(histogramQuantile(0.8, h)).toBeCloseTo(1) // rank 40 reaches the le=1 bucket exactly
  })
  it('gives the highest finite bound when the rank is in +Inf', () => {
    expect(histogramQuantile(0.99, h)).toBe(1)
  })
  it('handles the edges as Prometheus does', () => {
    expect(histogramQuantile(-0.1, h)).toBe(-Infinity)
    expect(histogramQuantile(1.1, h)).toBe(Infinity)
    expect(histogramQuantile(NaN, h)).toBeNaN()
    expect(histogramQuantile(0.5, B([[1, 3]]))).toBeNaN() // no +Inf bucket
    expect(histogramQuantile(0.5, B([[Infinity, 3]]))).toBeNaN() // fewer than two buckets
    expect(
      histogramQuantile(
        0.5,
        B([
          [1, 0],
          [Infinity, 0]
        ])
      )
    ).toBeNaN() // no observations
    expect(
      histogramQuantile(
        0.1,
        B([
          [-1, 5],
          [Infinity, 10]
        ])
      )
    ).toBe(-1) // first bound not positive
  })
  it('sorts buckets, merges equal bounds and forces monotonic counts', () => {
    expect(
      histogramQuantile(
        0.5,
        B([
          [Infinity, 50],
          [1, 40],
          [0.5, 30],
          [0.1, 10]
        ])
      )
    ).toBeCloseTo(histogramQuantile(0.5, h))
    expect(
      histogramQuantile(
        0.5,
        B([
          [1, 2],
          [1, 2],
          [Infinity, 8]
        ])
      )
    ).toBeCloseTo(1)
    expect(
      histogramQuantile(
        0.5,
        B([
          [0.5, 10],
          [1, 8],
          [Infinity, 20]
        ])
      )
    ).toBeCloseTo(0.5) // 8 -> 10
  })
})

describe('series identity', () => {
  it('drops empty labels and ignores order', () => {
    expect(seriesKey('up', { job: 'a', instance: 'x', env: '' })).toBe('up{instance="x",job="a"}')
    expect(seriesKey('up', {})).toBe('up')
  })

  it('interns the same series across scrapes and spellings without new keys', () => {
    const interner = new SeriesInterner()
    const page1 = 'm{b="2",a="1"} 1\nm{a="1",b="2",c=""} 2\nm{a="2"} 3\n'
    const p1 = parseExposition(page1, 'text')
    const refs1 = p1.families[0]!.samples.map((s) => interner.intern(s as ParsedSample, page1))
    expect(refs1[0]).toBe(refs1[1])
    expect(refs1[0]!.key).toBe('m{a="1",b="2"}')
    expect(interner.size).toBe(2)
    const page2 = 'm{b="2",a="1"} 5\nm{a="2"} 6\n'
    const p2 = parseExposition(page2, 'text')
    const refs2 = p2.families[0]!.samples.map((s) => interner.intern(s as ParsedSample, page2))
    expect(refs2[0]).toBe(refs1[0])
    expect(refs2[1]).toBe(refs1[2])
    expect(interner.size).toBe(2)
  })
})

describe('grouping', () => {
  it('groups histogram buckets and summary quantiles per label set', async () => {
    const { histogramGroups, summaryGroups } = await import('../../../src/main/core/prometheus/histograms')
    const page = parseExposition(
      '# TYPE h histogram\nh_bucket{r="a",le="1"} 2\nh_bucket{r="a",le="+Inf"} 3\nh_sum{r="a"} 2.5\nh_count{r="a"} 3\nh_bucket{r="b",le="+Inf"} 1\n# TYPE s summary\ns{quantile="0.99",r="x"} 9\ns{quantile="0.5",r="x"} 4\ns_sum{r="x"} 20\ns_count{r="x"} 5\n',
      'text'
    )
    expect(histogramGroups(page.families[0]!)).toEqual([
      {
        key: 'h{r="a"}',
        labels: { r: 'a' },
        buckets: [
          { upperBound: 1, count: 2 },
          { upperBound: Infinity, count: 3 }
        ],
        count: 3,
        sum: 2.5
      },
      { key: 'h{r="b"}', labels: { r: 'b' }, buckets: [{ upperBound: Infinity, count: 1 }], count: null, sum: null }
    ])
    expect(summaryGroups(page.families[1]!)).toEqual([
      {
        key: 's{r="x"}',
        labels: { r: 'x' },
        quantiles: [
          { quantile: 0.5, value: 4 },
          { quantile: 0.99, value: 9 }
        ],
        count: 5,
        sum: 20
      }
    ])
  })
})
