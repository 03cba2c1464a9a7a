/**
 * Secrets a statement's text can carry, taken out before Lookout shows or keeps it.
 * pg_stat_statements normalises constants to $n in ordinary statements, but keeps utility
 * statements as they were typed: `ALTER ROLE app PASSWORD 'hunter2'` sits there, readable by any
 * role with pg_read_all_stats, and so would sit in the Slow queries view, the Activity view, a
 * finding's message and the history on disk.
 */

/** What replaces a secret. */
export const REDACTED = '<redacted>'

// A string literal, standard ('...' with '' inside) or escape (E'...' with \' inside).
const LITERAL = String.raw`(?:[eE]'(?:[^'\\]|\\.|'')*'|'(?:[^']|'')*')`

const RULES: [RegExp, string][] = [
  // CREATE/ALTER ROLE|USER ... [ENCRYPTED] PASSWORD 'x'
  [new RegExp(String.raw`\b(PASSWORD\s+)${LITERAL}`, 'gi'), `$1'${REDACTED}'`],
  // OPTIONS (user 'app', password 'x') of a user mapping or server (postgres_fdw, dblink_fdw)
  [new RegExp(String.raw`\b(password(?:_required)?\s+)${LITERAL}`, 'gi'), `$1'${REDACTED}'`],
  // A connection string inside a literal (dblink, CREATE SUBSCRIPTION ... CONNECTION '...'):
  // password=x or password='x y', and a URL's user:password@.
  [/\b(password\s*=\s*)(?:'(?:[^'\\]|\\.)*'|[^\s']+)/gi, `$1${REDACTED}`],
  [/(\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@']*:)[^\s@/']+@/gi, `$1${REDACTED}@`]
]

/** The statement's text with every password literal replaced by `<redacted>`. */
export function redactStatement(text: string): string {
  // Cheap test first: almost no statement names a password.
  if (!/password|:\/\//i.test(text)) return text
  let out = text
  for (const [re, to] of RULES) out = out.replace(re, to)
  return out
}
