import { formatValue } from '../../../shared/format'
import { attr, text } from './text'

export { formatValue } from '../../../shared/format'

/** A chart's plot area in CSS pixels: series are reduced to one column per pixel of it. */
export const CHART_WIDTH = 720
export const CHART_HEIGHT = 150
/** A small multiple: two to a row, for the many series a metrics page can have. */
export const SMALL_WIDTH = 360
export const SMALL_HEIGHT = 90
const PAD = { left: 64, right: 8, top: 8, bottom: 22 }

/** A series over a range: per point an average and the minimum and maximum it stands for (NaN: nothing there). */
export interface ChartSeries {
  name: string
  t: ArrayLike<number>
  avg: ArrayLike<number>
  min: ArrayLike<number>
  max: ArrayLike<number>
}

/** One column per pixel: the mean of the averages and the extremes of what fell in it, so a one-poll spike still shows. */
export interface Columns {
  avg: Float64Array
  min: Float64Array
  max: Float64Array
}

/**
 * Reduces a series to `width` columns over [from, to): min of the minima, max of the maxima, mean
 * of the averages per column. Points outside the range are ignored; an empty column is NaN.
 */
export function perPixel(s: ChartSeries, from: number, to: number, width: number): Columns {
  const avg = new Float64Array(width).fill(NaN)
  const min = new Float64Array(width).fill(NaN)
  const max = new Float64Array(width).fill(NaN)
  const n = new Uint32Array(width)
  const span = to - from
  for (let i = 0; i < s.t.length; i++) {
    const t = s.t[i]!
    if (t < from || t >= to) continue
    const a = s.avg[i]!
    if (Number.isNaN(a)) continue
    const c = Math.min(width - 1, Math.floor(((t - from) / span) * width))
    const lo = Number.isNaN(s.min[i]!) ? a : s.min[i]!
    const hi = Number.isNaN(s.max[i]!) ? a : s.max[i]!
    if (n[c] === 0) {
      avg[c] = a
      min[c] = lo
      max[c] = hi
    } else {
      avg[c] = avg[c]! + (a - avg[c]!) / (n[c]! + 1)
      if (lo < min[c]!) min[c] = lo
      if (hi > max[c]!) max[c] = hi
    }
    n[c]!++
  }
  return { avg, min, max }
}

/** Round tick values: 1, 2 or 5 times a power of ten. */
function niceStep(span: number, ticks: number): number {
  const raw = span / ticks
  const p = 10 ** Math.floor(Math.log10(raw))
  const m = raw / p
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p
}

/** A time-axis label: with the date beyond 20 hours, with seconds under 10 minutes. */
const axisTime = (t: number, span: number) => {
  const iso = new Date(t).toISOString()
  if (span > 20 * 3_600_000) return `${iso.slice(5, 10)} ${iso.slice(11, 16)}`
  return span < 600_000 ? iso.slice(11, 19) : iso.slice(11, 16)
}

/** A gap of more than this many usual spacings between points breaks the line: nothing was stored there. */
export const MAX_GAP_STEPS = 3

const fmt = (x: number) => (Math.round(x * 10) / 10).toString()

/** Points as an SVG path in tenths of a pixel: the first absolute, the rest relative (`l`, pairs repeating it). */
export function relativePath(points: readonly (readonly [number, number])[]): string {
  let px = Math.round(points[0]![0] * 10)
  let py = Math.round(points[0]![1] * 10)
  const out = [`M${px},${py}l`]
  for (let k = 1; k < points.length; k++) {
    const nx = Math.round(points[k]![0] * 10)
    const ny = Math.round(points[k]![1] * 10)
    out.push(`${k > 1 ? ' ' : ''}${nx - px},${ny - py}`)
    px = nx
    py = ny
  }
  return out.join('')
}

/** A vertical mark on a chart (an alert firing, an action taken). */
export interface ChartMark {
  t: number
  label: string
  kind: 'alert' | 'action'
}

/**
 * A line chart as inline SVG: the band between each column's minimum and maximum, the average as a
 * line (broken where nothing was stored), round ticks on the value axis, UTC times on the time
 * axis, and marks for events. No script; colours come from the report's stylesheet.
 */
export function lineChart(opts: {
  title: string
  unit: string
  from: number
  to: number
  series: ChartSeries[]
  marks?: ChartMark[]
  /** The value axis starts at zero unless the data goes below it. */
  zeroBased?: boolean
  /** A small multiple (one of many series side by side) rather than a full-width chart. */
  small?: boolean
}): string {
  const w = opts.small ? SMALL_WIDTH : CHART_WIDTH
  const h = opts.small ? SMALL_HEIGHT : CHART_HEIGHT
  const plotW = w - PAD.left - PAD.right
  const plotH = h - PAD.top - PAD.bottom
  const cols = opts.series.map((s) => perPixel(s, opts.from, opts.to, plotW))
  let lo = Infinity
  let hi = -Infinity
  for (const c of cols)
    for (let i = 0; i < plotW; i++) {
      if (c.min[i]! < lo) lo = c.min[i]!
      if (c.max[i]! > hi) hi = c.max[i]!
    }
  if (!Number.isFinite(lo)) return `<p class="empty">${text(opts.title)}: no points in this window</p>`
  if (opts.zeroBased !== false && lo > 0) lo = 0
  if (hi === lo) hi = lo + (Math.abs(lo) || 1)
  const step = niceStep(hi - lo, 4)
  lo = Math.floor(lo / step) * step
  hi = Math.ceil(hi / step) * step
  const y = (v: number) => PAD.top + plotH - ((v - lo) / (hi - lo)) * plotH
  const x = (i: number) => PAD.left + i + 0.5
  const parts: string[] = []
  for (let v = lo; v <= hi + step / 2; v += step) {
    parts.push(`<line class="grid" x1="${PAD.left}" x2="${w - PAD.right}" y1="${fmt(y(v))}" y2="${fmt(y(v))}"/>`)
    // The unit is in the chart's caption; ticks keep only the ones that change the number's scale.
    const tickUnit = opts.unit === '%' || opts.unit === 'B' ? opts.unit : ''
    parts.push(`<text class="tick" x="${PAD.left - 4}" y="${fmt(y(v) + 3)}" text-anchor="end">${text(formatValue(v, tickUnit))}</text>`)
  }
  const span = opts.to - opts.from
  for (let k = 0; k <= 4; k++) {
    const t = opts.from + (span * k) / 4
    const px = PAD.left + (plotW * k) / 4
    parts.push(
      `<text class="tick" x="${fmt(px)}" y="${h - 6}" text-anchor="${k === 0 ? 'start' : k === 4 ? 'end' : 'middle'}">${axisTime(t, span)}</text>`
    )
  }
  for (const m of opts.marks ?? []) {
    if (m.t < opts.from || m.t >= opts.to) continue
    const px = fmt(PAD.left + ((m.t - opts.from) / span) * plotW)
    parts.push(
      `<line class="mark ${m.kind}" x1="${px}" x2="${px}" y1="${PAD.top}" y2="${PAD.top + plotH}"><title>${text(m.label)}</title></line>`
    )
  }
  cols.forEach((c, si) => {
    // Columns with points; consecutive ones are joined unless the gap between them is a real hole
    // in the data (well over the usual spacing), so a window of few points still reads as a line.
    const filled: number[] = []
    for (let i = 0; i < plotW; i++) if (!Number.isNaN(c.avg[i]!)) filled.push(i)
    const steps = filled.slice(1).map((v, k) => v - filled[k]!)
    const usual = steps.length ? Float64Array.from(steps).sort()[Math.floor(steps.length / 2)]! : 1
    const maxGap = Math.max(2, usual * MAX_GAP_STEPS)
    const runs: number[][] = []
    for (const i of filled) {
      const run = runs.at(-1)
      if (run && i - run.at(-1)! <= maxGap) run.push(i)
      else runs.push([i])
    }
    for (const run of runs) {
      if (run.length === 1) {
        const i = run[0]!
        parts.push(`<circle class="dot s${si}" r="1.5" cx="${fmt(x(i))}" cy="${fmt(y(c.avg[i]!))}"/>`)
        continue
      }
      // The band (up along the maxima, back along the minima) and the line, as relative paths in
      // tenths of a pixel: a few characters per column, so hundreds of charts stay small.
      const up = run.map((i) => [x(i), y(c.max[i]!)] as const)
      const down = [...run].reverse().map((i) => [x(i), y(c.min[i]!)] as const)
      parts.push(`<path class="band s${si}" transform="scale(0.1)" d="${relativePath([...up, ...down])}z"/>`)
      parts.push(`<path class="line s${si}" transform="scale(0.1)" d="${relativePath(run.map((i) => [x(i), y(c.avg[i]!)] as const))}"/>`)
    }
  })
  const legend =
    opts.series.length > 1
      ? `<figcaption class="legend">${opts.series.map((s, i) => `<span class="key s${i}">${text(s.name, 80)}</span>`).join(' ')}</figcaption>`
      : ''
  return `<figure class="chart${opts.small ? ' small' : ''}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" role="img" aria-label="${attr(opts.title)}">${parts.join('')}</svg>${legend}</figure>`
}
