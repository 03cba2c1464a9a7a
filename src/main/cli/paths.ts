import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** Where profiles live when no --data-dir is given: $LOOKOUT_DATA_DIR, else the XDG config dir. */
export function defaultDataDir(): string {
  if (process.env.LOOKOUT_DATA_DIR) return process.env.LOOKOUT_DATA_DIR
  const base = process.env.XDG_CONFIG_HOME || join(homedir(), '.config')
  return join(base, 'lookout')
}

/** The built renderer, next to the built CLI (out/main/cli.js -> out/renderer). */
export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [join(here, '../renderer'), join(here, '../../../out/renderer')]
  for (const c of candidates) if (existsSync(join(c, 'index.html'))) return c
  throw new Error(`the built renderer was not found (looked in ${candidates.join(', ')}); run: npm run build`)
}
