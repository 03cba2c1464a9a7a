import { describe, expect, it } from 'vitest'
import { hostname } from 'node:os'
import { allowedHostNames, hostAllowed, originAllowed, tokenCookie, tokensEqual } from '../../src/main/serve/auth'
import { resolveInside } from '../../src/main/serve/static'
import { exposureWarning } from '../../src/main/serve/server'

describe('headless auth', () => {
  it('compares tokens exactly', () => {
    expect(tokensEqual('abc', 'abc')).toBe(true)
    expect(tokensEqual('abc', 'abd')).toBe(false)
    expect(tokensEqual('abc', 'abcd')).toBe(false)
  })
  it('accepts only Host headers that name this server (DNS rebinding)', () => {
    const loop = allowedHostNames('127.0.0.1')
    expect(hostAllowed('127.0.0.1:8080', loop, 8080)).toBe(true)
    expect(hostAllowed('localhost:8080', loop, 8080)).toBe(true)
    expect(hostAllowed('evil.example:8080', loop, 8080)).toBe(false)
    expect(hostAllowed('127.0.0.1:9999', loop, 8080)).toBe(false)
    expect(hostAllowed(undefined, loop, 8080)).toBe(false)
  })
  it('bound to 0.0.0.0, accepts only the names given and the machine’s own, never any Host', () => {
    const all = allowedHostNames('0.0.0.0', ['jump.example.net'])
    expect(hostAllowed('jump.example.net:8080', all, 8080)).toBe(true)
    expect(hostAllowed(`${hostname()}:8080`, all, 8080)).toBe(true)
    expect(hostAllowed('127.0.0.1:8080', all, 8080)).toBe(true)
    expect(hostAllowed('evil.example:8080', all, 8080)).toBe(false)
    expect(hostAllowed('attacker.rebind.example:8080', all, 8080)).toBe(false)
  })
  it('names the session cookie after the port, so other servers on 127.0.0.1 never receive it', () => {
    expect(tokenCookie(8080)).toBe('lookout_token_8080')
    expect(tokenCookie(8081)).not.toBe(tokenCookie(8080))
  })
  it('accepts a WebSocket Origin only when it is this server', () => {
    expect(originAllowed('http://127.0.0.1:8080', '127.0.0.1:8080')).toBe(true)
    expect(originAllowed('http://evil.example', '127.0.0.1:8080')).toBe(false)
    expect(originAllowed('null', '127.0.0.1:8080')).toBe(false)
    expect(originAllowed(undefined, '127.0.0.1:8080')).toBe(false)
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
