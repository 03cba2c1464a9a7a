/**
 * Redis's glob patterns (SCAN MATCH, KEYS) as a RegExp: `*`, `?`, `[abc]`, `[^a]`, `[a-z]` and
 * `\x` for a literal x. Used to sample the keyspace locally for dry runs, so the estimate comes
 * from the same rule the server applies.
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '^'
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!
    if (c === '*') re += '[\\s\\S]*'
    else if (c === '?') re += '[\\s\\S]'
    else if (c === '\\' && i + 1 < pattern.length) re += escapeChar(pattern[++i]!)
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2)
      if (close === -1) {
        re += '\\['
        continue
      }
      let body = pattern.slice(i + 1, close)
      const negate = body.startsWith('^')
      if (negate) body = body.slice(1)
      let cls = ''
      for (let k = 0; k < body.length; k++) {
        const b = body[k]!
        if (b === '\\' && k + 1 < body.length) cls += escapeClassChar(body[++k]!)
        else if (b === '-' && k > 0 && k + 1 < body.length) cls += '-'
        else cls += escapeClassChar(b)
      }
      re += `[${negate ? '^' : ''}${cls}]`
      i = close
    } else re += escapeChar(c)
  }
  return new RegExp(re + '$', 's')
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c
}

function escapeClassChar(c: string): string {
  return /[\]\\^-]/.test(c) ? '\\' + c : c
}
