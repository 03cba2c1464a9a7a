import type { Core } from '../../src/main/core'

/**
 * A request to the core as the tests make it: the result, or the API error thrown with its code.
 * `core` is a getter because the tests create theirs in beforeAll.
 */
export function coreCaller(core: () => Core) {
  return async (method: string, params: unknown) => {
    const r = await core().dispatch(method, params)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code, reason: r.error.reason })
    return r.result as any
  }
}

/**
 * A job request as the tests make it: the job's result from its job.done event, or its error (a
 * refusal of the request, or the error the job ended with), thrown with its code.
 */
export function jobCaller(core: () => Core) {
  return async (method: string, params: Record<string, unknown>): Promise<any> => {
    const jobId = (params.jobId as string | undefined) ?? `job-${Math.random().toString(36).slice(2)}`
    let off = () => {}
    const done = new Promise((resolve, reject) => {
      off = core().onEvent((name, payload) => {
        const p = payload as { jobId?: string; result?: unknown; error?: { code: string; message: string } | null }
        if (name !== 'job.done' || p.jobId !== jobId) return
        off()
        if (p.error) reject(Object.assign(new Error(p.error.message), p.error))
        else resolve(p.result)
      })
    })
    const r = await core().dispatch(method, { ...params, jobId })
    if (!r.ok) {
      off()
      throw Object.assign(new Error(r.error.message), { code: r.error.code, reason: r.error.reason })
    }
    return done
  }
}

/** The points of one `series.delta` event, one per series, each with the poll's time. */
export function pointsOf(d: { t: number; points: { seriesId: string; v: number | null }[] }) {
  return d.points.map((p) => ({ seriesId: p.seriesId, t: d.t, v: p.v }))
}
