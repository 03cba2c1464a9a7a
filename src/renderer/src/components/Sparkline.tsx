/** A tiny inline chart of a few dozen points: SVG, no axes, scaled to its own maximum. */
export function Sparkline({
  values,
  width = 120,
  height = 24,
  label
}: {
  values: number[]
  width?: number
  height?: number
  label: string
}) {
  if (values.length === 0) return <span className="muted">–</span>
  // One interval so far: a level line until the next sample arrives.
  if (values.length === 1) values = [values[0]!, values[0]!]
  let max = 0
  for (const v of values) if (v > max) max = v
  const step = width / (values.length - 1)
  const y = (v: number) => (max > 0 ? height - 1 - (v / max) * (height - 2) : height - 1)
  let d = ''
  values.forEach((v, i) => (d += `${i ? 'L' : 'M'}${(i * step).toFixed(1)},${y(v).toFixed(1)}`))
  return (
    <svg className="sparkline" width={width} height={height} role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`}>
      <path d={d} fill="none" stroke="var(--accent)" strokeWidth="1.5" />
    </svg>
  )
}
