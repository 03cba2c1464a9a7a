import type { ExplainResult, PlanNode } from './explain'

/**
 * An expression with its constants replaced: string literals become '?' (a cast after them stays,
 * so the shape of the condition is kept), numbers standing on their own become ?. Identifiers,
 * quoted identifiers and $n parameters are left alone.
 */
export function anonymiseExpression(s: string): string {
  let out = ''
  let i = 0
  while (i < s.length) {
    const c = s[i]!
    if (c === "'") {
      // A literal ends at a quote not doubled.
      let j = i + 1
      while (j < s.length && !(s[j] === "'" && s[j + 1] !== "'")) j += s[j] === "'" ? 2 : 1
      out += "'?'"
      i = j + 1
    } else if (c === '"') {
      let j = i + 1
      while (j < s.length && !(s[j] === '"' && s[j + 1] !== '"')) j += s[j] === '"' ? 2 : 1
      out += s.slice(i, j + 1)
      i = j + 1
    } else if (/[0-9]/.test(c) && !/[\w$.]/.test(s[i - 1] ?? '')) {
      let j = i
      while (j < s.length && /[0-9.]/.test(s[j]!)) j++
      if (/[A-Za-z_]/.test(s[j] ?? '')) {
        // Part of a word after all (1st, 2x): keep it.
        out += s.slice(i, j)
      } else out += '?'
      i = j
    } else {
      out += c
      i++
    }
  }
  return out
}

const EXPRESSION_FIELDS = ['filter', 'indexCond', 'recheckCond', 'joinFilter', 'hashCond', 'mergeCond'] as const

/**
 * A plan with its analysis and advice as one JSON document, for a report or a colleague; with
 * `anonymise`, every constant in the statement, the conditions and the advice is replaced and
 * the raw plan (which holds them too) is left out.
 */
export function exportPlan(result: ExplainResult, query: string | null, anonymise: boolean): string {
  const a = anonymise ? anonymiseExpression : (s: string) => s
  const nodes = result.plan.nodes.map((n): PlanNode => {
    if (!anonymise) return n
    const copy: PlanNode = { ...n, sortKey: n.sortKey.map(a), groupKey: n.groupKey.map(a) }
    for (const f of EXPRESSION_FIELDS) if (copy[f] !== null) copy[f] = a(copy[f]!)
    return copy
  })
  return JSON.stringify(
    {
      format: 'lookout-plan/1',
      exportedAt: new Date().toISOString(),
      anonymised: anonymise,
      query: query === null ? null : a(query),
      plan: { ...result.plan, nodes, queryText: result.plan.queryText === null ? null : a(result.plan.queryText) },
      advice: result.advice.map((x) => ({ ...x, message: a(x.message), sql: x.sql === null ? null : x.sql, title: a(x.title) })),
      raw: anonymise ? null : result.raw
    },
    null,
    2
  )
}
