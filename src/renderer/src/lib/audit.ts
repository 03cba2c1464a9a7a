import type { Result } from '../../../shared/api'

/** One JSON object per line, as `jq` and log shippers read them. */
export function auditJsonLines(entries: Result<'audit.recent'>): string {
  return entries.map((e) => JSON.stringify(e)).join('\n') + (entries.length ? '\n' : '')
}

/** Saves text through the browser's download (the desktop shell asks where to save it). */
export function downloadText(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }))
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
