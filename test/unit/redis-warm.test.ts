import { describe, expect, it } from 'vitest'
import { parseWarmFile, splitInline } from '../../src/main/core/redis/warm'

describe('warm-up files', () => {
  it('reads redis-cli inline syntax with quotes and escapes', () => {
    expect(splitInline(`SET "user:1" "{\\"name\\": \\"Ann\\"}\\n" EX 60`, 1)).toEqual(['SET', 'user:1', '{"name": "Ann"}\n', 'EX', '60'])
    expect(splitInline(`HSET h 'a b' "\\x41"`, 1)).toEqual(['HSET', 'h', 'a b', 'A'])
  })
  it('allows only writes of data and TTLs; a bad line is named and nothing is kept', () => {
    expect(parseWarmFile('# warm\nSET a 1\n\nsetex b 60 2\n', 'commands')).toEqual([
      ['SET', 'a', '1'],
      ['SETEX', 'b', '60', '2']
    ])
    expect(() => parseWarmFile('SET a 1\nFLUSHALL\n', 'commands')).toThrow(/^line 2: FLUSHALL is not allowed/)
    expect(() => parseWarmFile('SET "a 1\n', 'commands')).toThrow(/^line 1: unterminated double quote/)
    expect(() => parseWarmFile('SET a\n', 'commands')).toThrow(/^line 1: SET needs a key and a value/)
  })
  it('reads JSON lines with an optional TTL', () => {
    expect(parseWarmFile('{"key":"k","value":"v","ttl":30}\n{"key":"x","value":"y"}', 'jsonl')).toEqual([
      ['SET', 'k', 'v', 'EX', '30'],
      ['SET', 'x', 'y']
    ])
    expect(() => parseWarmFile('{"key":"k","value":1}', 'jsonl')).toThrow(/^line 1: expected \{"key"/)
    expect(() => parseWarmFile('{"key":"k","value":"v","ttl":-1}', 'jsonl')).toThrow(/ttl/)
  })
})
