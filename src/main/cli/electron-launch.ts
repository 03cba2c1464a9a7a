import { spawn, type ChildProcess } from 'node:child_process'
import { createRequire } from 'node:module'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The Electron binary, when it was downloaded. Found from the package's path.txt and dist/, not
 * by requiring `electron`: that tries to download a missing binary, which fails (or hangs) on a
 * machine without internet.
 */
export function electronBinary(packageDir?: string): string | null {
  let pkgDir: string
  try {
    pkgDir = packageDir ?? dirname(createRequire(import.meta.url).resolve('electron/package.json'))
  } catch {
    return null
  }
  const pathFile = join(pkgDir, 'path.txt')
  if (!existsSync(pathFile)) return null
  const rel = readFileSync(pathFile, 'utf8').trim()
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkgDir, 'dist')
  const full = join(dist, rel)
  return rel && existsSync(full) ? full : null
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
