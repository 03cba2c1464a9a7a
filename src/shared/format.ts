/** How Lookout writes figures, in the app and in its reports. */

/** Numbers as an SRE reads them at a glance: few digits, units scaled. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '–'
  if (unit === 'B') return formatBytes(value)
  if (unit === 'B/s') return `${formatBytes(value)}/s`
  if (unit === 's') return formatSeconds(value)
  if (unit === 'ms') return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`
  if (unit === '%') return `${value.toFixed(1)}%`
  const abs = Math.abs(value)
  const num =
    abs >= 1e6
      ? `${(value / 1e6).toFixed(1)}M`
      : abs >= 1e4
        ? `${(value / 1e3).toFixed(1)}k`
        : abs >= 100 || Number.isInteger(value)
          ? String(Math.round(value))
          : value.toFixed(1)
  return unit ? `${num} ${unit}` : num
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (Math.abs(b) >= 1024 && i < units.length - 1) {
    b /= 1024
    i++
  }
  return `${b < 10 && i > 0 ? b.toFixed(1) : Math.round(b)} ${units[i]}`
}

/** Durations given in seconds, scaled to what reads best: 850 µs, 12.5 ms, 1.20 s, 3m 20s. */
export function formatSeconds(s: number): string {
  const abs = Math.abs(s)
  if (abs === 0) return '0 s'
  if (abs < 1e-3) return `${Math.round(s * 1e6)} µs`
  if (abs < 1) return `${(s * 1e3).toFixed(abs < 0.01 ? 2 : 1)} ms`
  if (abs < 60) return `${s.toFixed(2)} s`
  // Round once, then split: 599.9 s is 10m 0s, not 9m 60s.
  const whole = Math.round(s)
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${whole % 60}s`
  return `${Math.floor(whole / 3600)}h ${Math.floor((whole % 3600) / 60)}m`
}
