import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The Electron binary, when it was downloaded. Requiring `electron` from Node gives its path,
 * and throws when the binary never arrived (as on machines without internet).
 */
export function electronBinary(): string | null {
  try {
    const p = createRequire(import.meta.url)('electron') as unknown
    return typeof p === 'string' && existsSync(p) ? p : null
  } catch {
    return null
  }
}

export function canOpenWindow(): boolean {
  if (process.platform !== 'linux') return true
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}

/** Opens the desktop app on a profile handed over in the environment (never on disk). */
export function launchElectron(binary: string, env: Record<string, string>): ChildProcess {
  const appDir = join(dirname(fileURLToPath(import.meta.url)), '../..')
  return spawn(binary, [appDir], { stdio: 'inherit', env: { ...process.env, ...env } })
}
