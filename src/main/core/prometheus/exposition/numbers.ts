/**
 * Numbers as Go's strconv.ParseFloat reads them (what Prometheus uses), not as JavaScript's
 * Number() does: Number() accepts "", " 1", "0x1", "0b1", "1_0"-free forms Go rejects and the
 * reverse. Returns undefined when the token is not a number.
 */

const D0 = 48
const D9 = 57

function isDigit(c: number): boolean {
  return c >= D0 && c <= D9
}

/** `[+-]?(inf|infinity|nan)`, any case, as Go accepts (OpenMetrics' ABNF says the same). */
function special(s: string): number | undefined {
  let i = 0
  let sign = 1
  const c0 = s.charCodeAt(0)
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    i = 1
    if (c0 === 45) sign = -1
  }
  const rest = s.length - i
  if (rest !== 3 && rest !== 8) return undefined
  const word = s.slice(i).toLowerCase()
  if (word === 'inf' || word === 'infinity') return sign * Infinity
  if (word === 'nan' && i === 0) return NaN
  return undefined
}

/** A decimal float: `[+-]? (d+ [. d*] | . d+) ([eE] [+-]? d+)?`. */
export function isDecimalFloat(s: string, start = 0, end = s.length): boolean {
  let i = start
  if (i < end && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++
  let mantissa = 0
  while (i < end && isDigit(s.charCodeAt(i))) {
    i++
    mantissa++
  }
  if (i < end && s.charCodeAt(i) === 46 /* . */) {
    i++
    while (i < end && isDigit(s.charCodeAt(i))) {
      i++
      mantissa++
    }
  }
  if (mantissa === 0) return false
  if (i < end && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69) /* e E */) {
    i++
    if (i < end && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++
    const expStart = i
    while (i < end && isDigit(s.charCodeAt(i))) i++
    if (i === expStart) return false
  }
  return i === end
}

/**
 * A sample value. `openmetrics` allows decimal floats and inf/nan only; `text` (0.0.4) follows
 * Go's ParseFloat as Prometheus does, hexadecimal floats included.
 */
export function parseFloatToken(s: string, _openMetrics: boolean): number | undefined {
  if (s.length === 0) return undefined
  if (isDecimalFloat(s)) return Number(s)
  const sp = special(s)
  if (sp !== undefined) return sp
  // Go's ParseFloat reads hexadecimal floats, but the Prometheus server's scrape refuses them
  // ("unsupported character in float", measured on 2.42): neither format takes them here.
  return undefined
}

/** An OpenMetrics timestamp: a decimal float of seconds (no inf or nan). Returns milliseconds. */
export function parseOpenMetricsTimestamp(s: string): number | undefined {
  if (!isDecimalFloat(s)) return undefined
  return Number(s) * 1000
}

/** A text 0.0.4 timestamp: an integer of milliseconds. */
export function parseTextTimestamp(s: string): number | undefined {
  let i = 0
  if (s.charCodeAt(0) === 43 || s.charCodeAt(0) === 45) i = 1
  if (i === s.length) return undefined
  for (; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return undefined
  return Number(s)
}
