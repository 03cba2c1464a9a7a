import { ApiError } from '../../../shared/api'
import type { InstantAnswer, RangeAnswer } from '../../../shared/prometheus'
import { chooseStep, PrometheusApiError, PrometheusClient } from './api-client'

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null)

function apiError(err: unknown): never {
  if (err instanceof PrometheusApiError) throw new ApiError(err.status === null ? 'unavailable' : 'bad_request', err.message)
  throw err
}

export async function instantQuery(client: PrometheusClient, expr: string, timeS?: number): Promise<InstantAnswer> {
  const r = await client.query(expr, { timeS }).catch(apiError)
  const d = r.data
  if (d.type === 'matrix') throw new ApiError('bad_request', 'an instant query returned a range (use the range mode)')
  return {
    resultType: d.type,
    series: d.type === 'vector' ? d.series.map((s) => ({ metric: s.metric, t: s.t, value: finite(s.value) })) : [],
    scalar: d.type === 'vector' ? null : d.value,
    warnings: r.warnings,
    infos: r.infos
  }
}

/** A range query with the step chosen for the chart, aligned on one time axis for uPlot. */
export async function rangeQuery(
  client: PrometheusClient,
  expr: string,
  startS: number,
  endS: number,
  widthPx: number
): Promise<RangeAnswer> {
  const stepS = chooseStep(startS, endS, widthPx)
  const r = await client.queryRange(expr, startS, endS, stepS).catch(apiError)
  const d = r.data
  if (d.type !== 'matrix') throw new ApiError('bad_request', `a range query returned a ${d.type}`)
  const n = Math.floor((endS - startS) / stepS) + 1
  const t = Array.from({ length: n }, (_, i) => Math.round((startS + i * stepS) * 1000))
  const series = d.series.map((s) => {
    const v = new Array<number | null>(n).fill(null)
    for (let i = 0; i < s.t.length; i++) {
      const k = Math.round((s.t[i]! / 1000 - startS) / stepS)
      if (k >= 0 && k < n) v[k] = finite(s.values[i]!)
    }
    return { metric: s.metric, v }
  })
  return { stepS, t, series, warnings: r.warnings, infos: r.infos }
}
