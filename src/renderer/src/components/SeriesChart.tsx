import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { RingSeries } from '../../../shared/ring'
import { useSeries } from '../stores/series'
import { useTheme } from '../stores/theme'
import { clockLabel, formatValue } from '../lib/format'
import { TIME_STEPS_MS, timeLabelSpace } from '../lib/chart-axes'
import { fitYAxis } from './chart-axes'
import { liveYRange, nanGaps } from '../lib/chart-data'

interface Props {
  seriesId: string
  height?: number
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/** The ring's own views as uPlot's data: typed arrays, nothing copied (see lib/chart-data). */
function chartData(ring: RingSeries): uPlot.AlignedData {
  const view = ring.view()
  return [view.t, view.v] as unknown as uPlot.AlignedData
}

/** uPlot's gaps hook: its own (null) gaps plus the NaN runs, which are Lookout's missing points. */
const gapsWithNaN: uPlot.Series.GapsRefiner = (u, seriesIdx, idx0, idx1, nullGaps) => [
  ...nullGaps,
  ...nanGaps(u.data[0], u.data[seriesIdx] as ArrayLike<number>, idx0, idx1, (x) => Math.round(u.valToPos(x, 'x', true)))
]

/**
 * One live uPlot chart of one series. It hands uPlot the store's ring buffer as zero-copy views
 * and redraws at most once per animation frame.
 */
export function SeriesChart({ seriesId, height = 120 }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const visible = useRef(true)
  const entry = useSeries((s) => s.byId[seriesId])
  const theme = useTheme((s) => s.theme)

  useEffect(() => {
    const el = host.current
    if (!el || !entry) return
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } }
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        ms: 1,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        // The range comes from the data itself: uPlot's own min and max would not skip NaN.
        scales: { x: { time: true }, y: { range: (u) => liveYRange(u.data[1] as ArrayLike<number>) } },
        axes: [
          { ...axis, incrs: TIME_STEPS_MS, space: timeLabelSpace(0), values: (_u, ticks) => ticks.map((t) => clockLabel(t)) },
          {
            ...axis,
            size: fitYAxis,
            values: (_u, ticks) =>
              ticks.map((t) => formatValue(t, entry.info.unit === 'ms' || entry.info.unit === 's' ? entry.info.unit : ''))
          }
        ],
        series: [
          {},
          {
            label: entry.info.label,
            stroke: cssVar('--accent'),
            width: 1.5,
            fill: cssVar('--accent-fill'),
            spanGaps: false,
            gaps: gapsWithNaN
          }
        ]
      },
      chartData(entry.ring),
      el
    )
    plot.current = u
    const ro = new ResizeObserver(() => visible.current && u.setSize({ width: Math.max(200, el.clientWidth), height }))
    ro.observe(el)
    // A chart off screen (scrolled away, or in a hidden panel) does not draw; it catches up,
    // from the same ring, the moment it shows again.
    const io = new IntersectionObserver(([e]) => {
      visible.current = e?.isIntersecting ?? true
      const ring = useSeries.getState().byId[seriesId]?.ring
      if (visible.current && ring) {
        u.setSize({ width: Math.max(200, el.clientWidth), height })
        u.setData(chartData(ring))
      }
    })
    io.observe(el)
    return () => {
      ro.disconnect()
      io.disconnect()
      u.destroy()
      plot.current = null
    }
    // Rebuilt only when the series or the theme changes; data updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesId, theme, height, entry === undefined])

  const version = entry?.version
  useEffect(() => {
    if (!entry || !plot.current || !visible.current) return
    const frame = requestAnimationFrame(() => {
      plot.current?.setData(chartData(entry.ring))
    })
    return () => cancelAnimationFrame(frame)
  }, [version, entry])

  if (!entry) return null
  const last = entry.ring.last()
  return (
    <figure className="chart" data-series={seriesId} data-points={entry.ring.length}>
      <figcaption>
        <span>{entry.info.label}</span>
        <strong>{formatValue(last && Number.isFinite(last.v) ? last.v : null, entry.info.unit)}</strong>
      </figcaption>
      <div ref={host} className="chart-canvas" />
    </figure>
  )
}
