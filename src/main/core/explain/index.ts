import type { ExplainResult, PlanModel } from '../../../shared/explain'
import { advise } from './advice'
import { analysePlan } from './analyse'
import { parseJsonPlan } from './json-plan'
import { autoExplainBody, stripPsql } from './model'
import { parseTextPlan } from './text-plan'

/** JSON when the plan (psql's decorations aside) starts with [ or {, else the text format. */
export function planFormat(input: string): 'json' | 'text' {
  // Only the head matters: never split a plan of many megabytes to look at its first line.
  const head = stripPsql((autoExplainBody(input) ?? input).slice(0, 4096))
  const first = head.find((l) => l.trim())?.trim() ?? ''
  return first.startsWith('[') || first.startsWith('{') ? 'json' : 'text'
}

export function parsePlan(input: string): { plan: PlanModel; format: 'json' | 'text' } {
  const format = planFormat(input)
  const plan = format === 'json' ? parseJsonPlan(input) : parseTextPlan(input)
  return { plan: analysePlan(plan), format }
}

/** A pasted or saved plan: parsed, analysed and advised without connecting to anything. */
export function explainPasted(input: string): ExplainResult {
  const { plan, format } = parsePlan(input)
  return { historyId: null, plan, advice: advise(plan), raw: input, format, run: null }
}
