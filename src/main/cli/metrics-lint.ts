import { parseExposition } from '../core/prometheus/exposition/parser'
import { ExpositionError, type ExpositionFormat } from '../core/prometheus/exposition/types'

export interface LintOptions {
  /** Where the page came from, for messages: a path or "-" for standard input. */
  source: string
  format: ExpositionFormat | 'auto'
  json: boolean
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

/** `lookout metrics lint`: 0 when the page is valid, 1 with `source:line:column: reason` when not. */
export function lintPage(page: string, opts: LintOptions, io: LintIo): number {
  const format = opts.format === 'auto' ? detectFormat(page) : opts.format
  try {
    const parsed = parseExposition(page, format)
    if (opts.json) io.out(JSON.stringify(parsed, null, 2) + '\n')
    else
      io.out(
        `${opts.source}: valid ${format === 'openmetrics' ? 'OpenMetrics 1.0' : 'Prometheus text 0.0.4'}: ${parsed.families.length} families, ${parsed.sampleCount} samples\n`
      )
    return 0
  } catch (err) {
    if (!(err instanceof ExpositionError)) throw err
    io.err(`${opts.source}:${err.line}:${err.column}: ${err.reason} (${format === 'openmetrics' ? 'OpenMetrics 1.0' : 'text 0.0.4'})\n`)
    return 1
  }
}
