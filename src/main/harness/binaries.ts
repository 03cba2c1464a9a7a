import { existsSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

export class MissingBinaryError extends Error {
  constructor(binary: string, debianPackage: string) {
    super(`${binary} was not found. Install it with: apt-get install ${debianPackage} (or run: npm run setup)`)
    this.name = 'MissingBinaryError'
  }
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, name)
    if (existsSync(p)) return p
  }
  return null
}

/** Debian keeps each PostgreSQL major's server binaries in /usr/lib/postgresql/<major>/bin; take the newest. */
export function postgresBinDir(): string {
  const root = '/usr/lib/postgresql'
  if (existsSync(root)) {
    const majors = readdirSync(root)
      .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a))
    if (majors[0]) return join(root, majors[0], 'bin')
  }
  const initdb = onPath('initdb')
  if (initdb && existsSync(join(initdb, '..', 'postgres'))) return join(initdb, '..')
  throw new MissingBinaryError('PostgreSQL server (initdb, postgres)', 'postgresql')
}

export function findBinary(name: string, debianPackage: string, extra: string[] = []): string {
  for (const p of extra) if (existsSync(p)) return p
  const found =
    onPath(name) ??
    (existsSync(`/usr/bin/${name}`) ? `/usr/bin/${name}` : null) ??
    (existsSync(`/usr/sbin/${name}`) ? `/usr/sbin/${name}` : null)
  if (!found) throw new MissingBinaryError(name, debianPackage)
  return found
}
