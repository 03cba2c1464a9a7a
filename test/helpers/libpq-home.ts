import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PostgresHandle } from '../../src/main/harness/postgres'

/**
 * What a libpq user keeps in HOME, for one server: a service per name in ~/.pg_service.conf and
 * its password in ~/.pgpass (0600, or libpq and Lookout ignore it).
 */
export function writeLibpqHome(home: string, pg: PostgresHandle, services: string[]): void {
  writeFileSync(
    join(home, '.pg_service.conf'),
    services.map((s) => `[${s}]\nhost=127.0.0.1\nport=${pg.port}\ndbname=app\nuser=postgres\n`).join('\n')
  )
  writeFileSync(join(home, '.pgpass'), `127.0.0.1:${pg.port}:*:postgres:${pg.password}\n`)
  chmodSync(join(home, '.pgpass'), 0o600)
}
