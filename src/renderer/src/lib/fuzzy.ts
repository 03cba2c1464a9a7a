/**
 * Fuzzy matching for the command palette: every character of the query, in order, in the text
 * (case-insensitive). The score favours matches at the start of a word and runs of consecutive
 * characters, and penalises the distance to the first match, so "pst" ranks "payments-staging"
 * above "postgres settings", and a query that ends a word counts more, so "prod" ranks
 * "shop-prod" above "product-dev-ro". Returns null
 * when the text does not match, else the score and the matched positions (for highlighting).
 */
export function fuzzyMatch(query: string, text: string): { score: number; positions: number[] } | null {
  const q = query.toLowerCase().replace(/\s+/g, '')
  if (!q) return { score: 0, positions: [] }
  const t = text.toLowerCase()
  const positions: number[] = []
  let score = 0
  let from = 0
  for (let k = 0; k < q.length; k++) {
    const ch = q[k]!
    let at = t.indexOf(ch, from)
    if (at < 0) return null
    // Jump to a later occurrence that starts a word, unless this one continues a run, and only
    // when the rest of the query still matches after it.
    const wordStart = findWordStart(t, ch, from)
    const continuesRun = positions.length > 0 && at === positions.at(-1)! + 1
    if (wordStart > at && !continuesRun && isSubsequence(q.slice(k + 1), t, wordStart + 1)) at = wordStart
    const consecutive = positions.length > 0 && at === positions.at(-1)! + 1
    score += 1 + (isWordStart(t, at) ? 8 : 0) + (consecutive ? 5 : 0)
    positions.push(at)
    from = at + 1
  }
  // A query that ends where a word ends ("prod" in "shop-prod") beats one that stops inside a
  // longer word ("prod" in "product-dev").
  const end = positions.at(-1)! + 1
  if (end === t.length || /[\s\-_./:)@]/.test(t[end]!)) score += 3
  score -= positions[0]! * 0.1 + (t.length - q.length) * 0.01
  return { score, positions }
}

function isSubsequence(q: string, t: string, from: number): boolean {
  for (const ch of q) {
    const at = t.indexOf(ch, from)
    if (at < 0) return false
    from = at + 1
  }
  return true
}

function isWordStart(t: string, i: number): boolean {
  return i === 0 || /[\s\-_./:(@]/.test(t[i - 1]!)
}

function findWordStart(t: string, ch: string, from: number): number {
  for (let i = t.indexOf(ch, from); i >= 0; i = t.indexOf(ch, i + 1)) if (isWordStart(t, i)) return i
  return -1
}

/** The items that match, best first (ties keep their order), at most `limit`. */
export function rankMatches<T>(
  query: string,
  items: readonly T[],
  text: (item: T) => string,
  limit = 50
): { item: T; positions: number[] }[] {
  const scored: { item: T; positions: number[]; score: number; i: number }[] = []
  items.forEach((item, i) => {
    const m = fuzzyMatch(query, text(item))
    if (m) scored.push({ item, positions: m.positions, score: m.score, i })
  })
  scored.sort((a, b) => b.score - a.score || a.i - b.i)
  return scored.slice(0, limit).map(({ item, positions }) => ({ item, positions }))
}
