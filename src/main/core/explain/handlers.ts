import { ApiError, type ApiHandlers } from '../../../shared/api'
import { randomUUID } from 'node:crypto'
import { pgThresholds } from '../postgres/thresholds'
import type { CoreServices } from '../services'
import { comparePlans } from './history'
import { explainPasted } from './index'
import { PlanParseError } from './model'
import { auditJobEnd, jobError, runJob } from '../jobs'
import { checkExplain, runCheckedExplain } from './run'

export function explainHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'explain.run' | 'explain.history' | 'explain.get' | 'explain.compare' | 'explain.paste'> {
  const plans = s.plans
  const gone = () => new ApiError('not_found', 'that plan is no longer in the history')
  return {
    // Checked while the request waits (planning only); run as a job: ANALYZE executes the statement.
    'explain.run': async ({ profile, sql, analyze, params, jobId: asked }, ctx) => {
      const { profile: p, open, cancelBackend } = await s.postgres.forProfile(profile)
      const now = s.clock.now()
      const checked = await checkExplain(open, { profile: p, sql, analyze, params, thresholds: pgThresholds(p.thresholds), now }, ctx)
      const jobId = asked ?? randomUUID()
      const action = `${analyze ? 'explain analyze' : 'explain'} (job ended)`
      const end = { profile: p.name, environment: p.environment, action, target: `query ${checked.digest}` }
      runJob(s, { jobId, profile, kind: 'explain.run' }, async (signal) => {
        const started = s.clock.now()
        try {
          const { result, writes } = await runCheckedExplain(checked, signal, cancelBackend)
          const details = { jobId, writes, rolledBack: true, elapsedMs: s.clock.now() - started }
          await auditJobEnd(s, { ...end, details, outcome: 'ok' })
          const key = result.plan.queryId ? `queryid:${result.plan.queryId}` : `digest:${checked.digest}`
          return { ...result, historyId: plans.add(p.name, key, sql, result, now).id }
        } catch (err) {
          const e = jobError(err)
          const outcome = e.code === 'refused' ? 'refused' : 'failed'
          await auditJobEnd(s, { ...end, details: { jobId, elapsedMs: s.clock.now() - started }, outcome, error: e.message })
          throw err
        }
      })
      return { jobId }
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
