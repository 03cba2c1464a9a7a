import { decodeExposition } from '../core/prometheus/exposition/decode'
import { parseExposition } from '../core/prometheus/exposition/parser'
import { ExpositionError, type ExpositionFormat } from '../core/prometheus/exposition/types'

export interface LintOptions {
  /** Where the page came from, for messages: a path or "-" for standard input. */
  source: string
  format: ExpositionFormat | 'auto'
  json: boolean
  /** The written format's every rule is an error (exit 1), as the OpenMetrics conformance suite reads it. */
  strict?: boolean
}

export interface LintIo {
  out(text: string): void
  err(text: string): void
}

/**
 * The format to parse a page in when none is given: OpenMetrics when its last line is "# EOF"
 * (which every OpenMetrics page must end with), text 0.0.4 otherwise.
 */
export function detectFormat(page: string): ExpositionFormat {
  return /(^|\n)# EOF\n?$/.test(page) ? 'openmetrics' : 'text'
}

/**
 * `lookout metrics lint`: two levels, as `FILE:LINE:COLUMN: level: message`. An error is what
 * makes the Prometheus server refuse the scrape (exit 1); a warning breaks the written format but
 * Prometheus takes the page (exit 0, or 1 with `strict`, where every rule is an error).
 */
export function lintPage(input: string | Uint8Array, opts: LintOptions, io: LintIo): number {
  // Bytes (a file, standard input) are decoded as a scrape's body is: invalid UTF-8 is an error.
  let page: string
  try {
    page = typeof input === 'string' ? input : decodeExposition(input)
  } catch (err) {
    if (!(err instanceof ExpositionError)) throw err
    io.err(`${opts.source}:${err.line}:${err.column}: error: ${err.reason}\n`)
    return 1
  }
  const format = opts.format === 'auto' ? detectFormat(page) : opts.format
  const formatName = format === 'openmetrics' ? 'OpenMetrics 1.0' : 'text 0.0.4'
  try {
    const parsed = parseExposition(page, format, { strict: Boolean(opts.strict) })
    if (opts.json) io.out(JSON.stringify(parsed, null, 2) + '\n')
    else {
      for (const w of parsed.warnings)
        io.err(`${opts.source}:${w.line}:${w.column}: warning: ${w.message} (${formatName}; Prometheus takes it)\n`)
      io.out(
        `${opts.source}: valid ${format === 'openmetrics' ? 'OpenMetrics 1.0' : 'Prometheus text 0.0.4'}${parsed.warnings.length ? ` for Prometheus, with ${parsed.warnings.length} warning(s)` : ''}: ${parsed.families.length} families, ${parsed.sampleCount} samples\n`
      )
    }
    return 0
  } catch (err) {
    if (!(err instanceof ExpositionError)) throw err
    // A text page that happens to end in "# EOF" was guessed to be OpenMetrics: say so.
    let hint = ''
    if (opts.format === 'auto' && format === 'openmetrics') {
      try {
        parseExposition(page, 'text', { strict: Boolean(opts.strict) })
        hint = '; the page ends with "# EOF", so it was read as OpenMetrics: read as text 0.0.4 (--format text) it is valid'
      } catch {
        /* not valid as text either: the OpenMetrics reason stands */
      }
    }
    if (opts.json) io.out(JSON.stringify({ error: { line: err.line, column: err.column, message: err.reason }, format }, null, 2) + '\n')
    io.err(`${opts.source}:${err.line}:${err.column}: error: ${err.reason} (${formatName})${hint}\n`)
    return 1
  }
}
