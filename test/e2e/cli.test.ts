import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp'
import { ROOT } from './browser'

function lookout(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/lookout.js'), ...args], { input, encoding: 'utf8', cwd: ROOT })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('the built lookout command', () => {
  it('lints a page from standard input', () => {
    expect(lookout(['metrics', 'lint', '-'], '# TYPE up gauge\nup{job="x"} 1\n')).toEqual({
      code: 0,
      stdout: '<stdin>: valid Prometheus text 0.0.4: 1 families, 1 samples\n',
      stderr: ''
    })
  })

  it('lints a file and exits 1 with file:line:column', () => {
    const file = join(tempDir(), 'bad.prom')
    writeFileSync(file, '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\n# EOF\n')
    const r = lookout(['metrics', 'lint', file])
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(
      `${file}:3:1: bucket le="+Inf" counts 1, fewer than the bucket before it (2): buckets are cumulative (OpenMetrics 1.0)\n`
    )
  })

  it('refuses an unknown format and prints help for each subcommand', () => {
    expect(lookout(['metrics', 'lint', '--format', 'xml', '-'], '').code).not.toBe(0)
    for (const cmd of [['serve'], ['demo'], ['metrics', 'lint']]) {
      const r = lookout([...cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^Usage: lookout /)
    }
  })
})
