import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { figures } from '../../src/main/core/reports/gather'
import { reportFileName, secretForms } from '../../src/main/core/reports/handlers'
import type { ReportData, WindowFigures } from '../../src/main/core/reports/model'
import { recommend } from '../../src/main/core/reports/recommend'
import { renderReport, reportCsp, sectionIds } from '../../src/main/core/reports/render'
import { REPORT_CSS } from '../../src/main/core/reports/style'
import { lineChart, perPixel, relativePath } from '../../src/main/core/reports/svg'
import { anonymiser, anonymiseSql, MAX_TEXT_CHARS, text } from '../../src/main/core/reports/text'
import type { PgStatement } from '../../src/shared/postgres'

const T0 = Date.UTC(2026, 11, 2, 10, 0)
const HOUR = 3_600_000

function statement(query: string, totalMs: number, calls: number): PgStatement {
  return {
    key: query,
    queryid: String(query.length),
    query,
    user: 'app',
    database: 'shop',
    calls,
    callsPerSec: calls / 3600,
    totalMs,
    meanMs: totalMs / calls,
    rows: calls,
    sharedHit: 0,
    sharedRead: 0,
    tempBlocks: 0,
    stddevMs: 1,
    maxMs: null,
    history: []
  }
}

function window(from: number, statements: PgStatement[] = [], hit = 95): WindowFigures {
  const t = Array.from({ length: 60 }, (_, i) => from + i * 60_000)
  const v = Float64Array.from(t, (_, i) => (i === 30 ? 5 : hit))
  return {
    range: { from, to: from + HOUR },
    series: [
      {
        targetId: 'redis',
        seriesId: 'redis:hitrate',
        label: 'Hit rate',
        unit: '%',
        source: 'history',
        chart: { name: 'Hit rate', t, avg: v, min: v, max: v },
        ...figures(v, v, v)
      }
    ],
    statements: statements.length
      ? [
          {
            targetId: 'postgres',
            top: statements,
            count: statements.length,
            totalMs: statements.reduce((a, s) => a + s.totalMs, 0),
            calls: 100,
            windowS: 3600
          }
        ]
      : [],
    endpoints: []
  }
}

function data(over: Partial<ReportData> = {}): ReportData {
  const d: ReportData = {
    profile: { name: 'shop', environment: 'prod', production: true, readOnly: false },
    generatedAt: T0 + HOUR,
    lookoutVersion: 'test',
    anonymised: false,
    targets: [
      { id: 'postgres', kind: 'postgres', endpoint: 'db:5432/shop' },
      { id: 'redis', kind: 'redis', endpoint: 'redis://cache:6379/0' }
    ],
    versions: [],
    main: window(T0, [statement('SELECT * FROM orders WHERE customer_id = $1', 6000, 100), statement('SELECT 1', 100, 50)]),
    before: null,
    comparison: false,
    sources: ['history'],
    warnings: [],
    availability: [],
    findings: [],
    alerts: [],
    actions: [],
    statementJumps: [],
    plans: [],
    slowlog: null,
    prometheusDown: null,
    recommendations: [],
    ...over
  }
  d.recommendations = recommend(d)
  return d
}

describe('untrusted text in a report', () => {
  it('is escaped, its invisible and direction characters shown by code point, and a long one cut with its length', () => {
    expect(text('</script><img src=x onerror="a()">&')).toBe('&lt;/script&gt;&lt;img src=x onerror=&quot;a()&quot;&gt;&amp;')
    expect(text('abc\u202Egnp.exe')).toBe('abc<span class="cp">[U+202E]</span>gnp.exe')
    expect(text('\ufeffx\u0007')).toBe('<span class="cp">[U+FEFF]</span>x<span class="cp">[U+0007]</span>')
    const long = 'x'.repeat(MAX_TEXT_CHARS + 5)
    expect(text(long)).toBe(`${'x'.repeat(MAX_TEXT_CHARS)}<span class="cut">… (605 characters)</span>`)
  })

  it('anonymised: SQL literals, comments, key names and label values replaced; identifiers and parameters kept', () => {
    expect(anonymiseSql("SELECT * FROM t1 WHERE a = 'x''y' AND b = 42 AND c = $1 AND d = -3.5e2 /* user bob */ -- id 7")).toBe(
      'SELECT * FROM t1 WHERE a = ? AND b = ? AND c = $1 AND d = ? /* … */ -- …'
    )
    expect(anonymiseSql("SELECT $$secret body$$, E'esc'")).toBe('SELECT ?, ?')
    const a = anonymiser(true, 'salt')
    expect(a.key('session:alice')).toMatch(/^key_[0-9a-f]{8}$/)
    expect(a.key('session:alice')).toBe(a.key('session:alice'))
    expect(a.key('session:alice')).not.toBe(anonymiser(true, 'other').key('session:alice'))
    expect(a.free('user "alice" waited 12 s')).toBe('user "…" waited ? s')
    expect(anonymiser(false, 's').sql("a = 'x'")).toBe("a = 'x'")
  })
})

describe('charts', () => {
  it('reduce a series to one column per pixel, keeping a one-point spike and the mean of each column', () => {
    const n = 3600
    const t = Array.from({ length: n }, (_, i) => T0 + i * 1000)
    const v = Float64Array.from(t, (_, i) => (i === 1234 ? 1000 : 10))
    const c = perPixel({ name: 's', t, avg: v, min: v, max: v }, T0, T0 + n * 1000, 600)
    expect(c.avg.length).toBe(600)
    expect(Math.max(...c.max)).toBe(1000)
    // The spike's column: mean of its six points, the extremes kept.
    const col = Math.floor((1234 / n) * 600)
    expect(c.avg[col]).toBeCloseTo((5 * 10 + 1000) / 6, 9)
    expect(c.min[col]).toBe(10)
  })

  it('draw a line through sparse points, break it where nothing was stored, and say when the window is empty', () => {
    const t = [
      ...Array.from({ length: 10 }, (_, i) => T0 + i * 60_000),
      ...Array.from({ length: 10 }, (_, i) => T0 + 40 * 60_000 + i * 60_000)
    ]
    const v = Float64Array.from(t, () => 3)
    const svg = lineChart({ title: 'x', unit: '', from: T0, to: T0 + HOUR, series: [{ name: 'x', t, avg: v, min: v, max: v }] })
    expect(svg.match(/class="line s0"/g)).toHaveLength(2)
    expect(svg).not.toMatch(/<script|on\w+=/)
    expect(
      lineChart({ title: 'x <b>', unit: '', from: T0, to: T0 + HOUR, series: [{ name: 'x', t: [], avg: [], min: [], max: [] }] })
    ).toBe('<p class="empty">x &lt;b&gt;: no points in this window</p>')
    expect(
      relativePath([
        [1, 2],
        [1.5, 2],
        [2.04, 1.96]
      ])
    ).toBe('M10,20l5,0 5,0')
  })
})

describe('the report file', () => {
  it('allows its own stylesheet by hash and nothing else: no script, no request, no form', () => {
    const html = renderReport(data())
    const css = /<style>([\s\S]*)<\/style>/.exec(html)![1]!
    expect(css).toBe(REPORT_CSS)
    const csp = reportCsp(css)
    expect(csp).toBe(
      `default-src 'none'; style-src 'sha256-${createHash('sha256').update(css).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`
    )
    expect(html).toContain(`content="${csp.replace(/'/g, '&#39;')}"`)
    expect(html).not.toMatch(/<script|<link|<img|<iframe|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
    expect(sectionIds(html)).toEqual(['summary', 'postgres', 'redis', 'alerts', 'recommendations'])
  })

  it('shows a partial report’s warning first, and a comparison section only when asked', () => {
    const partial = renderReport(
      data({
        versions: [{ targetId: 'redis', kind: 'redis', version: null, error: 'connect ECONNREFUSED' }],
        warnings: ['redis could not be reached']
      })
    )
    expect(partial).toMatch(
      /<\/header>\n<div class="warning-box" id="warnings" role="alert"><h2>Partial report<\/h2><ul><li>redis could not be reached/
    )
    const before = window(T0 - HOUR, [statement('SELECT * FROM orders WHERE customer_id = $1', 60_000, 100)], 97)
    const cmp = renderReport(data({ before, comparison: true }))
    expect(sectionIds(cmp)).toContain('comparison')
    // The query's mean: 600 ms before, 60 ms after, a 90% drop.
    expect(cmp).toMatch(
      /orders WHERE customer_id = \$1<\/td><td class="num">600 ms<\/td><td class="num">60 ms<\/td><td class="num"><span class="better">▼ 90.0%<\/span>/
    )
    expect(sectionIds(renderReport(data({ before })))).not.toContain('comparison')
  })

  it('never carries a secret: the forms a secret could take are all looked for', () => {
    const forms = secretForms({
      postgres: 'p<a>ss&',
      redis: null,
      redisReplica: null,
      urls: { prometheus: 'https://u:s3cr%40t@prom:9090/', metrics: undefined } as never,
      metrics: new Map([['http://m/metrics', { url: 'http://m/metrics?token=tok-123', secret: 'bearer-xyz' }]])
    })
    expect(forms).toEqual(expect.arrayContaining(['p<a>ss&', 'p%3Ca%3Ess%26', 'p&lt;a&gt;ss&amp;', 's3cr@t', 'bearer-xyz', 'tok-123']))
    expect(reportFileName('prod/shop db', T0, false)).toBe('lookout-report-prod_shop_db-20261202-1000.html')
  })
})

describe('recommendations', () => {
  it('rank by severity, then what still hurts before where the time goes, caches and findings', () => {
    const d = data({
      alerts: [
        { title: 'ApiDown', severity: 'critical', targetId: null, firedAt: T0 + 10 * 60_000, resolvedAt: null, detail: null, acks: [] }
      ],
      findings: [
        { targetId: 'postgres', severity: 'warning', title: 'duplicate_index: a_idx', detail: 'drop it', firstSeen: T0, clearedAt: null }
      ]
    })
    expect(d.recommendations.map((r) => [r.severity, r.section])).toEqual([
      ['critical', 'Alerts'],
      ['warning', 'Postgres'],
      ['warning', 'Postgres']
    ])
    expect(d.recommendations[1]!.title).toBe('One statement takes 98% of the statement time on postgres')
    expect(d.recommendations[2]!.title).toBe('duplicate_index: a_idx')
    // The hit rate averaged 95%: above the threshold, nothing to say about it.
    expect(d.recommendations.some((r) => r.section === 'Redis')).toBe(false)
    expect(recommend(data({ main: window(T0, [], 60) })).map((r) => r.title)).toEqual(['Redis hit rate averaged 59.1% (lowest 5.0%)'])
  })

  it('figures: mean, nearest-rank p95 and the extremes, NaN ignored', () => {
    const v = Float64Array.from({ length: 100 }, (_, i) => i + 1)
    v[0] = NaN
    expect(figures(v, v, v)).toEqual({ mean: 51, p95: 96, min: 2, max: 100, points: 99 })
    expect(figures([], [], []).points).toBe(0)
  })
})
