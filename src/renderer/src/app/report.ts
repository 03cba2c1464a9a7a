import { api } from '../api'
import { runJob } from '../api/jobs'
import { reportWindows } from '../lib/report-window'
import { useReport } from '../stores/report'

export { LIVE_REPORT_MS } from '../lib/report-window'
import { useTimeRange } from '../stores/time-range'

/** Hands the file to the browser as a download: the desktop shell turns it into a save dialog. */
function download(fileName: string, html: string) {
  const url = URL.createObjectURL(new Blob([html], { type: 'text/html' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  // The download has its own copy once it started.
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Runs `reports.create` for the profile over the charts' range, following its progress, then saves the file. */
export async function exportReport(profile: string): Promise<void> {
  const s = useReport.getState()
  if (s.jobId) return
  const windows = reportWindows(useTimeRange.getState(), s.compare, s.sideBySide, Date.now())
  const jobId = crypto.randomUUID()
  s.set({ jobId, step: 'starting', done: 0, total: 1, error: null, saved: null })
  const off = api.on('report.progress', (p) => {
    if (p.jobId === jobId) useReport.getState().set({ step: p.step, done: p.done, total: p.total })
  })
  try {
    const r = await runJob('reports.create', jobId, () =>
      api.call('reports.create', { profile, ...windows, anonymise: s.anonymise, jobId })
    )
    download(r.fileName, r.html)
    useReport
      .getState()
      .set({ saved: { fileName: r.fileName, bytes: r.bytes, sections: r.sections, warnings: r.warnings, partial: r.partial } })
  } catch (err) {
    useReport.getState().set({ error: err instanceof Error ? err.message : String(err) })
  } finally {
    off()
    useReport.getState().set({ jobId: null, step: null })
  }
}

export async function cancelReport(): Promise<void> {
  const jobId = useReport.getState().jobId
  if (jobId) await api.call('job.cancel', { jobId })
}
