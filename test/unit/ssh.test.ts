import { createHmac, randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseHopSpec, resolveSshRoute } from '../../src/main/core/ssh/config'
import { checkKnownHosts, fingerprintOf, knownHostsName } from '../../src/main/core/ssh/known-hosts'
import { tempDir } from '../helpers/temp'

const key = (n: number) => Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.alloc(4, 0), Buffer.alloc(32, n)])
const b64 = (b: Buffer) => b.toString('base64')

describe('known_hosts, as OpenSSH reads it', () => {
  const mine = key(1)
  const other = key(2)

  it('names other ports as [host]:port and matches plain, listed and wildcard names', () => {
    expect(knownHostsName('db', 22)).toBe('db')
    expect(knownHostsName('db', 2222)).toBe('[db]:2222')
    expect(checkKnownHosts(`[bastion]:2222 ssh-ed25519 ${b64(mine)}\n`, 'bastion', 2222, 'ssh-ed25519', mine)).toEqual({
      status: 'match',
      line: 1
    })
    // The brackets are literal, not a character class.
    expect(checkKnownHosts(`[bastion]:2222 ssh-ed25519 ${b64(mine)}\n`, 'b', 2222, 'ssh-ed25519', mine).status).toBe('unknown')
    expect(checkKnownHosts(`# c\nfoo,bastion,10.0.0.1 ssh-ed25519 ${b64(mine)}\n`, 'bastion', 22, 'ssh-ed25519', mine)).toEqual({
      status: 'match',
      line: 2
    })
    expect(checkKnownHosts(`*.prod.example ssh-ed25519 ${b64(mine)}\n`, 'db1.prod.example', 22, 'ssh-ed25519', mine).status).toBe('match')
    expect(checkKnownHosts(`*.example,!evil.example ssh-ed25519 ${b64(mine)}\n`, 'evil.example', 22, 'ssh-ed25519', mine).status).toBe(
      'unknown'
    )
  })

  it('reads hashed names (HashKnownHosts yes)', () => {
    const salt = randomBytes(20)
    const hash = createHmac('sha1', salt).update('[bastion]:2222').digest('base64')
    const text = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${b64(mine)}\n`
    expect(checkKnownHosts(text, 'bastion', 2222, 'ssh-ed25519', mine).status).toBe('match')
    expect(checkKnownHosts(text, 'bastion', 22, 'ssh-ed25519', mine).status).toBe('unknown')
  })

  it('calls another key of the same type for the host a change, and honours @revoked', () => {
    expect(checkKnownHosts(`bastion ssh-ed25519 ${b64(other)}\n`, 'bastion', 22, 'ssh-ed25519', mine)).toEqual({
      status: 'changed',
      line: 1
    })
    // A key of another type is not a change: the server may simply offer a type not listed.
    expect(checkKnownHosts(`bastion ssh-rsa ${b64(other)}\n`, 'bastion', 22, 'ssh-ed25519', mine).status).toBe('unknown')
    expect(
      checkKnownHosts(`@revoked * ssh-ed25519 ${b64(mine)}\nbastion ssh-ed25519 ${b64(mine)}\n`, 'bastion', 22, 'ssh-ed25519', mine)
    ).toEqual({
      status: 'revoked',
      line: 1
    })
    expect(checkKnownHosts(`@cert-authority * ssh-ed25519 ${b64(mine)}\n`, 'bastion', 22, 'ssh-ed25519', mine).status).toBe('unknown')
  })

  it('prints fingerprints as ssh-keygen does', () => {
    expect(fingerprintOf(mine)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/)
  })
})

describe('~/.ssh/config and ProxyJump', () => {
  it('parses [user@]host[:port] hops', () => {
    expect(parseHopSpec('ops@jump.example:2200')).toEqual({ user: 'ops', host: 'jump.example', port: 2200 })
    expect(parseHopSpec('[::1]:22')).toEqual({ user: null, host: '::1', port: 22 })
    expect(parseHopSpec('jump')).toEqual({ user: null, host: 'jump', port: null })
  })

  it('takes HostName, User, Port, IdentityFile and ProxyJump from the config; the profile wins', () => {
    const home = tempDir()
    mkdirSync(join(home, '.ssh'))
    writeFileSync(
      join(home, '.ssh', 'config'),
      'Host bastion\n  HostName 10.1.2.3\n  User ops\n  Port 2222\n  IdentityFile ~/.ssh/prod_key\n  ProxyJump gate\n\nHost gate\n  HostName gate.example\n  User jumper\n\nHost chain\n  ProxyJump a,b\n'
    )
    const route = resolveSshRoute({ host: 'bastion', port: null, user: null, identityFile: null, proxyJump: null }, { HOME: home }, 'me')
    expect(route.target).toEqual({
      alias: 'bastion',
      host: '10.1.2.3',
      port: 2222,
      user: 'ops',
      identityFiles: [join(home, '.ssh/prod_key')]
    })
    expect(route.jump).toMatchObject({ host: 'gate.example', port: 22, user: 'jumper' })
    const own = resolveSshRoute({ host: 'bastion', port: 22, user: 'root', identityFile: '/k', proxyJump: null }, { HOME: home }, 'me')
    expect(own.target).toMatchObject({ port: 22, user: 'root', identityFiles: ['/k'] })
    expect(() =>
      resolveSshRoute({ host: 'chain', port: null, user: null, identityFile: null, proxyJump: null }, { HOME: home }, 'me')
    ).toThrow(/chains several hops; Lookout follows one/)
  })

  it('without a config, goes where it is told as the current user', () => {
    const route = resolveSshRoute(
      { host: 'db.example', port: null, user: null, identityFile: null, proxyJump: null },
      { HOME: tempDir() },
      'me'
    )
    expect(route).toEqual({ target: { alias: 'db.example', host: 'db.example', port: 22, user: 'me', identityFiles: [] }, jump: null })
  })
})
