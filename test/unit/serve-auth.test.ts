import { describe, expect, it } from 'vitest'
import { hostAllowed, originAllowed, tokensEqual } from '../../src/main/serve/auth'
import { resolveInside } from '../../src/main/serve/static'
import { exposureWarning } from '../../src/main/serve/server'

describe('headless auth', () => {
  it('compares tokens exactly', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true)
    expect(tokensEqual('abc', 'abd')).toBe(false)
    expect(tokensEqual('abc', 'abcd')).toBe(false)
  })
  it('accepts only Host headers that name this server (DNS rebinding)', () => {
    expect(hostAllowed('127.0.0.1:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('localhost:8080', '127.0.0.1', 8080)).toBe(true)
    expect(hostAllowed('evil.example:8080', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed('127.0.0.1:9999', '127.0.0.1', 8080)).toBe(false)
    expect(hostAllowed(undefined, '127.0.0.1', 8080)).toBe(false)
  })
  it('accepts a WebSocket Origin only when it is this server', () => {
    expect(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true)
    expect(originAllowed('http://evil.example', '127.0.0.1:8080')).toBe(false)
    expect(originAllowed('null', '127.0.0.1:8080')).toBe(false)
  })
  it('warns loudly when bound beyond loopback', () => {
    expect(exposureWarning('127.0.0.1')).toBeNull()
    expect(exposureWarning('0.0.0.0')).toMatch(/WARNING/)
  })
})

describe('static files', () => {
  it('never resolves outside the renderer directory', () => {
    expect(resolveInside('/srv/r', '/')).toBe('/srv/r/index.html')
    expect(resolveInside('/srv/r', '/assets/a.js')).toBe('/srv/r/assets/a.js')
    expect(resolveInside('/srv/r', '/../etc/passwd')).toBe('/srv/r/etc/passwd')
    expect(resolveInside('/srv/r', '/%2e%2e/%2e%2e/etc/passwd')).toBe('/srv/r/etc/passwd')
    expect(resolveInside('/srv/r', '/a%00b')).toBeNull()
    expect(resolveInside('/srv/r', '/%E0%A4%A')).toBeNull()
  })
})
