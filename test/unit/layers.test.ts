import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '../..')

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx|js|mjs|cjs)$/.test(name) ? [p] : []
  })
}

const IMPORTS_ELECTRON = /(?:from\s+['"]electron(?:\/[^'"]*)?['"]|require\(\s*['"]electron['"]\s*\)|import\(\s*['"]electron['"]\s*\))/

describe('layers', () => {
  const all = files(join(root, 'src')).map((f) => relative(root, f).split('\\').join('/'))

  it('imports electron only in src/main/shell and src/preload', () => {
    const offenders = all.filter(
      (f) => !f.startsWith('src/main/shell/') && !f.startsWith('src/preload/') && IMPORTS_ELECTRON.test(readFileSync(join(root, f), 'utf8'))
    )
    expect(offenders).toEqual([])
  })

  it('the detector itself catches each import form', () => {
    for (const line of [
      "import { app } from 'electron'",
      'const e = require("electron")',
      "await import('electron')",
      "import type { IpcMain } from 'electron/main'"
    ])
      expect(IMPORTS_ELECTRON.test(line)).toBe(true)
    expect(IMPORTS_ELECTRON.test("import x from 'electron-vite'")).toBe(false)
  })

  it('keeps the core and the shared declarations free of the shell and the renderer', () => {
    const upward = all
      .filter((f) => f.startsWith('src/main/core/') || f.startsWith('src/shared/'))
      .filter((f) => /from\s+['"][^'"]*\/(shell|renderer|preload)\//.test(readFileSync(join(root, f), 'utf8')))
    expect(upward).toEqual([])
  })

  it('keeps the core free of what is built on it: the CLI, serve, the harness and the demo', () => {
    const IMPORTS_UPWARD = /from\s+['"](?:\.\.\/)+(?:cli|serve|harness|demo)(?:\/|['"])/
    expect(IMPORTS_UPWARD.test("import { x } from '../../cli/one-shot'")).toBe(true)
    expect(IMPORTS_UPWARD.test("import { x } from '../serve'")).toBe(true)
    expect(IMPORTS_UPWARD.test("import { x } from './redis/cluster'")).toBe(false)
    const upward = all.filter((f) => f.startsWith('src/main/core/')).filter((f) => IMPORTS_UPWARD.test(readFileSync(join(root, f), 'utf8')))
    expect(upward).toEqual([])
  })

  it('keeps Node out of the renderer', () => {
    const offenders = all.filter(
      (f) => f.startsWith('src/renderer/') && /from\s+['"](node:|fs|path|child_process)['"]/.test(readFileSync(join(root, f), 'utf8'))
    )
    expect(offenders).toEqual([])
  })
})
