import { describe, expect, it } from 'vitest'
import { formatFromContentType, parseExposition } from '../../../src/main/core/prometheus/exposition/parser'
import { parseFloatToken } from '../../../src/main/core/prometheus/exposition/numbers'
import { ExpositionError } from '../../../src/main/core/prometheus/exposition/types'
import { seededRandom } from '../../helpers/prng'

const text = (s: string) => parseExposition(s, 'text')
/** A sample as JSON carries it: labels decoded. */
const plain = (x: unknown) => JSON.parse(JSON.stringify(x))
const om = (s: string) => parseExposition(s, 'openmetrics')

function errorOf(fn: () => unknown): ExpositionError {
  try {
    fn()
  } catch (e) {
    if (e instanceof ExpositionError) return e
    throw e
  }
  throw new Error('expected an ExpositionError')
}

describe('values follow Go, not JavaScript', () => {
  it.each([
    ['1', 1],
    ['-1.5e3', -1500],
    ['.5', 0.5],
    ['5.', 5],
    ['+Inf', Infinity],
    ['-inf', -Infinity],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['nan', NaN],
    ['0001.20', 1.2]
  ])('%s is %d in both formats', (tok, v) => {
    expect(parseFloatToken(tok, true)).toBe(v)
    expect(parseFloatToken(tok, false)).toBe(v)
  })
  it.each(['', ' 1', '1 ', '0x10', '0b1', '1_000', '1e', 'e1', '.', '+', 'Infinit', '+NaN', '1,5'])('%j is not a number', (tok) => {
    expect(parseFloatToken(tok, true)).toBeUndefined()
  })
  it('neither format takes hexadecimal floats: Go reads them, the Prometheus server refuses them ("unsupported character in float", 2.42)', () => {
    for (const tok of ['0x1p-3', '-0x1.8p1', '0x10']) {
      expect(parseFloatToken(tok, false)).toBeUndefined()
      expect(parseFloatToken(tok, true)).toBeUndefined()
    }
  })
})

describe('text 0.0.4', () => {
  it('reads families, types, help, labels and values', () => {
    const page = text(
      [
        '# HELP http_requests_total Requests served.',
        '# TYPE http_requests_total counter',
        'http_requests_total{method="GET",code="200"} 1027 1395066363000',
        'http_requests_total{method="POST",code="500"} 3',
        '# A free comment',
        'orphan 7',
        ''
      ].join('\n')
    )
    expect(page.sampleCount).toBe(3)
    expect(page.families.map((f) => [f.name, f.type, f.samples.length])).toEqual([
      ['http_requests_total', 'counter', 2],
      ['orphan', 'untyped', 1]
    ])
    expect(page.families[0]!.help).toBe('Requests served.')
    expect(plain(page.families[0]!.samples[0])).toEqual({
      name: 'http_requests_total',
      labels: { method: 'GET', code: '200' },
      value: 1027,
      timestampMs: 1395066363000
    })
  })

  it('is as lenient as Prometheus: tabs, blank runs, blanks in braces, trailing comma, blank lines, empty HELP', () => {
    const page = text('# HELP a\n# TYPE a gauge\n\n  a\t{ x = "1" , y="2", }\t  3.5   \n\n')
    expect(page.families[0]!.help).toBe('')
    expect(plain(page.families[0]!.samples[0])).toEqual({ name: 'a', labels: { x: '1', y: '2' }, value: 3.5 })
  })

  it('groups histogram and summary samples under their family', () => {
    const page = text(
      '# TYPE rpc histogram\nrpc_bucket{le="0.1"} 1\nrpc_bucket{le="+Inf"} 2\nrpc_sum 0.3\nrpc_count 2\n# TYPE q summary\nq{quantile="0.5"} 1\nq_sum 3\nq_count 4\n'
    )
    expect(page.families.map((f) => [f.name, f.type, f.samples.map((s) => s.name)])).toEqual([
      ['rpc', 'histogram', ['rpc_bucket', 'rpc_bucket', 'rpc_sum', 'rpc_count']],
      ['q', 'summary', ['q', 'q_sum', 'q_count']]
    ])
  })

  it('unescapes label values and HELP as Prometheus does', () => {
    const page = text('# HELP m a\\\\b\\nc \\"kept\\"\nm{p="C:\\\\dir\\"x\\"\\nline"} 1\n')
    expect(page.families[0]!.help).toBe('a\\b\nc \\"kept\\"')
    expect(page.families[0]!.samples[0]!.labels.p).toBe('C:\\dir"x"\nline')
  })

  it('keeps a label named __proto__ as data', () => {
    const s = text('m{__proto__="x"} 1\n').families[0]!.samples[0]!
    expect(Object.keys(s.labels)).toEqual(['__proto__'])
    expect(s.labels.__proto__).toBe('x')
    expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype)
  })

  it('refuses CRLF pages, as the Prometheus server does (invalid metric type "gauge\\r", measured on 2.42)', () => {
    expect(errorOf(() => text('# TYPE a gauge\r\na 1\r\n')).message).toBe(
      'line 1, column 15: a carriage return ends the line (CRLF line endings): Prometheus refuses the page; write \\n line endings'
    )
    expect(errorOf(() => text('a 1\nb 2\r\n')).message).toMatch(/^line 2, column 4: a carriage return ends the line/)
  })

  it('says where a broken line is and what was expected', () => {
    expect(errorOf(() => text('a 1\nb{x="1" 2\n')).message).toBe('line 2, column 9: expected "," or "}" after a label, found "2"')
    expect(errorOf(() => text('a 1\nb 1 12.5\n')).message).toBe(
      'line 2, column 5: expected a timestamp (integer milliseconds), found "12.5"'
    )
    expect(errorOf(() => text('a one\n')).message).toBe('line 1, column 3: expected a number, found "one"')
    expect(errorOf(() => text('a\n')).message).toBe('line 1, column 2: expected a blank before the value, found the end of the line')
    expect(errorOf(() => text('# TYPE a gauge\n# TYPE a counter\n')).message).toBe('line 2, column 8: second # TYPE line for "a"')
    expect(errorOf(() => text('# TYPE a speedometer\n')).message).toMatch(/^line 1, column 10: unknown type "speedometer"/)
    expect(errorOf(() => text('a{x="1} 2\n')).message).toBe('line 1, column 5: the value of the label "x" has no closing quote')
  })
})

describe('OpenMetrics', () => {
  it('normalises timestamps from seconds to milliseconds', () => {
    const s = om('# TYPE a gauge\na 1 1700000000.25\n# EOF\n').families[0]!.samples[0]!
    expect(s.timestampMs).toBe(1700000000250)
  })

  it('reads exemplars, units and stateset/info families', () => {
    const page = om(
      [
        '# TYPE rq_seconds histogram',
        '# UNIT rq_seconds seconds',
        'rq_seconds_bucket{le="0.1"} 1 # {trace_id="abc"} 0.05 1700000000',
        'rq_seconds_bucket{le="+Inf"} 2',
        'rq_seconds_count 2',
        'rq_seconds_sum 0.2',
        '# TYPE feature stateset',
        'feature{feature="a"} 1',
        'feature{feature="b"} 0',
        '# TYPE build info',
        'build_info{version="1.2"} 1',
        '# EOF'
      ].join('\n')
    )
    expect(page.families.map((f) => [f.name, f.type, f.unit])).toEqual([
      ['rq_seconds', 'histogram', 'seconds'],
      ['feature', 'stateset', null],
      ['build', 'info', null]
    ])
    expect(page.families[0]!.samples[0]!.exemplar).toEqual({ labels: { trace_id: 'abc' }, value: 0.05, timestampMs: 1700000000000 })
  })

  it('keeps uint64 counters as numbers', () => {
    expect(om('# TYPE a counter\na_total 18446744073709551615\n# EOF\n').families[0]!.samples[0]!.value).toBe(2 ** 64)
  })

  it('rejects what text 0.0.4 allows', () => {
    expect(() => om('a\t1\n# EOF\n')).toThrow(ExpositionError)
    expect(() => om('a{x="1",} 1\n# EOF\n')).toThrow(/expected a label name/)
    expect(() => om('# a comment\n# EOF\n')).toThrow(/allows no other comments/)
    expect(() => om('a 1\n')).toThrow(/must end with "# EOF"/)
  })

  it('checks +Inf == _count, cumulative buckets and increasing le', () => {
    expect(errorOf(() => om('# TYPE h histogram\nh_bucket{le="1"} 3\nh_bucket{le="+Inf"} 3\nh_count 4\nh_sum 1\n# EOF\n')).message).toBe(
      'line 2, column 1: h (the group starting on line 2): _count is 4 but the +Inf bucket is 3'
    )
  })
})

describe('format selection', () => {
  it('takes OpenMetrics only when the Content-Type says so', () => {
    expect(formatFromContentType('application/openmetrics-text; version=1.0.0; charset=utf-8')).toBe('openmetrics')
    expect(formatFromContentType('text/plain; version=0.0.4')).toBe('text')
    expect(formatFromContentType(null)).toBe('text')
  })
})

describe('fuzz: mutated pages never crash or hang', () => {
  const seeds = [
    '# HELP a help\n# TYPE a histogram\na_bucket{le="1",x="y"} 1 # {t="1"} 0.5 1\na_bucket{le="+Inf",x="y"} 2\na_count{x="y"} 2\na_sum{x="y"} 3\n# EOF\n',
    '# TYPE c counter\nc_total{a="b\\"c\\n"} 1 1.5\n# TYPE s summary\ns{quantile="0.9"} 1\ns_sum 1\ns_count 1\n# EOF\n',
    '# TYPE g gauge\ng{a="1"} -Inf\tstuff\ng 1 123\n'
  ]
  // A small deterministic generator, so a failure reproduces.
  const rnd = seededRandom(42).int
  const alphabet = ' \t\n#{}="\\,.+-_:aeINf019xp'

  it('throws only ExpositionError, with a line and column inside the page, for 20,000 mutations', () => {
    let parsed = 0
    let rejected = 0
    for (let i = 0; i < 20_000; i++) {
      let s = seeds[i % seeds.length]!
      for (let k = 0, n = 1 + rnd(4); k < n; k++) {
        const at = rnd(s.length + 1)
        const op = rnd(3)
        const ch = alphabet[rnd(alphabet.length)]!
        s =
          op === 0 ? s.slice(0, at) + ch + s.slice(at) : op === 1 ? s.slice(0, at) + s.slice(at + 1) : s.slice(0, at) + ch + s.slice(at + 1)
      }
      for (const format of ['text', 'openmetrics'] as const) {
        try {
          parseExposition(s, format)
          parsed++
        } catch (e) {
          if (!(e instanceof ExpositionError))
            throw new Error(`non-parse error on ${JSON.stringify(s)} (${format}): ${String(e)}`, { cause: e })
          expect(e.line).toBeLessThanOrEqual(s.split('\n').length + 1)
          expect(e.column).toBeGreaterThanOrEqual(1)
          rejected++
        }
      }
    }
    expect(parsed).toBeGreaterThan(0)
    expect(rejected).toBeGreaterThan(0)
  })
})

describe('many labels', () => {
  it('finds a repeated label name among more than 32 labels', () => {
    const names = Array.from({ length: 40 }, (_, i) => `l${i}`)
    const ok = `m{${names.map((n) => `${n}="v"`).join(',')}} 1\n`
    expect(Object.keys(JSON.parse(JSON.stringify(text(ok).families[0]!.samples[0])).labels)).toHaveLength(40)
    const dup = `m{${[...names, 'l37'].map((n) => `${n}="v"`).join(',')}} 1\n`
    expect(() => text(dup)).toThrow('line 1, column 313: the label "l37" appears twice in m')
  })

  it('a set of 150 labels after a small one reads the same when repeated, and a name repeated at its end is found', () => {
    const names = Array.from({ length: 150 }, (_, i) => `label_${i}`)
    const set = (ns: string[], v: string) => `{${ns.map((n) => `${n}="${v}"`).join(',')}}`
    const page = `m{a="1"} 0\nm${set(names, 'x')} 1\nm${set(names, 'y')} 2\n`
    const samples = text(page).families[0]!.samples
    expect(samples[2]!.labels).toEqual(Object.fromEntries(names.map((n) => [n, 'y'])))
    expect(() => text(`${page}m${set([...names, 'label_140'], 'z')} 3\n`)).toThrow(
      /^line 4, column \d+: the label "label_140" appears twice in m$/
    )
  })
})

describe('what a line shares with the lines before it is still checked', () => {
  it('a label set that repeats the previous one and then names one of its labels again is refused', () => {
    expect(() => text('m{a="1",b="2"} 1\nm{a="1",a="2"} 1\n')).toThrow('line 2, column 9: the label "a" appears twice in m')
    expect(() => text('m{a="1",b="2"} 1\nm{b="1",b="2"} 1\n')).toThrow('line 2, column 9: the label "b" appears twice in m')
    expect(() => text('m{a="1",b="2"} 1\nm{a="1",b="2",a="3"} 1\n')).toThrow('line 2, column 15: the label "a" appears twice in m')
  })

  it('a label name that only starts like the previous one is read whole', () => {
    const p = plain(text('m{ab="1"} 1\nm{a="2"} 2\nm{abc="3"} 3\nm{ab="4",c="5"} 4\n'))
    expect(p.families[0].samples.map((s: { labels: object }) => s.labels)).toEqual([
      { ab: '1' },
      { a: '2' },
      { abc: '3' },
      { ab: '4', c: '5' }
    ])
    expect(() => text('m{ab="1"} 1\nm{ab-="2"} 2\n')).toThrow(/line 2, column 5: expected "=" after the label name "ab"/)
  })

  it('a metric name that only starts like a recent one is its own sample name, in its own family', () => {
    const p = plain(
      text('# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 1\nh_sum 1\nh_count 1\nh_bucketx 2\nh_bucket{le="1"} 3\n')
    )
    expect(p.families.map((f: { name: string; samples: { name: string }[] }) => [f.name, f.samples.map((s) => s.name)])).toEqual([
      ['h', ['h_bucket', 'h_bucket', 'h_sum', 'h_count', 'h_bucket']],
      ['h_bucketx', ['h_bucketx']]
    ])
  })

  it('label sets that repeat, shrink, grow and rename from line to line read as written, duplicates refused', () => {
    // Names share prefixes, lengths and letters, and some are long, so a set compared with the one
    // before it must match on every character.
    const pool = ['a', 'b', 'ab', 'ba', 'aa', 'le', 'instance', 'instancf', 'x'.repeat(70), 'x'.repeat(69) + 'y', 'service_name']
    const rnd = seededRandom(5).int
    const sets: string[][] = []
    let names = ['a']
    while (sets.length < 3000) {
      const move = rnd(5)
      const next = [...names]
      if (move === 1 && next.length > 1) next.pop()
      else if (move === 2 && next.length < 8) next.push(pool[rnd(pool.length)]!)
      else if (move === 3) next[rnd(next.length)] = pool[rnd(pool.length)]!
      else if (move === 4) next.splice(0, next.length, ...Array.from({ length: 1 + rnd(6) }, () => pool[rnd(pool.length)]!))
      if (new Set(next).size !== next.length) continue
      sets.push((names = next))
    }
    const line = (set: string[], n: number) => `m{${set.map((name, i) => `${name}="v${n}-${i}"`).join(',')}} ${n}\n`
    const page = sets.map(line).join('')
    const samples = text(page).families[0]!.samples
    expect(samples).toHaveLength(sets.length)
    sets.forEach((set, n) => expect(samples[n]!.labels).toEqual(Object.fromEntries(set.map((name, i) => [name, `v${n}-${i}`]))))
    // A set that repeats the one before it and then names one of its labels again, at many points.
    for (let n = 1; n < sets.length; n += 97) {
      const dup = [...sets[n - 1]!, sets[n - 1]![rnd(sets[n - 1]!.length)]!]
      expect(() => text(sets.slice(0, n).map(line).join('') + line(dup, n))).toThrow(
        new RegExp(`^line ${n + 1}, column \\d+: the label "[^"]+" appears twice in m$`)
      )
    }
  })

  it('a set that repeats the one before it may still have blanks, a trailing comma or escapes (text 0.0.4)', () => {
    const page = [
      'm{a="1",b="2"} 0',
      'm{a="1", b="2"} 1',
      'm{a="1",b="2",} 2',
      'm{a="1" ,b="2"} 3',
      'm{a="1",b="2" } 4',
      'm{a="1",	b="2"	} 5',
      'm{a="1",b="x\\"y"} 6',
      'm{a="1",} 7',
      'm{a="1",b="2"} 8'
    ].join('\n')
    const labels = text(page + '\n').families[0]!.samples.map((x) => x.labels)
    const ab = { a: '1', b: '2' }
    expect(labels).toEqual([ab, ab, ab, ab, ab, ab, { a: '1', b: 'x"y' }, { a: '1' }, ab])
  })

  it('a set that repeats the start of the one before it is read and checked like any other', () => {
    const p = text('m{a="1",b="2",c="3"} 1\nm{a="1",b="2"} 2\nm{a="1",b="2",c="3"} 3\n')
    expect(p.families[0]!.samples.map((x) => x.labels)).toEqual([
      { a: '1', b: '2', c: '3' },
      { a: '1', b: '2' },
      { a: '1', b: '2', c: '3' }
    ])
    expect(() => text('m{a="1",b="2",c="3"} 1\nm{a="1",b="2"} 2\nm{a="1",b="2",b="3"} 3\n')).toThrow(
      'line 3, column 15: the label "b" appears twice in m'
    )
    expect(() => text('m{a="1",b="2"} 1\nm{a="1",b="2} 2\n')).toThrow('line 2, column 11: the value of the label "b" has no closing quote')
    expect(() => om('# TYPE m gauge\nm{a="1",b="2"} 1\nm{a="1",} 2\n# EOF\n')).toThrow('line 3, column 9: expected a label name, found "}"')
    expect(() => om('# TYPE m gauge\nm{a="1",b="2"} 1\nm{a="1", b="2"} 2\n# EOF\n')).toThrow(
      'line 3, column 9: expected a label name, found a space'
    )
  })

  it('recent names of the same length and last letter are told apart by every letter', () => {
    // xa and ya are both recent on the last lines: each must keep its own family, and a name
    // that matches neither in the middle (za) starts a third.
    const p = plain(text('xa 1\nya 1\nxa 2\nya 2\nxa 3\nza 1\nxa 4\n'))
    expect(p.families.map((f: { name: string; samples: { value: number }[] }) => [f.name, f.samples.map((s) => s.value)])).toEqual([
      ['xa', [1, 2, 3, 4]],
      ['ya', [1, 2]],
      ['za', [1]]
    ])
    const long = (c: string) => `http_requests_${c}_total`
    const q = plain(text(`${long('a')} 1\n${long('b')} 1\n${long('a')} 2\n${long('b')} 2\n`))
    expect(q.families.map((f: { name: string; samples: unknown[] }) => [f.name, f.samples.length])).toEqual([
      [long('a'), 2],
      [long('b'), 2]
    ])
  })

  it('a family declared between two lines of the same name takes the lines after it', () => {
    const p = plain(text('# TYPE h summary\nh_count 1\n# TYPE h_count gauge\nh_count 2\n'))
    expect(
      p.families.map((f: { name: string; type: string; samples: { value: number }[] }) => [f.name, f.type, f.samples.map((s) => s.value)])
    ).toEqual([
      ['h', 'summary', [1]],
      ['h_count', 'gauge', [2]]
    ])
  })
})

describe('decimal values read without a string', () => {
  it('give exactly the double Number() gives, -0 included, for thousands of plain decimals', () => {
    const rnd = seededRandom(11).int
    const digits = (n: number) => Array.from({ length: n }, () => String(rnd(10))).join('')
    const tokens: string[] = [
      '0',
      '-0',
      '-0.0',
      '+0',
      '1.',
      '.5',
      '007',
      '1e22',
      '1e-22',
      '9e+0',
      '123456789012345',
      '1234567890123456',
      '0.000001'
    ]
    for (let k = 0; k < 5000; k++) {
      const sign = ['', '-', '+'][rnd(3)]!
      const int = digits(rnd(12))
      const frac = rnd(2) ? `.${digits(rnd(12))}` : ''
      const exp = rnd(3) === 0 ? `${['e', 'E'][rnd(2)]}${['', '-', '+'][rnd(3)]}${rnd(30)}` : ''
      if (!int && (frac === '' || frac === '.')) continue
      tokens.push(sign + int + frac + exp)
    }
    const page = tokens.map((t, i) => `m{i="${i}"} ${t}`).join('\n') + '\n'
    const values = text(page).families[0]!.samples.map((s) => s.value)
    tokens.forEach((t, i) => expect([t, Object.is(values[i], Number(t))]).toEqual([t, true]))
  })
})
