import { ApiError, type ApiHandlers } from '../../../shared/api'
import { queryDigest } from '../postgres/actions'
import { pgThresholds } from '../postgres/thresholds'
import type { CoreServices } from '../services'
import { comparePlans, PlanHistory } from './history'
import { explainPasted } from './index'
import { PlanParseError } from './model'
import { runExplain } from './run'

export function explainHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'explain.run' | 'explain.history' | 'explain.get' | 'explain.compare' | 'explain.paste'> {
  const plans = new PlanHistory()
  const gone = () => new ApiError('not_found', 'that plan is no longer in the history')
  return {
    'explain.run': async ({ profile, sql, analyze, params }, ctx) => {
      const { profile: p, open } = await s.postgres.forProfile(profile)
      const now = s.clock.now()
      const r = await runExplain(open, { profile: p, sql, analyze, params, thresholds: pgThresholds(p.thresholds), now }, ctx)
      const key = r.plan.queryId ? `queryid:${r.plan.queryId}` : `digest:${queryDigest(sql)}`
      return { ...r, historyId: plans.add(p.name, key, sql, r, now).id }
    },
    'explain.history': async ({ profile, historyId }) => {
      const key = historyId === null ? null : (plans.get(historyId)?.entry.key ?? null)
      if (historyId !== null && key === null) throw gone()
      return plans.list(profile, key)
    },
    'explain.get': async ({ historyId }) => {
      const h = plans.get(historyId)
      if (!h) throw gone()
      return h.result
    },
    'explain.compare': async ({ before, after }) => {
      const a = plans.get(before)
      const b = plans.get(after)
      if (!a || !b) throw new ApiError('not_found', 'one of the plans is no longer in the history')
      return {
        before: a.entry,
        after: b.entry,
        nodes: comparePlans(a.result.plan, b.result.plan),
        executionMs: [a.entry.executionMs, b.entry.executionMs] as [number | null, number | null],
        totalCost: [a.entry.totalCost, b.entry.totalCost] as [number | null, number | null]
      }
    },
    'explain.paste': async ({ plan }) => {
      try {
        return explainPasted(plan)
      } catch (err) {
        if (err instanceof PlanParseError) throw new ApiError('bad_request', err.message)
        throw err
      }
    }
  }
}
