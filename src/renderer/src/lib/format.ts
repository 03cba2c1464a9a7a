export { formatBytes, formatSeconds, formatValue } from '../../../shared/format'

export function formatAgo(t: number | null, now: number): string {
  if (t === null) return 'never'
  const s = Math.max(0, Math.round((now - t) / 1000))
  if (s < 60) return `${s}s ago`
  if (s < 3600) return `${Math.floor(s / 60)}m ago`
  return `${Math.floor(s / 3600)}h ago`
}

const pad = (n: number) => String(n).padStart(2, '0')

/** An axis label for a time: HH:MM:SS, with the date in front when the chart spans days. */
export function clockLabel(ms: number, spanMs = 0): string {
  const d = new Date(ms)
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}${spanMs > 6 * 3600_000 ? '' : `:${pad(d.getSeconds())}`}`
  return spanMs > 86400_000 ? `${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}` : time
}
