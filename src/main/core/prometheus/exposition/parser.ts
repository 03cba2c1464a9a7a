import { parseFloatToken, parseOpenMetricsTimestamp, parseTextTimestamp } from './numbers'
import {
  ExpositionError,
  type Exemplar,
  type ExpositionFormat,
  type ExpositionPage,
  type ExpositionWarning,
  type Labels,
  type ParseOptions,
  type MetricFamily,
  type MetricType,
  type Sample
} from './types'

/*
 * One pass over the page by character codes: no per-line strings, no regular expressions on the
 * hot path. Text 0.0.4 is read with the leniency Prometheus has (tabs, runs of blanks, blanks
 * inside braces, a trailing comma, any comment); OpenMetrics 1.0 strictly, and a page with any
 * invalid part is rejected whole.
 */

const SP = 32
const TAB = 9
const HASH = 35
const LBRACE = 123
const RBRACE = 125
const EQ = 61
const QUOTE = 34
const COMMA = 44
const BSL = 92

const OPENMETRICS_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown'])
const TEXT_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

/** Longest exemplar label set OpenMetrics allows, in code points of names and values. */
export const MAX_EXEMPLAR_LABEL_RUNES = 128

function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 /* _ */
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57)
}
function isMetricNameStart(c: number): boolean {
  return isNameStart(c) || c === 58 /* : */
}
function isMetricNameChar(c: number): boolean {
  return isNameChar(c) || c === 58
}

/** The sample names each OpenMetrics type allows, as suffixes of the family name. */
const SUFFIXES: Record<MetricType, readonly string[]> = {
  counter: ['_total', '_created'],
  gauge: [''],
  unknown: [''],
  untyped: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info'],
  stateset: ['']
}

interface GroupState {
  key: string
  line: number
  buckets: number
  lastLe: number
  lastBucket: number
  inf: number | undefined
  count: number | undefined
  sum: number | undefined
  negativeBucket: boolean
}

interface FamilyState {
  family: MetricFamily
  typeSet: boolean
  helpSet: boolean
  unitSet: boolean
  group: GroupState | null
  closedGroups: Set<string> | null
  prev: ParsedSample | null
}

function setLabel(labels: Labels, name: string, value: string): void {
  // A label named __proto__ must be data, not the object's prototype.
  if (name === '__proto__') Object.defineProperty(labels, name, { value, enumerable: true, writable: true, configurable: true })
  else labels[name] = value
}

function labelText(labels: Labels): string {
  const parts: string[] = []
  for (const k in labels) if (k !== 'le' && k !== 'quantile') parts.push(`${k}="${labels[k]}"`)
  return `{${parts.join(',')}}`
}

function growSpans(a: Int32Array, atLeast = 0): Int32Array {
  const b = new Int32Array(Math.max(a.length * 2, atLeast))
  b.set(a)
  return b
}

/** Exact powers of ten: a double holds each of 10^0 to 10^22 without rounding. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i)

/** Where the last call of decimalValue stopped reading. */
let decimalEnd = 0

/**
 * A plain decimal (`-12`, `0.25`, `1.5e+08`) of at most 15 significant digits and a scale within
 * 10^±22, read without a string: its digits make an exact integer and the power of ten is exact,
 * so one multiplication or division rounds once, to the same double Number() gives (Clinger's fast
 * path). It reads from `from` up to the first character that cannot continue the decimal (at most
 * to `limit`) and leaves that position in `decimalEnd`; the caller decides whether the token ends
 * there. Anything else, or a token it cannot vouch for, returns undefined for the full grammar.
 */
function decimalValue(s: string, from: number, limit: number): number | undefined {
  let i = from
  let negative = false
  let c = s.charCodeAt(i)
  if (c === 45 /* - */ || c === 43 /* + */) {
    negative = c === 45
    i++
  }
  let m = 0
  let digits = 0
  let scale = 0
  let seen = false
  for (; i < limit; i++) {
    c = s.charCodeAt(i) - 48
    if (c < 0 || c > 9) break
    seen = true
    if (m !== 0 || c !== 0) digits++
    m = m * 10 + c
  }
  if (i < limit && s.charCodeAt(i) === 46 /* . */) {
    for (i++; i < limit; i++) {
      c = s.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      seen = true
      if (m !== 0 || c !== 0) digits++
      m = m * 10 + c
      scale--
    }
  }
  if (!seen || digits > 15) return undefined
  c = i < limit ? s.charCodeAt(i) : -1
  if (c === 101 || c === 69 /* e E */) {
    i++
    let expNegative = false
    c = s.charCodeAt(i)
    if (i < limit && (c === 45 || c === 43)) {
      expNegative = c === 45
      i++
    }
    const expStart = i
    let e = 0
    for (; i < limit; i++) {
      c = s.charCodeAt(i) - 48
      if (c < 0 || c > 9) break
      e = e * 10 + c
    }
    if (i === expStart || i - expStart > 3) return undefined
    scale += expNegative ? -e : e
  }
  if (scale < -22 || scale > 22) return undefined
  decimalEnd = i
  const v = scale < 0 ? m / POW10[-scale]! : m * POW10[scale]!
  return negative ? -v : v
}

/** Sample names remembered per family: a summary's or histogram's three or four. */
const RECENT_NAMES = 4

/** Whether the `len` characters at `a` and at `b` are the same, compared from the end (names of a family differ in their suffix). */
function sameAt(s: string, a: number, b: number, len: number): boolean {
  for (let k = len - 1; k >= 0; k--) if (s.charCodeAt(a + k) !== s.charCodeAt(b + k)) return false
  return true
}

function isBlank(c: number): boolean {
  return c === SP || c === TAB
}

/** `\\`, `\"` and `\n` are escapes in label values; any other backslash stays as written. */
function unescapeValue(s: string, from: number, to: number): string {
  let out = ''
  let last = from
  for (let i = from; i < to - 1; i++) {
    if (s.charCodeAt(i) !== BSL) continue
    const n = s.charCodeAt(i + 1)
    const rep = n === BSL ? '\\' : n === 110 ? '\n' : n === QUOTE ? '"' : null
    if (rep !== null) {
      out += s.slice(last, i) + rep
      last = i + 2
    }
    i++
  }
  return out + s.slice(last, to)
}

/** Decodes a label set the parser has already checked, from its opening brace to after its closing one. */
export function decodeLabels(s: string, from: number, to: number, openMetrics: boolean): Labels {
  const labels: Labels = {}
  let i = from + 1
  const end = to - 1 // the closing brace
  for (;;) {
    if (!openMetrics) while (i < end && isBlank(s.charCodeAt(i))) i++
    if (i >= end) return labels
    const nameStart = i
    while (isNameChar(s.charCodeAt(i))) i++
    const name = s.slice(nameStart, i)
    while (s.charCodeAt(i) !== QUOTE) i++ // blanks and '='
    const vStart = ++i
    let escaped = false
    for (let c = s.charCodeAt(i); c !== QUOTE; c = s.charCodeAt(i)) {
      if (c === BSL) {
        escaped = true
        i++
      }
      i++
    }
    setLabel(labels, name, escaped ? unescapeValue(s, vStart, i) : s.slice(vStart, i))
    i++ // closing quote
    if (!openMetrics) while (i < end && isBlank(s.charCodeAt(i))) i++
    if (s.charCodeAt(i) === COMMA) i++
  }
}

/** What every sample of one page shares. */
interface PageSource {
  readonly text: string
  readonly openMetrics: boolean
}

/**
 * A parsed sample. Its labels are checked while parsing but decoded only when read: most
 * consumers of a scrape look at a few series, and a page's worth of label objects is what
 * costs a parser its time and memory.
 */
export class ParsedSample implements Sample {
  timestampMs: number | undefined = undefined
  exemplar: Exemplar | undefined = undefined
  private decoded: Labels | null = null

  constructor(
    readonly name: string,
    readonly value: number,
    private readonly page: PageSource,
    /** The label set's opening brace, or -1 without one. */
    readonly spanFrom: number,
    /** After its closing brace, or -1. */
    readonly spanTo: number
  ) {}

  get labels(): Labels {
    if (this.decoded) return this.decoded
    return (this.decoded = this.spanFrom < 0 ? {} : decodeLabels(this.page.text, this.spanFrom, this.spanTo, this.page.openMetrics))
  }

  /** The label set as written, `{a="1",b="2"}`: cheap identity for consumers that only compare. */
  get labelText(): string {
    return this.spanFrom < 0 ? '' : this.page.text.slice(this.spanFrom, this.spanTo)
  }

  toJSON(): Sample {
    const out: Sample = { name: this.name, labels: this.labels, value: this.value }
    if (this.timestampMs !== undefined) out.timestampMs = this.timestampMs
    if (this.exemplar) out.exemplar = this.exemplar
    return out
  }
}

class Parser {
  private pos = 0
  private line = 1
  private lineStart = 0
  private lineEnd = 0
  /** Line feeds inside the current logical line's label values. */
  private extraLines = 0
  private readonly om: boolean
  private readonly source: PageSource
  private readonly families: MetricFamily[] = []
  private readonly byName = new Map<string, FamilyState>()
  /** OpenMetrics: names a declared family's samples will use, to catch clashes. */
  private readonly sampleNames = new Set<string>()
  private current: FamilyState | null = null
  private sampleCount = 0
  /** Position of the next backslash at or after the last query: kept monotonic, so finding escapes costs O(page) overall. */
  private nextBackslash = -2
  private readonly recentNames: string[] = []
  private readonly recentFamilies: FamilyState[] = []
  /** Where each recent name starts in the page. */
  private readonly recentAt: number[] = []
  private labelSpans: Int32Array = new Int32Array(64)
  private prevSpans: Int32Array = new Int32Array(64)
  private prevCount = 0
  /**
   * The previous set's names as char codes, one after another, and where each starts: comparing a
   * name with a typed array costs one string read per character instead of two.
   */
  private prevChars: Uint16Array = new Uint16Array(256)
  private prevCharAt: Int32Array = new Int32Array(33)
  private lastFamilyName = ''
  private lastFamily: FamilyState | null = null

  private readonly warnings: ExpositionWarning[] = []

  constructor(
    private readonly s: string,
    private readonly format: ExpositionFormat,
    private readonly strict: boolean
  ) {
    this.om = format === 'openmetrics'
    this.source = { text: s, openMetrics: this.om }
  }

  parse(): ExpositionPage {
    const s = this.s
    const len = s.length
    let sawEof = false
    while (this.pos < len) {
      if (sawEof) this.fail(this.pos, 'nothing may follow "# EOF"')
      let end = s.indexOf('\n', this.pos)
      if (end === -1) end = len
      this.lineStart = this.pos
      this.lineEnd = end
      // Prometheus reads a CR as part of the line's last token ("gauge\r" is no type, "1\r" no number).
      if (end > this.pos && s.charCodeAt(end - 1) === 13)
        this.fail(end - 1, 'a carriage return ends the line (CRLF line endings): Prometheus refuses the page; write \\n line endings')
      if (this.om) sawEof = this.omLine()
      else this.textLine()
      // A label value holding a raw line feed makes one logical line of several (text format only).
      this.pos = this.lineEnd + 1
      this.line += 1 + this.extraLines
      this.extraLines = 0
    }
    if (this.om && !sawEof) this.failAt(this.line, 1, 'an OpenMetrics page must end with "# EOF"')
    this.closeFamily()
    return { format: this.format, families: this.families, sampleCount: this.sampleCount, warnings: this.warnings }
  }

  // ---------------------------------------------------------------- errors

  /**
   * A rule of the written format that the Prometheus server does not enforce: an error when
   * strict; otherwise a warning, and the caller reads on as Prometheus does.
   */
  private tolerate(at: number, reason: string): void {
    this.tolerateAt(this.line, at - this.lineStart + 1, reason)
  }
  private tolerateAt(line: number, column: number, reason: string): void {
    if (this.strict) this.failAt(line, column, reason)
    this.warnings.push({ line, column, message: reason })
  }

  private fail(at: number, reason: string): never {
    throw new ExpositionError(this.line, at - this.lineStart + 1, reason)
  }
  private failAt(line: number, column: number, reason: string): never {
    throw new ExpositionError(line, column, reason)
  }
  private found(at: number): string {
    if (at >= this.lineEnd) return 'the end of the line'
    const c = this.s.charCodeAt(at)
    if (c === SP) return 'a space'
    if (c === TAB) return 'a tab'
    if (c === 0xfeff) return 'U+FEFF (a byte order mark; Prometheus refuses a page that starts with one)'
    if (c < 0x20 || c === 0x7f || (c >= 0x200b && c <= 0x200f) || (c >= 0x202a && c <= 0x202e))
      return `U+${c.toString(16).toUpperCase().padStart(4, '0')} (an invisible character)`
    return JSON.stringify(this.s[at])
  }

  // ---------------------------------------------------------------- OpenMetrics lines

  /** Returns true on "# EOF". */
  private omLine(): boolean {
    const s = this.s
    const start = this.lineStart
    const end = this.lineEnd
    if (start === end) this.fail(start, 'blank lines are not allowed in OpenMetrics')
    if (s.charCodeAt(start) === HASH) {
      if (s.startsWith('# EOF', start) && end - start === 5) return true
      if (s.startsWith('# HELP ', start)) this.omMetadata('help', start + 7)
      else if (s.startsWith('# TYPE ', start)) this.omMetadata('type', start + 7)
      else if (s.startsWith('# UNIT ', start)) this.omMetadata('unit', start + 7)
      else this.fail(start, 'expected "# HELP", "# TYPE", "# UNIT" or "# EOF" (OpenMetrics allows no other comments)')
      return false
    }
    this.sample(start)
    return false
  }

  private omMetadata(kind: 'help' | 'type' | 'unit', at: number): void {
    const s = this.s
    const end = this.lineEnd
    const nameEnd = this.metricNameEnd(at)
    const name = s.slice(at, nameEnd)
    if (nameEnd >= end || s.charCodeAt(nameEnd) !== SP)
      this.fail(nameEnd, `expected a space after the metric name, found ${this.found(nameEnd)}`)
    const st = this.familyForMetadata(name, kind, at)
    if (!st) return // a line Prometheus reads past (metadata repeated, or after the samples)
    const rest = nameEnd + 1
    if (kind === 'help') {
      st.family.help = this.unescape(rest, end, false)
      st.helpSet = true
    } else if (kind === 'type') {
      const type = s.slice(rest, end) as MetricType
      if (!OPENMETRICS_TYPES.has(type))
        this.fail(rest, `unknown type ${JSON.stringify(type)}; expected one of ${[...OPENMETRICS_TYPES].join(', ')}`)
      st.family.type = type
      st.typeSet = true
      if (st.unitSet && st.family.unit && (type === 'info' || type === 'stateset'))
        this.tolerate(rest, `${type === 'info' ? 'an' : 'a'} ${type} has no unit`)
      for (const suffix of SUFFIXES[type]) {
        const sampleName = name + suffix
        if (suffix && this.byName.has(sampleName))
          this.tolerate(at, `family "${name}" of type ${type} clashes with the family "${sampleName}" above`)
        this.sampleNames.add(sampleName)
      }
      st.closedGroups = type === 'histogram' || type === 'gaugehistogram' || type === 'summary' ? new Set() : null
    } else {
      for (let i = rest; i < end; i++)
        if (!isMetricNameChar(s.charCodeAt(i))) this.fail(i, `a unit has only letters, digits, "_" and ":", found ${this.found(i)}`)
      const unit = s.slice(rest, end)
      if (unit && !name.endsWith('_' + unit))
        this.fail(rest, `the metric name "${name}" must end with "_${unit}" to have the unit "${unit}"`)
      if (unit && (st.family.type === 'info' || st.family.type === 'stateset'))
        this.tolerate(rest, `${st.family.type === 'info' ? 'an' : 'a'} ${st.family.type} has no unit`)
      st.family.unit = unit
      st.unitSet = true
    }
  }

  /** The family a metadata line is for; null for a line Prometheus takes but that changes nothing (read past, with a warning). */
  private familyForMetadata(name: string, kind: 'help' | 'type' | 'unit', at: number): FamilyState | null {
    const cur = this.current
    if (cur && cur.family.name === name) {
      if (cur.family.samples.length) {
        this.tolerate(at, `# ${kind.toUpperCase()} for "${name}" must come before its samples`)
        return null
      }
      if ((kind === 'help' && cur.helpSet) || (kind === 'type' && cur.typeSet) || (kind === 'unit' && cur.unitSet)) {
        this.tolerate(at, `second # ${kind.toUpperCase()} line for "${name}"`)
        return null
      }
      return cur
    }
    return this.startFamily(name, 'unknown', at)
  }

  private startFamily(name: string, type: MetricType, at: number): FamilyState {
    this.recentNames.length = 0
    this.recentFamilies.length = 0
    this.recentAt.length = 0
    const existing = this.byName.get(name)
    if (existing) {
      // Prometheus reads the later lines into the same metric; the formats want one contiguous family.
      const suffixes = SUFFIXES[existing.family.type]
      this.tolerate(
        at,
        existing === this.current && !suffixes.includes('')
          ? `a sample of the ${existing.family.type} "${name}" is named ${suffixes.map((x) => `${name}${x}`).join(' or ')}, not "${name}"`
          : `the family "${name}" already appeared above: a family's lines must be contiguous and declared once`
      )
      this.closeFamily()
      this.current = existing
      return existing
    }
    if (this.om && this.sampleNames.has(name)) this.tolerate(at, `the name "${name}" clashes with a sample name of a family above`)
    this.closeFamily()
    const family: MetricFamily = { name, type, help: null, unit: null, samples: [] }
    const st: FamilyState = { family, typeSet: false, helpSet: false, unitSet: false, group: null, closedGroups: null, prev: null }
    this.families.push(family)
    this.byName.set(name, st)
    if (this.om) this.sampleNames.add(name)
    this.current = st
    return st
  }

  private closeFamily(): void {
    const st = this.current
    if (st?.group) this.closeGroup(st, st.group)
    this.current = null
  }

  // ---------------------------------------------------------------- text 0.0.4 lines

  private textLine(): void {
    const s = this.s
    let i = this.lineStart
    const end = this.lineEnd
    while (i < end && (s.charCodeAt(i) === SP || s.charCodeAt(i) === TAB)) i++
    if (i === end || (i === end - 1 && s.charCodeAt(i) === 13)) return
    if (s.charCodeAt(i) === HASH) return this.textComment(i + 1)
    this.sample(i)
  }

  private skipBlanks(i: number): number {
    const s = this.s
    while (i < this.lineEnd && (s.charCodeAt(i) === SP || s.charCodeAt(i) === TAB)) i++
    return i
  }

  /** `# HELP name text` and `# TYPE name type`; any other comment is ignored, as Prometheus does. */
  private textComment(at: number): void {
    const s = this.s
    const end = this.lineEnd
    let i = this.skipBlanks(at)
    const word = s.startsWith('HELP', i) ? 'HELP' : s.startsWith('TYPE', i) ? 'TYPE' : null
    if (!word) return
    i += 4
    if (i < end && s.charCodeAt(i) !== SP && s.charCodeAt(i) !== TAB) return
    i = this.skipBlanks(i)
    const nameEnd = this.metricNameEnd(i)
    if (nameEnd === i) this.fail(i, `expected a metric name after # ${word}, found ${this.found(i)}`)
    const name = s.slice(i, nameEnd)
    const st = this.byName.get(name) ?? this.startFamily(name, 'untyped', i)
    const rest = this.skipBlanks(nameEnd)
    if (word === 'HELP') {
      if (st.helpSet) return this.tolerate(i, `second # HELP line for "${name}"`)
      st.family.help = this.unescape(rest, end, true)
      st.helpSet = true
    } else {
      if (st.typeSet) return this.tolerate(i, `second # TYPE line for "${name}"`)
      let typeEnd = end
      while (typeEnd > rest && (s.charCodeAt(typeEnd - 1) === SP || s.charCodeAt(typeEnd - 1) === TAB || s.charCodeAt(typeEnd - 1) === 13))
        typeEnd--
      const type = s.slice(rest, typeEnd) as MetricType
      if (!TEXT_TYPES.has(type)) this.fail(rest, `unknown type ${JSON.stringify(type)}; expected one of ${[...TEXT_TYPES].join(', ')}`)
      if (st.family.samples.length && st.family.type !== type) return this.tolerate(i, `# TYPE for "${name}" comes after its samples`)
      st.family.type = type
      st.typeSet = true
    }
  }

  // ---------------------------------------------------------------- samples

  private metricNameEnd(i: number): number {
    const s = this.s
    const end = this.lineEnd
    if (i >= end || !isMetricNameStart(s.charCodeAt(i))) return i
    i++
    while (i < end && isMetricNameChar(s.charCodeAt(i))) i++
    return i
  }

  private sample(start: number): void {
    const s = this.s
    let end = this.lineEnd
    const om = this.om
    // A sample name seen on a recent line (a histogram's lines cycle through _bucket, _sum and
    // _count) is recognised in place: no new string, no validation, no family lookup.
    let name: string | null = null
    let family: FamilyState | null = null
    const recent = this.recentNames
    for (let k = 0; k < recent.length; k++) {
      const len = recent[k]!.length
      // Its end and last letter are checked first; lastIndexOf from the line's start then compares
      // the whole name natively, and on a mismatch stops at the name's last occurrence, a few
      // lines back, since it is recent.
      if (
        !isMetricNameChar(s.charCodeAt(start + len)) &&
        s.charCodeAt(start + len - 1) === s.charCodeAt(this.recentAt[k]! + len - 1) &&
        s.lastIndexOf(recent[k]!, start) === start
      ) {
        name = recent[k]!
        family = this.recentFamilies[k]!
        break
      }
    }
    let nameEnd: number
    if (name === null) {
      nameEnd = this.metricNameEnd(start)
      if (nameEnd === start) this.fail(start, `expected a metric name, found ${this.found(start)}`)
      name = s.slice(start, nameEnd)
    } else nameEnd = start + name.length
    let i = nameEnd
    let spanFrom = -1
    let spanTo = -1
    // Text 0.0.4 allows blanks between the name and its braces.
    const brace = om ? i : this.skipBlanks(i)
    if (brace < end && s.charCodeAt(brace) === LBRACE) {
      i = this.labels(brace, name)
      end = this.lineEnd // further on, when a label value spans lines
      spanFrom = brace
      spanTo = i
    }
    // value
    if (om) {
      if (i >= end || s.charCodeAt(i) !== SP) this.fail(i, `expected a space before the value, found ${this.found(i)}`)
      i++
    } else {
      const before = i
      i = this.skipBlanks(i)
      // After "}" nothing can run together with the value: text 0.0.4 needs no blank there.
      if (i === before && spanTo !== before) this.fail(i, `expected a blank before the value, found ${this.found(i)}`)
    }
    const valueStart = i
    // Most values are plain decimals, read in the same pass that finds where they end.
    let value = decimalValue(s, valueStart, end)
    if (value !== undefined && this.endsValue(decimalEnd)) i = decimalEnd
    else {
      while (i < end && s.charCodeAt(i) !== SP && !(s.charCodeAt(i) === TAB && !om)) i++
      let valueEnd = i
      if (!om && valueEnd === end && s.charCodeAt(end - 1) === 13) valueEnd-- // CRLF pages
      if (valueEnd === valueStart) this.fail(valueStart, `expected a value, found ${this.found(valueStart)}`)
      value = parseFloatToken(s.slice(valueStart, valueEnd), om)
      if (value === undefined) this.fail(valueStart, `expected a number, found ${JSON.stringify(s.slice(valueStart, valueEnd))}`)
    }
    const sample = new ParsedSample(name, value, this.source, spanFrom, spanTo)
    // timestamp and exemplar
    if (om) {
      if (i < end) {
        i++ // the single space
        if (i >= end) this.fail(i, 'expected a timestamp or "# {" after the space, found the end of the line')
        if (s.charCodeAt(i) !== HASH) {
          const tsStart = i
          while (i < end && s.charCodeAt(i) !== SP) i++
          const ts = parseOpenMetricsTimestamp(s.slice(tsStart, i))
          if (ts === undefined)
            this.fail(
              tsStart,
              `expected a timestamp (decimal seconds) or "# {" for an exemplar, found ${JSON.stringify(s.slice(tsStart, i)) || this.found(tsStart)}`
            )
          sample.timestampMs = ts
          if (i < end) {
            i++
            if (i >= end || s.charCodeAt(i) !== HASH) this.fail(i, `expected "# {" for an exemplar, found ${this.found(i)}`)
          }
        }
        if (i < end) this.exemplar(i, sample)
      }
    } else {
      i = this.skipBlanks(i)
      if (i < end && !(i === end - 1 && s.charCodeAt(i) === 13)) {
        const tsStart = i
        while (i < end && s.charCodeAt(i) !== SP && s.charCodeAt(i) !== TAB && s.charCodeAt(i) !== 13) i++
        const ts = parseTextTimestamp(s.slice(tsStart, i))
        if (ts === undefined)
          this.fail(tsStart, `expected a timestamp (integer milliseconds), found ${JSON.stringify(s.slice(tsStart, i))}`)
        sample.timestampMs = ts
        i = this.skipBlanks(i)
        if (i < end && !(i === end - 1 && s.charCodeAt(i) === 13)) this.fail(i, `expected the end of the line, found ${this.found(i)}`)
      }
    }
    this.addSample(sample, start, family)
  }

  /** Whether a value token ends at `at`: a space (or a tab in text 0.0.4), the end of the line, or a CRLF's CR. */
  private endsValue(at: number): boolean {
    const end = this.lineEnd
    if (at === end) return true
    const c = this.s.charCodeAt(at)
    if (c === SP) return true
    return !this.om && (c === TAB || (c === 13 && at === end - 1))
  }

  private spanEquals(a: ParsedSample, b: ParsedSample): boolean {
    const n = a.spanTo - a.spanFrom
    if (n !== b.spanTo - b.spanFrom) return false
    const s = this.s
    for (let k = 0; k < n; k++) if (s.charCodeAt(a.spanFrom + k) !== s.charCodeAt(b.spanFrom + k)) return false
    return true
  }

  /**
   * Checks `{name="value",...}` from the brace at `i` without building anything; returns the
   * index after the closing brace. Values are decoded later, only if someone reads them.
   */
  private labels(i: number, metric: string): number {
    const s = this.s
    let end = this.lineEnd
    const om = this.om
    i++
    if (!om && isBlank(s.charCodeAt(i))) i = this.skipBlanks(i)
    if (i < end && s.charCodeAt(i) === RBRACE) return i + 1
    // Most label sets name the labels of the set before them, in the same order (a histogram's
    // buckets, a family's series). Those names were checked and are distinct, so while this set
    // repeats them, each name is only compared with the previous one's characters, and nothing
    // is stored. Anything else (another name, an escape, a blank, an error) leaves this loop at
    // the label where it happened, for the full checks below.
    const prevCount = this.prevCount
    const prevSpans = this.prevSpans
    const prevChars = this.prevChars
    const prevCharAt = this.prevCharAt
    let n = 0
    for (; n < prevCount; n++) {
      const len = prevSpans[2 * n + 1]!
      const eq = i + len
      if (eq + 1 >= end || s.charCodeAt(eq) !== EQ || s.charCodeAt(eq + 1) !== QUOTE) break
      const at = prevCharAt[n]!
      let k = 0
      while (k < len && s.charCodeAt(i + k) === prevChars[at + k]) k++
      if (k < len) break
      const close = s.indexOf('"', eq + 2)
      if (close === -1 || close >= end) break
      const bs = this.backslashFrom(eq + 2)
      if (bs !== -1 && bs < close) break
      const c = s.charCodeAt(close + 1)
      if (c === COMMA) i = close + 2
      else if (c === RBRACE)
        return close + 2 // the previous set (or the start of it) again: kept as it is
      else break
    }
    if (n > 0 && !om) {
      // After a repeated label's comma: text 0.0.4 allows blanks, and a trailing comma.
      i = this.skipBlanks(i)
      if (i < end && s.charCodeAt(i) === RBRACE) return i + 1
    }
    // The full checks, from label n: the labels before it are the previous set's first n.
    let spans = this.labelSpans
    if (2 * n + 1 >= spans.length) spans = this.labelSpans = growSpans(spans, 2 * n + 2)
    spans.set(prevSpans.subarray(0, 2 * n))
    const repeated = n
    for (; ; n++) {
      const nameStart = i
      if (i >= end || !isNameStart(s.charCodeAt(i))) this.fail(i, `expected a label name, found ${this.found(i)}`)
      i++
      while (i < end && isNameChar(s.charCodeAt(i))) i++
      const nameLen = i - nameStart
      if (nameLen === 8 && s.startsWith('__name__', nameStart))
        this.fail(
          nameStart,
          'the label "__name__" names the metric, which is given before the braces: Prometheus refuses it (label name "__name__" is not unique)'
        )
      for (let k = 0; k < n; k++) {
        if (spans[2 * k + 1] !== nameLen) continue
        if (sameAt(s, spans[2 * k]!, nameStart, nameLen))
          this.fail(nameStart, `the label "${s.slice(nameStart, i)}" appears twice in ${metric}`)
      }
      if (2 * n + 1 >= spans.length) spans = this.labelSpans = growSpans(spans, 2 * n + 2)
      spans[2 * n] = nameStart
      spans[2 * n + 1] = nameLen
      if (!om && isBlank(s.charCodeAt(i))) i = this.skipBlanks(i)
      if (i >= end || s.charCodeAt(i) !== EQ)
        this.fail(i, `expected "=" after the label name "${s.slice(nameStart, nameStart + nameLen)}", found ${this.found(i)}`)
      i++
      if (!om && isBlank(s.charCodeAt(i))) i = this.skipBlanks(i)
      if (i >= end || s.charCodeAt(i) !== QUOTE)
        this.fail(i, `expected a double-quoted value for the label "${s.slice(nameStart, nameStart + nameLen)}", found ${this.found(i)}`)
      i++
      const vStart = i
      let close = s.indexOf('"', i)
      const bs = this.backslashFrom(i)
      if (bs !== -1 && bs < close) {
        // Find the quote that is not escaped.
        close = i
        while (close < end) {
          const c = s.charCodeAt(close)
          if (c === QUOTE) break
          close += c === BSL ? 2 : 1
        }
      }
      if (close === -1 || close >= end) {
        close = this.quoteOnLaterLine(vStart)
        if (close === -1) this.fail(vStart - 1, `the value of the label "${s.slice(nameStart, nameStart + nameLen)}" has no closing quote`)
        end = this.lineEnd
      }
      i = close + 1 // after the closing quote
      let c = i < end ? s.charCodeAt(i) : -1
      if (!om && isBlank(c)) {
        i = this.skipBlanks(i)
        c = i < end ? s.charCodeAt(i) : -1
      }
      if (c === COMMA) {
        i++
        if (!om && !isNameStart(s.charCodeAt(i))) {
          i = this.skipBlanks(i)
          if (i < end && s.charCodeAt(i) === RBRACE) return this.keepSpans(spans, n + 1, repeated, i + 1) // trailing comma, as Prometheus allows
        }
      } else if (c === RBRACE) {
        return this.keepSpans(spans, n + 1, repeated, i + 1)
      } else {
        this.fail(i, `expected "," or "}" after a label, found ${this.found(i)}`)
      }
    }
  }

  /**
   * Keeps a checked label set's name spans, and the characters of the names it did not repeat, for
   * the next set to compare with; returns `next`.
   */
  private keepSpans(spans: Int32Array, count: number, repeated: number, next: number): number {
    this.labelSpans = this.prevSpans
    this.prevSpans = spans
    this.prevCount = count
    if (repeated < count) {
      if (count >= this.prevCharAt.length) this.prevCharAt = growSpans(this.prevCharAt, count + 1)
      const at = this.prevCharAt
      let chars = this.prevChars
      let o = at[repeated]!
      for (let n = repeated; n < count; n++) {
        const from = spans[2 * n]!
        const len = spans[2 * n + 1]!
        if (o + len > chars.length) {
          const grown = new Uint16Array(Math.max(chars.length * 2, o + len))
          grown.set(chars)
          chars = this.prevChars = grown
        }
        at[n] = o
        for (let k = 0; k < len; k++) chars[o + k] = this.s.charCodeAt(from + k)
        o += len
      }
      at[count] = o
    }
    return next
  }

  /**
   * A text-format label value that runs past the line's end: Prometheus's lexer takes a raw line
   * feed inside the quotes, so the lenient parser does too, with a warning, and makes one logical
   * line of the physical ones up to the closing quote's line. Returns the closing quote, or -1.
   */
  private quoteOnLaterLine(vStart: number): number {
    if (this.om) return -1
    const s = this.s
    let close = vStart
    for (; close < s.length; close++) {
      const c = s.charCodeAt(close)
      if (c === QUOTE) break
      if (c === BSL) close++
    }
    if (close >= s.length) return -1
    this.tolerate(vStart - 1, 'a label value holds a raw line feed: Prometheus takes it, but the format asks for \\n')
    for (let k = this.lineEnd; k !== -1 && k < close; k = s.indexOf('\n', k + 1)) this.extraLines++
    const next = s.indexOf('\n', close)
    this.lineEnd = next === -1 ? s.length : next
    return close
  }

  /** The first backslash at or after `from`, or -1. Callers ask with non-decreasing `from`. */
  private backslashFrom(from: number): number {
    if (this.nextBackslash === -1) return -1
    if (this.nextBackslash < from) this.nextBackslash = this.s.indexOf('\\', from)
    return this.nextBackslash
  }

  /** `\\`, `\"` and `\n` are escapes; any other backslash stays as written, as Prometheus keeps it. */
  private unescape(from: number, to: number, helpText: boolean): string {
    const s = this.s
    let i = this.backslashFrom(from)
    if (i === -1 || i >= to) {
      if (helpText && to > from && s.charCodeAt(to - 1) === 13) to--
      return s.slice(from, to)
    }
    let out = ''
    let last = from
    for (; i < to; i++) {
      if (s.charCodeAt(i) !== BSL || i + 1 >= to) continue
      const n = s.charCodeAt(i + 1)
      const rep = n === BSL ? '\\' : n === 110 /* n */ ? '\n' : n === QUOTE && !helpText ? '"' : null
      if (rep === null) {
        i++
        continue
      }
      out += s.slice(last, i) + rep
      last = i + 2
      i++
    }
    return out + s.slice(last, to)
  }

  private exemplar(i: number, sample: Sample): void {
    const s = this.s
    const end = this.lineEnd
    // at '#'
    if (s.charCodeAt(i) !== HASH || s.charCodeAt(i + 1) !== SP || s.charCodeAt(i + 2) !== LBRACE)
      this.fail(i, 'expected "# {" to start an exemplar')
    const from = i + 2
    i = this.labels(from, 'the exemplar')
    const labels = decodeLabels(s, from, i, true)
    let runes = 0
    for (const k in labels) {
      for (const _ of k) runes++
      for (const _ of labels[k]!) runes++
    }
    if (runes > MAX_EXEMPLAR_LABEL_RUNES)
      this.tolerate(i - 1, `exemplar labels have ${runes} characters; at most ${MAX_EXEMPLAR_LABEL_RUNES} are allowed`)
    if (i >= end || s.charCodeAt(i) !== SP) this.fail(i, `expected a space before the exemplar value, found ${this.found(i)}`)
    i++
    const vStart = i
    while (i < end && s.charCodeAt(i) !== SP) i++
    const value = parseFloatToken(s.slice(vStart, i), true)
    if (value === undefined)
      this.fail(vStart, `expected the exemplar's value, found ${JSON.stringify(s.slice(vStart, i)) || this.found(vStart)}`)
    const ex: Exemplar = { labels, value }
    if (i < end) {
      i++
      const tStart = i
      while (i < end && s.charCodeAt(i) !== SP) i++
      const ts = parseOpenMetricsTimestamp(s.slice(tStart, i))
      if (ts === undefined)
        this.fail(
          tStart,
          `expected the exemplar's timestamp (decimal seconds), found ${JSON.stringify(s.slice(tStart, i)) || this.found(tStart)}`
        )
      ex.timestampMs = ts
      if (i < end) this.fail(i, `expected the end of the line after the exemplar, found ${this.found(i)}`)
    }
    sample.exemplar = ex
  }

  // ---------------------------------------------------------------- families and rules

  private familyOf(name: string, at: number): FamilyState {
    if (name === this.lastFamilyName && this.lastFamily === this.current && this.lastFamily) return this.lastFamily
    const st = this.resolveFamily(name, at)
    this.lastFamilyName = name
    this.lastFamily = st
    return st
  }

  private resolveFamily(name: string, at: number): FamilyState {
    const cur = this.current
    if (this.om) {
      if (cur) {
        const fam = cur.family.name
        if (name.startsWith(fam)) {
          const suffix = name.length === fam.length ? '' : name.slice(fam.length)
          if (SUFFIXES[cur.family.type].includes(suffix)) return cur
        }
      }
      return this.startFamily(name, 'unknown', at)
    }
    const direct = this.byName.get(name)
    if (direct) return direct
    for (const suffix of ['_bucket', '_count', '_sum']) {
      if (!name.endsWith(suffix)) continue
      const base = this.byName.get(name.slice(0, -suffix.length))
      if (base && (base.family.type === 'histogram' || base.family.type === 'summary')) return base
    }
    return this.startFamily(name, 'untyped', at)
  }

  private addSample(sample: ParsedSample, at: number, known: FamilyState | null): void {
    let st = known
    if (!st) {
      st = this.familyOf(sample.name, at)
      // Remembered until a new family starts (which may change how a name resolves).
      if (this.recentNames.length === RECENT_NAMES) {
        this.recentNames.shift()
        this.recentFamilies.shift()
        this.recentAt.shift()
      }
      this.recentNames.push(sample.name)
      this.recentFamilies.push(st)
      this.recentAt.push(at)
    }
    if (this.om) this.checkOpenMetrics(st, sample, at)
    st.family.samples.push(sample)
    st.prev = sample
    this.sampleCount++
  }

  private checkOpenMetrics(st: FamilyState, sample: ParsedSample, at: number): void {
    const fam = st.family
    const type = fam.type
    const suffix = sample.name.slice(fam.name.length)
    const v = sample.value
    const prev = st.prev
    if (prev && prev.name === sample.name && this.spanEquals(prev, sample)) {
      if ((prev.timestampMs === undefined) !== (sample.timestampMs === undefined))
        this.tolerate(at, `${sample.name}${labelText(sample.labels)} repeats with and without a timestamp`)
      else if (prev.timestampMs === undefined) this.fail(at, `${sample.name}${labelText(sample.labels)} appears twice without timestamps`)
      else if (sample.timestampMs! < prev.timestampMs!)
        this.tolerate(at, `timestamps of ${sample.name}${labelText(sample.labels)} go backwards`)
    }
    if (sample.exemplar) {
      const allowed =
        (type === 'counter' && suffix === '_total') || ((type === 'histogram' || type === 'gaugehistogram') && suffix === '_bucket')
      const message = `exemplars are allowed only on counter _total and histogram _bucket samples, not on ${sample.name} (${type})`
      // Prometheus goes by the sample's name alone: one ending in _total or _bucket may carry an exemplar.
      if (!allowed && (sample.name.endsWith('_total') || sample.name.endsWith('_bucket'))) this.tolerate(at, message)
      else if (!allowed) this.fail(at, `${message}: Prometheus refuses it (does not support exemplars)`)
      if (sample.exemplar.timestampMs !== undefined && !Number.isFinite(sample.exemplar.timestampMs))
        this.fail(at, 'an exemplar timestamp must be finite')
    }
    const nonNegative = (what: string) => {
      if (Number.isNaN(v) || v < 0) this.tolerate(at, `${what} must be a non-negative number, got ${v}`)
    }
    switch (type) {
      case 'counter':
        if (suffix === '_total') nonNegative(`the counter ${sample.name}`)
        return
      case 'info':
        if (v !== 1) this.tolerate(at, `an info sample's value must be 1, got ${v}`)
        return
      case 'stateset':
        if (!Object.prototype.hasOwnProperty.call(sample.labels, fam.name))
          this.tolerate(at, `a stateset sample needs the label "${fam.name}"`)
        if (v !== 0 && v !== 1) this.tolerate(at, `a stateset sample's value must be 0 or 1, got ${v}`)
        return
      case 'summary':
      case 'histogram':
      case 'gaugehistogram':
        return this.groupSample(st, sample, suffix, at)
      default:
        return
    }
  }

  private groupSample(st: FamilyState, sample: Sample, suffix: string, at: number): void {
    const type = st.family.type
    let key = ''
    for (const k in sample.labels) if (k !== 'le' && k !== 'quantile') key += k + '\u0000' + sample.labels[k] + '\u0001'
    let g = st.group
    if (!g || g.key !== key) {
      if (g) this.closeGroup(st, g)
      if (st.closedGroups!.has(key)) this.tolerate(at, `samples of ${st.family.name}${labelText(sample.labels)} are not contiguous`)
      g = st.group = {
        key,
        line: this.line,
        buckets: 0,
        lastLe: -Infinity,
        lastBucket: 0,
        inf: undefined,
        count: undefined,
        sum: undefined,
        negativeBucket: false
      }
    }
    const v = sample.value
    const name = sample.name
    const positive = (what: string) => {
      if (Number.isNaN(v) || v < 0) this.tolerate(at, `${what} of ${name} must be a non-negative number, got ${v}`)
    }
    if (type === 'summary') {
      if (suffix === '') {
        const q = sample.labels.quantile
        if (q === undefined) this.tolerate(at, `a summary sample ${name} needs a "quantile" label`)
        else {
          const qv = parseFloatToken(q, true)
          if (qv === undefined || Number.isNaN(qv) || qv < 0 || qv > 1) this.tolerate(at, `quantile="${q}" must be a number from 0 to 1`)
        }
        if (v < 0) this.tolerate(at, `the quantile value of ${name} must not be negative, got ${v}`)
      } else if (suffix === '_count') {
        positive('the count')
        g.count = v
      } else if (suffix === '_sum') {
        positive('the sum')
        g.sum = v
      }
      return
    }
    const countSuffix = type === 'histogram' ? '_count' : '_gcount'
    const sumSuffix = type === 'histogram' ? '_sum' : '_gsum'
    if (suffix === '_bucket') {
      const le = sample.labels.le
      // Prometheus stores a bucket it cannot place all the same: read past, with a warning.
      if (le === undefined) return this.tolerate(at, `a bucket ${name} needs an "le" label`)
      const bound = parseFloatToken(le, true)
      if (bound === undefined || Number.isNaN(bound)) return this.tolerate(at, `le="${le}" is not a number`)
      if (bound <= g.lastLe) this.tolerate(at, `buckets of ${st.family.name}${labelText(sample.labels)} must be in increasing order of le`)
      positive('the bucket')
      if (v < g.lastBucket)
        this.tolerate(at, `bucket le="${le}" counts ${v}, fewer than the bucket before it (${g.lastBucket}): buckets are cumulative`)
      if (bound < 0) g.negativeBucket = true
      if (le === '+Inf') g.inf = v
      g.lastLe = bound
      g.lastBucket = v
      g.buckets++
    } else if (suffix === countSuffix) {
      positive('the count')
      g.count = v
    } else if (suffix === sumSuffix) {
      if (Number.isNaN(v)) this.tolerate(at, `the sum ${name} must be a number, got NaN`)
      g.sum = v
    }
  }

  private closeGroup(st: FamilyState, g: GroupState): void {
    st.group = null
    st.closedGroups?.add(g.key)
    const type = st.family.type
    const where = `${st.family.name} (the group starting on line ${g.line})`
    if (type === 'summary') {
      if ((g.count === undefined) !== (g.sum === undefined)) this.tolerateAt(g.line, 1, `${where} needs both _count and _sum, or neither`)
      return
    }
    const [c, s] = type === 'histogram' ? ['_count', '_sum'] : ['_gcount', '_gsum']
    // Prometheus checks none of a classic histogram's structure: each of these is a warning.
    if (g.inf === undefined) this.tolerateAt(g.line, 1, `${where} has no le="+Inf" bucket`)
    if ((g.count === undefined) !== (g.sum === undefined)) this.tolerateAt(g.line, 1, `${where} needs both ${c} and ${s}, or neither`)
    if (g.count !== undefined && g.inf !== undefined && g.count !== g.inf)
      this.tolerateAt(g.line, 1, `${where}: ${c} is ${g.count} but the +Inf bucket is ${g.inf}`)
    if (type === 'histogram' && g.negativeBucket && g.sum !== undefined)
      this.tolerateAt(g.line, 1, `${where} has negative buckets, so it must not have ${s}`)
    if (type === 'histogram' && g.sum !== undefined && g.sum < 0) this.tolerateAt(g.line, 1, `${where}: ${s} must not be negative`)
    if (type === 'gaugehistogram' && g.sum !== undefined && g.sum < 0 && !g.negativeBucket)
      this.tolerateAt(g.line, 1, `${where}: ${s} is negative but no bucket is`)
  }
}

/** Parses a whole exposition page; throws ExpositionError with line and column on the first problem. */
export function parseExposition(text: string, format: ExpositionFormat, opts: ParseOptions = { strict: true }): ExpositionPage {
  return new Parser(text, format, opts.strict).parse()
}

/** The format a scrape answered in, from its Content-Type (Prometheus's rule: OpenMetrics only when said so). */
export function formatFromContentType(contentType: string | null | undefined): ExpositionFormat {
  return contentType && /^application\/openmetrics-text\b/i.test(contentType.trim()) ? 'openmetrics' : 'text'
}
