import { describe, expect, it } from 'vitest'
import { redactStatement, REDACTED } from '../../src/main/core/postgres/redact'

describe('statement texts keep no password', () => {
  it.each([
    [`ALTER ROLE postgres PASSWORD 'hunter2'`, `ALTER ROLE postgres PASSWORD '${REDACTED}'`],
    [
      `create user app with encrypted password 'it''s secret' valid until 'infinity'`,
      `create user app with encrypted password '${REDACTED}' valid until 'infinity'`
    ],
    [`ALTER USER app PASSWORD E'esc\\'aped'`, `ALTER USER app PASSWORD '${REDACTED}'`],
    [
      `CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password 'hunter2')`,
      `CREATE USER MAPPING FOR app SERVER s OPTIONS (user 'app', password '${REDACTED}')`
    ],
    [
      `SELECT * FROM dblink('host=db1 dbname=x user=u password=hunter2', 'SELECT 1')`,
      `SELECT * FROM dblink('host=db1 dbname=x user=u password=${REDACTED}', 'SELECT 1')`
    ],
    [
      `CREATE SUBSCRIPTION s CONNECTION 'postgresql://rep:hunter2@primary:5432/app' PUBLICATION p`,
      `CREATE SUBSCRIPTION s CONNECTION 'postgresql://rep:${REDACTED}@primary:5432/app' PUBLICATION p`
    ]
  ])('%s', (text, want) => {
    expect(redactStatement(text)).toBe(want)
    expect(redactStatement(text)).not.toMatch(/hunter2|it''s secret|esc/)
  })

  it('leaves every other statement as it is', () => {
    for (const q of [
      'SELECT * FROM orders WHERE id = $1',
      'UPDATE users SET password_hash = $1 WHERE id = $2',
      "SELECT 'http://example.com/x'"
    ])
      expect(redactStatement(q)).toBe(q)
  })
})
