/* Sizes and steps for chart axes: pure, so they are tested without a canvas. */

/** Narrowest y axis, so a chart whose labels are all short ("0", "1") keeps its plot aligned with its neighbours. */
export const MIN_Y_AXIS_PX = 40
/** Space between the widest label and the plot: uPlot's default tick length plus its gap. */
const TICK_AND_GAP_PX = 10 + 5

/**
 * The width a y axis needs for the labels it is about to draw: the widest label's measured width
 * plus the tick and gap, and never less than `atLeast`. A fixed width clipped labels such as
 * "2.00 ms" to ".00 ms" on the left.
 */
export function yAxisWidth(labels: readonly string[] | null, measure: (text: string) => number, atLeast = 0): number {
  let widest = 0
  for (const label of labels ?? []) if (label) widest = Math.max(widest, measure(label))
  return Math.max(MIN_Y_AXIS_PX, atLeast, Math.ceil(widest + TICK_AND_GAP_PX))
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
/**
 * Steps for a time axis, in ms: whole seconds and up. Labels read to the second at most, so
 * uPlot's sub-second steps printed the same second twice on a chart of a few seconds.
 */
export const TIME_STEPS_MS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
  2 * 24 * HOUR,
  7 * 24 * HOUR
]

/** Least room between time labels, in CSS px: "00:00:00" at 12 px is about 50 px wide, "11-23 00:00" about 70. */
export function timeLabelSpace(spanMs: number): number {
  return spanMs > 24 * HOUR ? 90 : 70
}
