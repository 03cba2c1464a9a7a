import { describe, expect, it } from 'vitest'
import { detectFormat, lintPage } from '../../../src/main/cli/metrics-lint'

function run(page: string, format: 'auto' | 'text' | 'openmetrics' = 'auto', json = false) {
  let out = ''
  let err = ''
  const code = lintPage(page, { source: 'page.prom', format, json }, { out: (t) => (out += t), err: (t) => (err += t) })
  return { code, out, err }
}

describe('lookout metrics lint', () => {
  it('detects OpenMetrics by its # EOF', () => {
    expect(detectFormat('a 1\n# EOF\n')).toBe('openmetrics')
    expect(detectFormat('a 1\n# EOF')).toBe('openmetrics')
    expect(detectFormat('a 1\n')).toBe('text')
  })

  it('exits 0 and summarises a valid page', () => {
    expect(run('# TYPE a gauge\na 1\nb{x="y"} 2\n')).toEqual({
      code: 0,
      out: 'page.prom: valid Prometheus text 0.0.4: 2 families, 2 samples\n',
      err: ''
    })
  })

  it('exits 1 with file:line:column and the reason', () => {
    expect(run('a 1\nb{x="1"} two\n')).toEqual({ code: 1, out: '', err: 'page.prom:2:10: expected a number, found "two" (text 0.0.4)\n' })
    expect(run('a 1\n', 'openmetrics').err).toBe('page.prom:2:1: an OpenMetrics page must end with "# EOF" (OpenMetrics 1.0)\n')
  })

  it('prints the parsed families with --json, labels decoded', () => {
    const { code, out } = run('# TYPE a counter\na_total{k="v"} 3\n# EOF\n', 'auto', true)
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual({
      format: 'openmetrics',
      sampleCount: 1,
      families: [{ name: 'a', type: 'counter', help: null, unit: null, samples: [{ name: 'a_total', labels: { k: 'v' }, value: 3 }] }]
    })
  })
})
