import uPlot from 'uplot'
import { clockLabel } from '../lib/format'
import { TIME_STEPS_MS, timeLabelSpace, yAxisWidth } from '../lib/chart-axes'

/** The widest each chart's axes have been, by axis index. */
const widestSoFar = new WeakMap<uPlot, number[]>()

/**
 * uPlot's axis `size` option, measured with the axis's own font on the chart's canvas (uPlot scales
 * that font by the device pixel ratio, so the width is divided back into CSS pixels).
 *
 * The width only grows. uPlot sizes axes in up to three passes until they stop changing, and a
 * narrower axis leaves a wider plot whose edge-label padding can drop the top tick, which makes the
 * axis wider again: measured in the demo, it flipped between 40 and 64 px and ended with labels
 * wider than the axis. Growing only settles in one extra pass, and a live chart's plot does not
 * jump sideways each time a tick label comes and goes.
 */
export const fitYAxis: uPlot.Axis.Size = (u, values, axisIdx) => {
  const font = (u.axes[axisIdx] as { font?: unknown }).font
  if (Array.isArray(font) && typeof font[0] === 'string') u.ctx.font = font[0]
  const ratio = uPlot.pxRatio || 1
  let widest = widestSoFar.get(u)
  if (!widest) widestSoFar.set(u, (widest = []))
  const width = yAxisWidth(values, (text) => u.ctx.measureText(text).width / ratio, widest[axisIdx])
  widest[axisIdx] = width
  return width
}

/** A theme colour from the page's CSS variables. */
export function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim()
}

/**
 * The options every time chart of a range shares: its size, time in milliseconds, a clock axis
 * whose labels fit the span, a y axis sized to its labels, both in the theme's colours.
 */
export function timeChartOptions(
  width: number,
  height: number,
  spanMs: number
): Pick<uPlot.Options, 'width' | 'height' | 'ms' | 'scales' | 'axes'> {
  const axis = { stroke: cssVar('--muted'), grid: { stroke: cssVar('--grid'), width: 1 }, ticks: { stroke: cssVar('--grid') } }
  return {
    width: Math.max(300, width),
    height,
    ms: 1,
    scales: { x: { time: true } },
    axes: [
      { ...axis, incrs: TIME_STEPS_MS, space: timeLabelSpace(spanMs), values: (_u, ticks) => ticks.map((t) => clockLabel(t, spanMs)) },
      { ...axis, size: fitYAxis }
    ]
  }
}
