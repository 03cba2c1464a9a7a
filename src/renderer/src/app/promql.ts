import { parser } from '@prometheus-io/lezer-promql'

export interface SyntaxProblem {
  /** 1-based column of the first error in the expression. */
  column: number
  message: string
}

/** The first syntax error in a PromQL expression, as Prometheus's own grammar (lezer-promql) sees it. */
export function checkPromql(expr: string): SyntaxProblem | null {
  if (!expr.trim()) return { column: 1, message: 'the expression is empty' }
  const tree = parser.parse(expr)
  let at: number | null = null
  tree.iterate({
    enter: (node) => {
      if (at === null && node.type.isError) at = node.from
      return at === null
    }
  })
  if (at === null) return null
  const col = (at as number) + 1
  const near = expr.slice(Math.max(0, (at as number) - 10), (at as number) + 10)
  return { column: col, message: `syntax error at column ${col}, near ${JSON.stringify(near)}` }
}

/** A series' legend: `name{a="1",b="2"}` from the labels Prometheus returned. */
export function seriesLabel(metric: Record<string, string>): string {
  const { __name__: name, ...rest } = metric
  const labels = Object.entries(rest)
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')
  return `${name ?? ''}${labels ? `{${labels}}` : name ? '' : '{}'}`
}
