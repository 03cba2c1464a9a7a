import { createHash } from 'node:crypto'
import escapeHtml from 'escape-html'

/** Characters of a query text, key name or label shown in a report before it is cut (its length is then given). */
export const MAX_TEXT_CHARS = 600
export const MAX_LABEL_CHARS = 120

/**
 * Characters that change how the text around them is displayed without being seen: the Unicode
 * direction overrides, embeddings and isolates ("Trojan Source"), the zero-width ones, a BOM.
 * A report shows each as a visible mark naming its code point, so the text reads as it was written.
 */
const INVISIBLE = /[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g
/** C0 controls other than tab and newline, and DEL: shown as their code point too (matching them is the point). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`

/**
 * Untrusted text (a query, a key, a label value, an error) as HTML: escaped, its invisible and
 * direction-changing characters made visible, cut at `max` characters with the full length said.
 */
export function text(value: string, max = MAX_TEXT_CHARS): string {
  const cut = value.length > max
  const shown = cut ? value.slice(0, max) : value
  const marked = escapeHtml(shown)
    .replace(INVISIBLE, (c) => `<span class="cp">[${codePoint(c)}]</span>`)
    .replace(CONTROL, (c) => `<span class="cp">[${codePoint(c)}]</span>`)
  return cut ? `${marked}<span class="cut">… (${value.length.toLocaleString('en-US')} characters)</span>` : marked
}

/** An attribute value from untrusted text (a chart's title): escaped, invisible characters dropped. */
export function attr(value: string): string {
  return escapeHtml(value.replace(INVISIBLE, '').replace(CONTROL, ''))
}

/** A short stable stand-in for a value the anonymised report hides: the same input gives the same stand-in within a report. */
function standIn(kind: string, value: string, salt: string): string {
  return `${kind}_${createHash('sha256').update(salt).update('\u0000').update(value).digest('hex').slice(0, 8)}`
}

/**
 * The anonymised mode: SQL literals (strings, numbers, dollar-quoted bodies) become `?`, so a
 * normalised text (`$1`) and a captured one read alike; identifiers and comments are kept, except
 * comments' contents, which often carry request ids or user names.
 */
export function anonymiseSql(sql: string): string {
  return (
    sql
      // Comments first: a quote inside one is not a literal.
      .replace(/\/\*[\s\S]*?\*\//g, '/* … */')
      .replace(/--[^\n]*/g, '-- …')
      .replace(/\$([A-Za-z_]*)\$[\s\S]*?\$\1\$/g, '?')
      .replace(/[EeBbXxUu]?'(?:[^']|'')*'/g, '?')
      // A number that is not part of an identifier or a $n parameter.
      .replace(/(?<![\w$.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![\w.])/g, '?')
  )
}

/** What the anonymised mode does to each kind of value; the identity when it is off. */
export interface Anonymiser {
  sql(s: string): string
  key(s: string): string
  label(s: string): string
  /** Free text that may quote any of them (a finding's message, a slowlog command). */
  free(s: string): string
}

export function anonymiser(on: boolean, salt: string): Anonymiser {
  if (!on) return { sql: (s) => s, key: (s) => s, label: (s) => s, free: (s) => s }
  return {
    sql: anonymiseSql,
    key: (s) => standIn('key', s, salt),
    label: (s) => standIn('v', s, salt),
    // Quoted parts and numbers of a message go, its wording stays.
    free: (s) => s.replace(/"[^"]*"|'[^']*'/g, '"…"').replace(/(?<![\w$.])\d+(?:\.\d+)?(?![\w.])/g, '?')
  }
}
