import { describe, expect, it } from 'vitest'
import { fuzzyMatch, rankMatches } from '../../../src/renderer/src/lib/fuzzy'

describe('fuzzy matching for the command palette', () => {
  it('matches the query’s characters in order, case-insensitively, and nothing else', () => {
    expect(fuzzyMatch('PST', 'payments-staging')).not.toBeNull()
    expect(fuzzyMatch('tsp', 'payments-staging')).toBeNull()
    expect(fuzzyMatch('', 'anything')).toEqual({ score: 0, positions: [] })
    expect(fuzzyMatch('shop prod', 'shop-prod')).not.toBeNull()
  })

  it('never loses a match by jumping to a word start the rest cannot follow', () => {
    expect(fuzzyMatch('ab', 'xab-a')?.positions).toEqual([1, 2])
  })

  it('prefers word starts and runs, so the intended item comes first', () => {
    const items = ['product-dev-ro', 'shop-prod', 'postgres settings', 'payments-staging']
    expect(rankMatches('prod', items, (x) => x)[0]!.item).toBe('shop-prod')
    expect(rankMatches('pst', items, (x) => x)[0]!.item).toBe('payments-staging')
    expect(rankMatches('slow', ['Go to Slow queries', 'Go to Health', 'pid 41 · slowness'], (x) => x)[0]!.item).toBe('Go to Slow queries')
  })

  it('ranks ties in their given order and honours the limit', () => {
    expect(rankMatches('a', ['a1', 'a2', 'a3'], (x) => x, 2).map((m) => m.item)).toEqual(['a1', 'a2'])
  })
})
