import { useEffect, useRef, useState } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { RingSeries } from '../../../shared/ring'
import { useSeries } from '../stores/series'
import { useSession } from '../stores/session'
import { useTheme } from '../stores/theme'
import { useTimeRange } from '../stores/time-range'
import { clockLabel, formatValue } from '../lib/format'
import { TIME_STEPS_MS, timeLabelSpace } from '../lib/chart-axes'
import { cssVar, fitYAxis } from './chart-axes'
import { liveYRange, nanGaps } from '../lib/chart-data'
import { loadRange, type StoredRange } from '../lib/history-range'

interface Props {
  seriesId: string
  height?: number
}

/** Every chart's crosshair moves with the others' (uPlot's cursor sync). */
export const CHART_SYNC_KEY = 'lookout-time'
/** A drag narrower than this many pixels is a click. */
const MIN_DRAG_PX = 4

/** The ring's own views as uPlot's data: typed arrays, nothing copied (see lib/chart-data). */
function chartData(ring: RingSeries): uPlot.AlignedData {
  const view = ring.view()
  return [view.t, view.v] as unknown as uPlot.AlignedData
}

const EMPTY_DATA = [new Float64Array(0), new Float64Array(0)] as unknown as uPlot.AlignedData

/** uPlot's gaps hook: its own (null) gaps plus the NaN runs, which are Lookout's missing points. */
const gapsWithNaN: uPlot.Series.GapsRefiner = (u, seriesIdx, idx0, idx1, nullGaps) => [
  ...nullGaps,
  ...nanGaps(u.data[0], u.data[seriesIdx] as ArrayLike<number>, idx0, idx1, (x) => Math.round(u.valToPos(x, 'x', true)))
]

/**
 * One uPlot chart of one series. Live, it hands uPlot the store's ring buffer as zero-copy views
 * and redraws at most once per animation frame; on a chosen range (the picker, a drag on any
 * chart, the timeline) it shows the history store's points for that range. Dragging across it
 * sets the range of every chart; its crosshair moves with the others', each showing its value at
 * that instant.
 */
export function SeriesChart({ seriesId, height = 120 }: Props) {
  const host = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const visible = useRef(true)
  const valueEl = useRef<HTMLElement>(null)
  const entry = useSeries((s) => s.byId[seriesId])
  const theme = useTheme((s) => s.theme)
  const profile = useSession((s) => s.active)
  const live = useTimeRange((s) => s.live)
  const from = useTimeRange((s) => s.from)
  const to = useTimeRange((s) => s.to)
  const setRange = useTimeRange((s) => s.setRange)
  // A chosen range: the history store's points for it, kept with the request they answer (a
  // stale answer is never shown for a newer range).
  const targetId = entry?.info.targetId
  const request = live || !profile || !targetId ? null : `${profile}|${targetId}|${seriesId}|${from}|${to}`
  const [answer, setAnswer] = useState<{ request: string; data: StoredRange | null; error: string | null } | null>(null)
  const stored = answer && answer.request === request ? answer.data : null
  const rangeError = answer && answer.request === request ? answer.error : null
  useEffect(() => {
    if (request === null || !profile || !targetId) return
    let current = true
    loadRange(profile, targetId, seriesId, from, to).then(
      (data) => current && setAnswer({ request, data, error: null }),
      (e: unknown) => current && setAnswer({ request, data: null, error: e instanceof Error ? e.message : String(e) })
    )
    return () => {
      current = false
    }
  }, [request, profile, targetId, seriesId, from, to])

  // Live: the ring's own views. A range: its stored points, none while they load.
  const data = (): uPlot.AlignedData => {
    if (live) return entry ? chartData(entry.ring) : EMPTY_DATA
    return stored ? ([stored.t, stored.v] as unknown as uPlot.AlignedData) : EMPTY_DATA
  }

  useEffect(() => {
    const el = host.current
    if (!el || !entry) return
    const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } }
    const unit = entry.info.unit
    const u = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        ms: 1,
        legend: { show: false },
        cursor: { sync: { key: CHART_SYNC_KEY }, drag: { x: true, y: false, setScale: false } },
        // The range comes from the data itself: uPlot's own min and max would not skip NaN.
        scales: {
          x: { time: true, ...(live ? {} : { range: (): uPlot.Range.MinMax => [from, to] }) },
          y: { range: (u) => liveYRange(u.data[1] as ArrayLike<number>) }
        },
        axes: [
          {
            ...axis,
            incrs: TIME_STEPS_MS,
            space: timeLabelSpace(live ? 0 : to - from),
            values: (_u, ticks) => ticks.map((t) => clockLabel(t, live ? 0 : to - from))
          },
          { ...axis, size: fitYAxis, values: (_u, ticks) => ticks.map((t) => formatValue(t, unit === 'ms' || unit === 's' ? unit : '')) }
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
        ],
        hooks: {
          // A drag across the chart sets every chart's range.
          setSelect: [
            (u) => {
              const { left, width } = u.select
              if (width < MIN_DRAG_PX) return
              setRange(u.posToVal(left, 'x'), u.posToVal(left + width, 'x'), 'Zoomed')
              u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false)
            }
          ],
          // The value under the crosshair (this chart's, or the instant another chart points at).
          setCursor: [
            (u) => {
              const el = valueEl.current
              if (!el) return
              const idx = u.cursor.idx
              const ys = u.data[1] as ArrayLike<number>
              if (idx === null || idx === undefined || ys.length === 0) {
                el.textContent = el.dataset.latest ?? ''
                el.title = ''
                return
              }
              const v = ys[idx]!
              el.textContent = formatValue(Number.isFinite(v) ? v : null, unit)
              el.title = clockLabel(u.data[0][idx]!, 1)
            }
          ]
        }
      },
      data(),
      el
    )
    plot.current = u
    const ro = new ResizeObserver(() => visible.current && u.setSize({ width: Math.max(200, el.clientWidth), height }))
    ro.observe(el)
    // A chart off screen (scrolled away, or in a hidden panel) does not draw; it catches up,
    // from the same ring, the moment it shows again.
    const io = new IntersectionObserver(([e]) => {
      visible.current = e?.isIntersecting ?? true
      if (visible.current) {
        u.setSize({ width: Math.max(200, el.clientWidth), height })
        const ring = useSeries.getState().byId[seriesId]?.ring
        if (live && ring) u.setData(chartData(ring))
      }
    })
    io.observe(el)
    return () => {
      ro.disconnect()
      io.disconnect()
      u.destroy()
      plot.current = null
    }
    // Rebuilt when the series, the theme, the range or the stored points change; live updates go through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [seriesId, theme, height, entry === undefined, live, from, to, stored])

  const version = entry?.version
  useEffect(() => {
    if (!live || !entry || !plot.current || !visible.current) return
    const frame = requestAnimationFrame(() => {
      plot.current?.setData(chartData(entry.ring))
    })
    return () => cancelAnimationFrame(frame)
  }, [version, entry, live])

  if (!entry) return null
  let latest: number | null = null
  if (live) {
    const last = entry.ring.last()
    latest = last && Number.isFinite(last.v) ? last.v : null
  } else if (stored) {
    for (let i = stored.v.length - 1; i >= 0 && latest === null; i--) if (Number.isFinite(stored.v[i]!)) latest = stored.v[i]!
  }
  const shown = formatValue(latest, entry.info.unit)
  const points = live ? entry.ring.length : (stored?.t.length ?? 0)
  return (
    <figure
      className="chart"
      data-series={seriesId}
      data-points={points}
      data-range={live ? 'live' : `${from}-${to}`}
      data-loaded={live || stored !== null ? 'yes' : 'no'}
    >
      <figcaption>
        <span>
          {entry.info.label}
          {!live && stored && stored.tier !== 'raw' && (
            <small className="muted"> · {stored.tier === 'minute' ? '1-min' : '15-min'} averages</small>
          )}
          {!live && stored && stored.t.length === 0 && <small className="muted"> · nothing stored for this range</small>}
          {rangeError && <small className="error-text"> · {rangeError}</small>}
        </span>
        <strong ref={valueEl} data-latest={shown}>
          {shown}
        </strong>
      </figcaption>
      <div ref={host} className="chart-canvas" />
    </figure>
  )
}
