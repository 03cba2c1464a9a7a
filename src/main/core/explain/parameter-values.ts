import type pg from 'pg'
import type { ParameterValueSet, PlanModel } from '../../../shared/explain'
import { queryRows } from '../postgres/sql'

export interface ParameterColumn {
  param: number
  schema: string | null
  table: string
  column: string
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`
const unquote = (id: string) => (id.startsWith('"') ? id.slice(1, -1).replace(/""/g, '"') : id)

/**
 * The column each $n is compared with, read from a generic plan's conditions: `col = $1`,
 * `t.col >= $2`, `$3 = col` (casts around either side allowed), on the node's own relation.
 * A parameter compared with several columns keeps the first.
 */
export function parameterColumns(plan: PlanModel): ParameterColumn[] {
  const out = new Map<number, ParameterColumn>()
  // A bare column, not an argument of a function call nor the tail of a longer name.
  const col = String.raw`(?<![\w$".])(?<![\w$"]\(+)\(*(?:(${IDENT})\.)?(${IDENT})(?![\w$"(])\)*(?:::[\w ."\[\]]+)?`
  const param = String.raw`\(*\$(\d+)\)*(?:::[\w ."\[\]]+)?`
  const op = String.raw`\s*(?:=|<>|<=|>=|<|>|~~\*?|!~~\*?)\s*`
  const forward = new RegExp(`${col}${op}${param}`, 'g')
  const backward = new RegExp(`${param}${op}${col}`, 'g')
  for (const n of plan.nodes) {
    if (!n.relation) continue
    for (const cond of [n.indexCond, n.filter, n.recheckCond]) {
      if (!cond) continue
      const found: [number, string, string | undefined][] = []
      for (const m of cond.matchAll(forward)) found.push([Number(m[3]), unquote(m[2]!), m[1]])
      for (const m of cond.matchAll(backward)) found.push([Number(m[1]), unquote(m[3]!), m[2]])
      for (const [p, column, qualifier] of found) {
        // A qualifier names this node's relation (or its alias); another table's column is another node's.
        if (qualifier && unquote(qualifier) !== n.alias && unquote(qualifier) !== n.relation) continue
        if (!out.has(p)) out.set(p, { param: p, schema: n.schema, table: n.relation, column })
      }
    }
  }
  return [...out.values()].sort((a, b) => a.param - b.param)
}

/**
 * Values for a custom plan of each kind, from the statistics the planner itself reads
 * (pg_stats.most_common_vals and their frequencies): one set with every parameter's most common
 * value, one with the rarest of its common values. A parameter not compared with a column (a
 * LIMIT), or whose column has no common values, is left for the user (null). Null when no
 * parameter has a value to offer.
 */
export async function customPlanValues(client: pg.Client, plan: PlanModel, paramCount: number): Promise<ParameterValueSet[] | null> {
  if (paramCount === 0) return null
  const byParam = new Map(parameterColumns(plan).map((c) => [c.param, c]))
  const perParam: ({ values: string[]; freqs: number[]; column: ParameterColumn } | null)[] = []
  for (let p = 1; p <= paramCount; p++) {
    const c = byParam.get(p)
    if (!c) {
      perParam.push(null)
      continue
    }
    const [row] = await queryRows(
      client,
      `/* lookout */ SELECT most_common_vals::text::text[] AS vals, most_common_freqs AS freqs
         FROM pg_stats WHERE tablename = $1 AND attname = $2 AND ($3::text IS NULL OR schemaname = $3)
         ORDER BY schemaname = current_schema() DESC LIMIT 1`,
      [c.table, c.column, c.schema]
    )
    const values = (row?.vals as string[] | null) ?? []
    const freqs = ((row?.freqs as number[] | null) ?? []).map(Number)
    perParam.push(values.length && freqs.length === values.length ? { values, freqs, column: c } : null)
  }
  if (perParam.every((p) => p === null)) return null
  const pick = (which: 'most' | 'least'): ParameterValueSet => {
    const chosen = perParam.map((p, i) => {
      if (!p) return { value: null, says: `$${i + 1}: no common values to draw from, type one` }
      let k = 0
      for (let j = 1; j < p.freqs.length; j++) if (which === 'most' ? p.freqs[j]! > p.freqs[k]! : p.freqs[j]! < p.freqs[k]!) k = j
      const f = p.freqs[k]!
      return {
        value: p.values[k]!,
        says: `$${i + 1} = ${p.values[k]!} (${p.column.table}.${p.column.column}: ${(f * 100).toFixed(f < 0.01 ? 2 : 1)}% of rows)`
      }
    })
    return {
      label: which === 'most' ? 'most common values' : 'rarest common values',
      values: chosen.map((c) => c.value),
      why: chosen.map((c) => c.says).join(', ')
    }
  }
  const [most, least] = [pick('most'), pick('least')]
  // One common value only: both sets are the same.
  return most.values.join('\u0000') === least.values.join('\u0000') ? [most] : [most, least]
}
