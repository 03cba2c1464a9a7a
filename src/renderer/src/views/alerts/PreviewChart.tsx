import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import type { RulePreview } from '../../../../shared/alert-rules'
import { cssVar, timeChartOptions } from '../../components/chart-axes'
import { firingSpans } from '../../lib/alert-view'
import { useTheme } from '../../stores/theme'

/**
 * A rule's preview on one target: the value as the rule read it at each point, the threshold (and
 * the clear threshold) as dashed lines, and the spans where the rule would have been firing shaded.
 */
export function PreviewChart({ preview, target }: { preview: RulePreview; target: RulePreview['targets'][number] }) {
  const host = useRef<HTMLDivElement>(null)
  const theme = useTheme((s) => s.theme)
  useEffect(() => {
    const el = host.current
    if (!el || target.t.length === 0) return
    const n = target.t.length
    const span = target.t[n - 1]! - target.t[0]!
    const line = (v: number | null) => (v === null ? null : new Array<number>(n).fill(v))
    const threshold = line(preview.threshold)
    const clear = line(preview.clearThreshold)
    const spans = firingSpans(target.transitions, target.t[n - 1]!)
    const danger = cssVar('--bad') || '#f0524f'
    const u = new uPlot(
      {
        ...timeChartOptions(el.clientWidth, 220, span),
        legend: { live: true },
        series: [
          {},
          { label: 'value', stroke: '#5aa9ff', width: 1.5, spanGaps: false },
          ...(threshold ? [{ label: 'threshold', stroke: danger, width: 1, dash: [6, 4] }] : []),
          ...(clear ? [{ label: 'clears at', stroke: '#3fb96f', width: 1, dash: [2, 4] }] : [])
        ],
        hooks: {
          // Firing spans, shaded under the lines.
          drawClear: [
            (plot) => {
              const ctx = plot.ctx
              ctx.save()
              ctx.fillStyle = `${danger}22`
              for (const s of spans) {
                const x0 = plot.valToPos(s.from, 'x', true)
                const x1 = plot.valToPos(s.to, 'x', true)
                ctx.fillRect(x0, plot.bbox.top, Math.max(1, x1 - x0), plot.bbox.height)
              }
              ctx.restore()
            }
          ]
        }
      },
      [target.t, target.v, ...(threshold ? [threshold] : []), ...(clear ? [clear] : [])] as uPlot.AlignedData,
      el
    )
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(300, el.clientWidth), height: 220 }))
    ro.observe(el)
    return () => {
      ro.disconnect()
      u.destroy()
    }
  }, [preview, target, theme])
  return <div ref={host} className="range-chart preview-chart" data-target={target.target} data-points={target.t.length} />
}
