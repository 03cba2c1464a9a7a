import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp'
import { ROOT } from './browser'

function lookout(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/lookout.js'), ...args], { input, encoding: 'utf8', cwd: ROOT })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** What a built module imports when it loads (static imports only), followed through the bundle's own chunks. */
function loadedAtStart(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen
  seen.add(file)
  const code = readFileSync(join(ROOT, 'out/main', file), 'utf8')
  for (const m of code.matchAll(/^import\s[^;]*?from\s*"([^"]+)"|^import\s*"([^"]+)"/gm)) {
    const spec = (m[1] ?? m[2])!
    if (spec.startsWith('./')) loadedAtStart(spec.slice(2), seen)
    else seen.add(spec)
  }
  return seen
}

describe('the built lookout command', () => {
  it('loads a command’s code only when it runs: the entry and the lint and plan-file commands load no core, driver or server', () => {
    const heavy = ['pg', 'ioredis', 'better-sqlite3', 'ws', 'prom-client', 'node:http']
    const entry = loadedAtStart('cli.js')
    expect([...entry].filter((m) => heavy.includes(m) || /^core-/.test(m))).toEqual([])
    const chunk = (prefix: string) => readdirSync(join(ROOT, 'out/main')).find((f) => f.startsWith(prefix))!
    for (const command of ['metrics-lint-', 'explain-command-']) {
      const loaded = loadedAtStart(chunk(command))
      // zod too: the API's schemas alone add about 100 ms to a start (measured by bench cli-start).
      expect(
        [...loaded].filter((m) => heavy.includes(m) || m === 'zod' || /^(core|one-shot)-/.test(m)),
        command
      ).toEqual([])
    }
    // ... and the commands that need the core do load it.
    expect([...loadedAtStart(chunk('one-shot-'))].some((m) => /^core-/.test(m))).toBe(true)
  })

  it('lints a page from standard input', () => {
    expect(lookout(['metrics', 'lint', '-'], '# TYPE up gauge\nup{job="x"} 1\n')).toEqual({
      code: 0,
      stdout: '<stdin>: valid Prometheus text 0.0.4: 1 families, 1 samples\n',
      stderr: ''
    })
  })

  it('lints a file: a warning where Prometheus takes the page (exit 0), an error with --strict (exit 1), FILE:LINE:COLUMN: level', () => {
    const file = join(tempDir(), 'bad.prom')
    writeFileSync(file, '# TYPE h histogram\nh_bucket{le="1"} 2\nh_bucket{le="+Inf"} 1\n# EOF\n')
    const r = lookout(['metrics', 'lint', file])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(
      `${file}:3:1: warning: bucket le="+Inf" counts 1, fewer than the bucket before it (2): buckets are cumulative (OpenMetrics 1.0; Prometheus takes it)\n`
    )
    const strict = lookout(['metrics', 'lint', '--strict', file])
    expect(strict.code).toBe(1)
    expect(strict.stderr).toBe(
      `${file}:3:1: error: bucket le="+Inf" counts 1, fewer than the bucket before it (2): buckets are cumulative (OpenMetrics 1.0)` +
        '; the page ends with "# EOF", so it was read as OpenMetrics: read as text 0.0.4 (--format text) it is valid\n'
    )
    // What Prometheus refuses is an error either way: invalid UTF-8 in a label value, located.
    writeFileSync(file, Buffer.concat([Buffer.from('a 1\nb{l="x'), Buffer.from([0xff]), Buffer.from('"} 1\n')]))
    expect(lookout(['metrics', 'lint', file])).toMatchObject({
      code: 1,
      stderr: `${file}:2:7: error: byte 0xFF is not valid UTF-8: Prometheus refuses a page with invalid UTF-8 in a label value or HELP text\n`
    })
  })

  it('refuses an unknown format and prints help for each subcommand', () => {
    expect(lookout(['metrics', 'lint', '--format', 'xml', '-'], '').code).not.toBe(0)
    for (const cmd of [['serve'], ['demo'], ['metrics', 'lint']]) {
      const r = lookout([...cmd, '--help'])
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/^Usage: lookout /)
    }
  })

  it('history info says where the history is on a fresh data directory; prune asks what and confirmation', () => {
    const dataDir = tempDir()
    const info = lookout(['history', 'info', '--data-dir', dataDir])
    expect(info.code).toBe(0)
    expect(info.stdout).toContain(join(dataDir, 'history.db'))
    expect(info.stdout).toMatch(/retention: raw points 24 h, 1-minute 14 d, 15-minute 90 d/)
    expect(info.stdout).toMatch(/no history yet/)
    const what = lookout(['history', 'prune', '--data-dir', dataDir])
    expect(what.code).toBe(2)
    expect(what.stderr).toMatch(/say what to delete: --older-than AGE, or --all/)
    const unconfirmed = lookout(['history', 'prune', '--older-than', '7d', '--data-dir', dataDir])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toMatch(/needs confirmation: send "confirm" \(add --yes/)
    const pruned = lookout(['history', 'prune', '--older-than', '7d', '--yes', '--data-dir', dataDir])
    expect(pruned).toMatchObject({ code: 0, stdout: expect.stringMatching(/^deleted \d+ row\(s\);/) })
  })
})
