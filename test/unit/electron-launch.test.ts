import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { electronBinary } from '../../src/main/cli/electron-launch'
import { tempDir } from '../helpers/temp'

describe('electronBinary', () => {
  it('is null when the binary never downloaded (no path.txt), without trying to download it', () => {
    const pkg = tempDir()
    writeFileSync(join(pkg, 'package.json'), '{}')
    expect(electronBinary(pkg)).toBeNull()
  })

  it('is null when path.txt names a binary that is not there', () => {
    const pkg = tempDir()
    writeFileSync(join(pkg, 'path.txt'), 'electron')
    expect(electronBinary(pkg)).toBeNull()
  })

  it('finds the downloaded binary from path.txt and dist/', () => {
    const pkg = tempDir()
    mkdirSync(join(pkg, 'dist'))
    writeFileSync(join(pkg, 'dist', 'electron'), '')
    writeFileSync(join(pkg, 'path.txt'), 'electron')
    expect(electronBinary(pkg)).toBe(join(pkg, 'dist', 'electron'))
  })
})
