/** Numbers as an SRE reads them at a glance: few digits, units scaled. */
export function formatValue(value: number | null, unit: string): string {
  if (value === null || !Number.isFinite(value)) return '–'
  if (unit === 'B') return formatBytes(value)
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

export function formatAgo(t: number | null, now: number): string {
  if (t === null) return 'never'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  return `${Math.floor(s / 3600)}h ago`
}
