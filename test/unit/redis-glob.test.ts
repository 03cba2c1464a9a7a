import { describe, expect, it } from 'vitest'
import { globToRegExp } from '../../src/main/core/redis/glob'

describe('Redis glob patterns', () => {
  it.each([
    ['user:*', 'user:42', true],
    ['user:*', 'users:42', false],
    ['h?llo', 'hello', true],
    ['h?llo', 'hllo', false],
    ['h[ae]llo', 'hallo', true],
    ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true],
    ['h[^e]llo', 'hello', false],
    ['h[a-b]llo', 'hbllo', true],
    ['h[a-b]llo', 'hcllo', false],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'axb', false],
    ['cache.v2.*', 'cache.v2.x', true],
    ['cache.v2.*', 'cacheXv2Xx', false],
    ['*', 'multi\nline', true],
    ['[', '[', true]
  ])('%s matches %j: %s', (pattern, key, expected) => {
    expect(globToRegExp(pattern).test(key)).toBe(expected)
  })
})
