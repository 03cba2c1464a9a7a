import { describe, expect, it } from 'vitest'
import { detectFormat, lintPage } from '../../../src/main/cli/metrics-lint'

function run(page: string, format: 'auto' | 'text' | 'openmetrics' = 'auto', json = false, strict = false) {
  let out = ''
  let err = ''
  const code = lintPage(page, { source: 'page.prom', format, json, strict }, { out: (t) => (out += t), err: (t) => (err += t) })
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
    expect(run('a 1\nb{x="1"} two\n')).toEqual({
      code: 1,
      out: '',
      err: 'page.prom:2:10: error: expected a number, found "two" (text 0.0.4)\n'
    })
    expect(run('a 1\n', 'openmetrics').err).toBe('page.prom:2:1: error: an OpenMetrics page must end with "# EOF" (OpenMetrics 1.0)\n')
  })

  it('warns where the written format is broken but Prometheus takes the page (exit 0), and fails on it with --strict', () => {
    const page = '# HELP a one\n# HELP a two\na 1\n# TYPE a gauge\n'
    expect(run(page)).toEqual({
      code: 0,
      out: 'page.prom: valid Prometheus text 0.0.4 for Prometheus, with 2 warning(s): 1 families, 1 samples\n',
      err:
        'page.prom:2:8: warning: second # HELP line for "a" (text 0.0.4; Prometheus takes it)\n' +
        'page.prom:4:8: warning: # TYPE for "a" comes after its samples (text 0.0.4; Prometheus takes it)\n'
    })
    expect(run(page, 'auto', false, true)).toEqual({
      code: 1,
      out: '',
      err: 'page.prom:2:8: error: second # HELP line for "a" (text 0.0.4)\n'
    })
    // An OpenMetrics family split in two: read as one, as Prometheus does; an error when strict.
    const split = '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\n# TYPE a gauge\n# EOF\n'
    expect(run(split).code).toBe(0)
    expect(run(split).err).toMatch(/^page\.prom:5:8: warning: the family "a" already appeared above/)
    expect(run(split, 'auto', false, true).code).toBe(1)
  })

  it('errs where Prometheus refuses: a __name__ label, a byte order mark; takes "}-Inf" with no blank', () => {
    expect(run('metric{__name__="bla"} 3.14\n').err).toBe(
      'page.prom:1:8: error: the label "__name__" names the metric, which is given before the braces: Prometheus refuses it (label name "__name__" is not unique) (text 0.0.4)\n'
    )
    expect(run('\ufeff# HELP a b\na 1\n').err).toBe(
      'page.prom:1:1: error: expected a metric name, found U+FEFF (a byte order mark; Prometheus refuses a page that starts with one) (text 0.0.4)\n'
    )
    expect(run('name2{ labelname = "val1" , }-Inf\n')).toMatchObject({
      code: 0,
      out: 'page.prom: valid Prometheus text 0.0.4: 1 families, 1 samples\n'
    })
    // Without braces a blank is still needed: the name would run into the value.
    expect(run('name2-Inf\n').code).toBe(1)
  })

  it('takes a raw line feed inside a text label value with a warning, as Prometheus does; counts lines after it', () => {
    const page = 'metric{label="new\nline"} 3.14\nnext{a="b"} 1\nbad two\n'
    expect(run('metric{label="new\nline"} 3.14\n', 'text').err).toBe(
      'page.prom:1:14: warning: a label value holds a raw line feed: Prometheus takes it, but the format asks for \\n (text 0.0.4; Prometheus takes it)\n'
    )
    // Lines are the file's: the error after the two-line sample is on line 4.
    expect(run(page, 'text').err).toBe('page.prom:4:5: error: expected a number, found "two" (text 0.0.4)\n')
    const { code, out } = run('metric{label="new\nline",x="y"} 3.14\nnext 1\n', 'text', true)
    expect(code).toBe(0)
    const parsed = JSON.parse(out) as { sampleCount: number; families: { samples: { labels: Record<string, string>; value: number }[] }[] }
    expect(parsed.sampleCount).toBe(2)
    expect(parsed.families[0]!.samples[0]).toMatchObject({ labels: { label: 'new\nline', x: 'y' }, value: 3.14 })
    expect(run('metric{label="new\nline"} 3.14\n', 'text', false, true).code).toBe(1)
    // OpenMetrics forbids it, and so does Prometheus's OpenMetrics parser; an unclosed quote stays an error.
    expect(run('metric{label="new\nline"} 3.14\n# EOF\n', 'openmetrics').code).toBe(1)
    expect(run('metric{label="never closed} 3.14\n', 'text').err).toMatch(
      /1:14: error: the value of the label "label" has no closing quote/
    )
  })

  it('OpenMetrics rules Prometheus does not check are warnings; the exemplar rule it does check stays an error', () => {
    // A histogram with no +Inf bucket and a _count without _sum: Prometheus stores every sample.
    const histogram = '# TYPE a histogram\na_bucket{le="1"} 1\na_count 1\n# EOF\n'
    expect(run(histogram)).toEqual({
      code: 0,
      out: 'page.prom: valid OpenMetrics 1.0 for Prometheus, with 2 warning(s): 1 families, 2 samples\n',
      err:
        'page.prom:2:1: warning: a (the group starting on line 2) has no le="+Inf" bucket (OpenMetrics 1.0; Prometheus takes it)\n' +
        'page.prom:2:1: warning: a (the group starting on line 2) needs both _count and _sum, or neither (OpenMetrics 1.0; Prometheus takes it)\n'
    })
    expect(run(histogram, 'auto', false, true).code).toBe(1)
    // Metadata after the samples, a second TYPE, timestamps going backwards: read past.
    expect(run('# TYPE a gauge\na 1 2\na 1 1\n# HELP a late\n# EOF\n').err).toBe(
      'page.prom:3:1: warning: timestamps of a{} go backwards (OpenMetrics 1.0; Prometheus takes it)\n' +
        'page.prom:4:8: warning: # HELP for "a" must come before its samples (OpenMetrics 1.0; Prometheus takes it)\n'
    )
    // Prometheus goes by the name: an exemplar on a gauge named a_bucket is taken, on a gauge named a refused.
    expect(run('# TYPE a_bucket gauge\na_bucket 1 # {a="b"} 0.5\n# EOF\n').code).toBe(0)
    expect(run('# TYPE a gauge\na 1 # {a="b"} 1\n# EOF\n')).toMatchObject({
      code: 1,
      err: 'page.prom:2:1: error: exemplars are allowed only on counter _total and histogram _bucket samples, not on a (gauge): Prometheus refuses it (does not support exemplars) (OpenMetrics 1.0)\n'
    })
  })

  it('prints the parsed families with --json, labels decoded', () => {
    const { code, out } = run('# TYPE a counter\na_total{k="v"} 3\n# EOF\n', 'auto', true)
    expect(code).toBe(0)
    expect(JSON.parse(out)).toEqual({
      format: 'openmetrics',
      sampleCount: 1,
      families: [{ name: 'a', type: 'counter', help: null, unit: null, samples: [{ name: 'a_total', labels: { k: 'v' }, value: 3 }] }],
      warnings: []
    })
  })
})
