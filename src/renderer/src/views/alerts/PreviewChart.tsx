import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import type { RulePreview } from '../../../../shared/alert-rules'
import { fitYAxis } from '../../components/chart-axes'
import { TIME_STEPS_MS, timeLabelSpace } from '../../lib/chart-axes'
import { clockLabel } from '../../lib/format'
import { firingSpans } from '../../lib/alert-view'
import { useTheme } from '../../stores/theme'

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

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
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } }
    const danger = cssVar('--down') || '#f0524f'
    const u = new uPlot(
      {
        width: Math.max(300, el.clientWidth),
        height: 220,
        ms: 1,
        scales: { x: { time: true } },
        axes: [
          { ...axis, incrs: TIME_STEPS_MS, space: timeLabelSpace(span), values: (_u, ticks) => ticks.map((t) => clockLabel(t, span)) },
          { ...axis, size: fitYAxis }
        ],
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
