import { describe, expect, it } from 'vitest'
import {
  connectionFromEnv,
  connectionUrl,
  environmentFromName,
  LibpqFileError,
  matchPgpass,
  parsePgpass,
  parseServiceFile,
  pgpassTooOpen,
  profileNameFrom
} from '../../src/main/core/profiles/libpq-files'

describe('pg_service.conf, read as libpq reads it', () => {
  it('reads sections of keyword=value, ignoring comments, blank lines and surrounding spaces', () => {
    const services = parseServiceFile(
      '# team services\n\n[orders-prod]\nhost = db1.example.com\nport=5433\r\ndbname=orders\nsslmode=verify-full\n\n[reports]\n  user=report  \n',
      'svc.conf'
    )
    expect(services).toEqual([
      { name: 'orders-prod', line: 3, params: { host: 'db1.example.com', port: '5433', dbname: 'orders', sslmode: 'verify-full' } },
      { name: 'reports', line: 9, params: { user: 'report' } }
    ])
  })

  it('names the file and line of what it cannot read', () => {
    expect(() => parseServiceFile('host=a\n', 'svc.conf')).toThrow(
      new LibpqFileError('svc.conf', 1, 'a keyword before the first [service] section')
    )
    expect(() => parseServiceFile('[a]\nhost=x\njust words\n', 'svc.conf')).toThrow(
      /svc\.conf, line 3: expected keyword=value, found "just words"/
    )
    expect(() => parseServiceFile('[a\n', 'svc.conf')).toThrow(/svc\.conf, line 1: a section header is \[name\]/)
  })
})

describe('.pgpass, matched as libpq matches it', () => {
  const { entries, skipped } = parsePgpass(
    [
      '# comment',
      'db1.example.com:5432:orders:app:first',
      'db1.example.com:*:*:app:second',
      '*:*:*:report:pa\\:ss\\\\word',
      'localhost:5432:app:me:sock',
      'db2:5432:app:app:with:colons:inside',
      'too:few:fields',
      ''
    ].join('\n')
  )

  it('reads five fields, with \\: and \\\\ escapes, and a password that may hold colons', () => {
    expect(entries.map((e) => e.password)).toEqual(['first', 'second', 'pa:ss\\word', 'sock', 'with:colons:inside'])
    expect(skipped).toEqual([7])
  })

  it('the first matching line wins; * matches any value, and only * is a pattern', () => {
    expect(matchPgpass(entries, { host: 'db1.example.com', port: '5432', database: 'orders', user: 'app' })?.password).toBe('first')
    expect(matchPgpass(entries, { host: 'db1.example.com', port: '6432', database: 'orders', user: 'app' })?.password).toBe('second')
    expect(matchPgpass(entries, { host: 'anything', port: '1', database: 'x', user: 'report' })?.password).toBe('pa:ss\\word')
    expect(matchPgpass(entries, { host: 'db1.example.com', port: '5432', database: 'orders', user: 'nobody' })).toBeNull()
  })

  it('defaults the port to 5432 and the database to the user, and a socket matches localhost', () => {
    expect(matchPgpass(entries, { host: '/var/run/postgresql', database: 'app', user: 'me' })?.password).toBe('sock')
    expect(matchPgpass(entries, { host: 'db1.example.com', user: 'app' })?.password).toBe('second')
    expect(matchPgpass(entries, { host: 'db2', database: '', user: 'app' })?.password).toBe('with:colons:inside')
  })

  it('a file its group or others may read is ignored, as libpq ignores it', () => {
    expect(pgpassTooOpen(0o100600)).toBe(false)
    expect(pgpassTooOpen(0o100640)).toBe(true)
    expect(pgpassTooOpen(0o100604)).toBe(true)
  })
})

describe('a libpq connection as a profile', () => {
  it('keeps TLS settings in the URL and the password in its user info, where saving takes it out', () => {
    const url = connectionUrl(
      { host: 'db1', port: '5433', dbname: 'orders', sslmode: 'verify-full', sslrootcert: '/etc/ca.pem' },
      'app',
      'p@ss:w'
    )
    const u = new URL(url)
    expect([u.hostname, u.port, u.pathname, decodeURIComponent(u.username), decodeURIComponent(u.password)]).toEqual([
      'db1',
      '5433',
      '/orders',
      'app',
      'p@ss:w'
    ])
    expect(u.searchParams.get('sslmode')).toBe('verify-full')
    expect(u.searchParams.get('sslrootcert')).toBe('/etc/ca.pem')
    expect(new URL(connectionUrl({ user: 'me' }, 'os-user', null)).pathname).toBe('/me')
    expect(new URL(connectionUrl({ hostaddr: '::1' }, 'me', null)).hostname).toBe('[::1]')
  })

  it('refuses what Lookout cannot watch, saying why', () => {
    expect(() => connectionUrl({ host: '/run/postgresql' }, 'me', null)).toThrow(/Unix socket directory: Lookout connects over TCP/)
    expect(() => connectionUrl({ host: 'a,b' }, 'me', null)).toThrow(/lists several servers/)
  })

  it('reads the PG* variables, guesses an environment only from clear names, and makes valid profile names', () => {
    expect(connectionFromEnv({ PGHOST: 'db', PGPORT: '6432', PGUSER: 'u', PGSSLMODE: 'require', HOME: '/x', PGAPPNAME: 'z' })).toEqual({
      host: 'db',
      port: '6432',
      user: 'u',
      sslmode: 'require'
    })
    expect(['orders-prod', 'eu_production', 'billing-stg', 'local-dev', 'orders', 'reproduce'].map(environmentFromName)).toEqual([
      'prod',
      'prod',
      'staging',
      'dev',
      null,
      null
    ])
    expect(profileNameFrom('my service (eu)')).toBe('my-service-eu')
    expect(profileNameFrom('..x')).toBe('x')
  })
})
