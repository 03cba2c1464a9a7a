import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import type { RangeAnswer } from '../../../shared/prometheus'
import { seriesLabel } from '../app/promql'
import { useTheme } from '../stores/theme'
import { timeChartOptions } from './chart-axes'

const PALETTE = ['#5aa9ff', '#3fb96f', '#e0a526', '#f0524f', '#b07cf7', '#34c3c3', '#ff8a5c', '#9aa4b2']
/** Beyond this many series a chart stops being readable; the rest are counted, not drawn. */
export const MAX_DRAWN_SERIES = 20

/** A PromQL range answer as one uPlot chart with a legend. */
export function RangeChart({ answer }: { answer: RangeAnswer }) {
  const host = useRef<HTMLDivElement>(null)
  const theme = useTheme((s) => s.theme)
  useEffect(() => {
    const el = host.current
    if (!el) return
    const drawn = answer.series.slice(0, MAX_DRAWN_SERIES)
    const span = (answer.t[answer.t.length - 1] ?? 0) - (answer.t[0] ?? 0)
    const u = new uPlot(
      {
        ...timeChartOptions(el.clientWidth, 300, span),
        legend: { live: true },
        series: [
          {},
          ...drawn.map((s, i) => ({ label: seriesLabel(s.metric), stroke: PALETTE[i % PALETTE.length], width: 1.5, spanGaps: false }))
        ]
      },
      [answer.t, ...drawn.map((s) => s.v)] as uPlot.AlignedData,
      el
    )
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: 300 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
    }
  }, [answer, theme])
  let points = 0
  for (const s of answer.series) for (const v of s.v) if (v !== null) points++
  return <div ref={host} className="range-chart" data-series={answer.series.length} data-points={points} />
}
