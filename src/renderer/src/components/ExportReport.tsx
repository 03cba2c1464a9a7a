import { cancelReport, exportReport, LIVE_REPORT_MS } from '../app/report'
import { clockLabel } from '../lib/format'
import { useReport, type CompareChoice } from '../stores/report'
import { useTimeRange } from '../stores/time-range'

const COMPARE: { id: CompareChoice; label: string }[] = [
  { id: 'previous', label: 'the window just before' },
  { id: 'day', label: 'the same window a day earlier' },
  { id: 'week', label: 'the same window a week earlier' }
]

/** "Export report": the window the charts show, an optional side-by-side comparison, anonymised or not; progress and cancel while it runs. */
export function ExportReport({ profile }: { profile: string }) {
  const open = useReport((s) => s.open)
  const compare = useReport((s) => s.compare)
  const sideBySide = useReport((s) => s.sideBySide)
  const anonymise = useReport((s) => s.anonymise)
  const jobId = useReport((s) => s.jobId)
  const step = useReport((s) => s.step)
  const done = useReport((s) => s.done)
  const total = useReport((s) => s.total)
  const saved = useReport((s) => s.saved)
  const error = useReport((s) => s.error)
  const set = useReport((s) => s.set)
  const live = useTimeRange((s) => s.live)
  const from = useTimeRange((s) => s.from)
  const to = useTimeRange((s) => s.to)
  if (!open) return null
  return (
    <section className="panel export-report" aria-label="Export report" data-testid="export-report">
      <h3>Export a performance report of {profile}</h3>
      <p>
        Window:{' '}
        {live
          ? `the last ${LIVE_REPORT_MS / 60_000} minutes (the charts are live)`
          : `${clockLabel(from, to - from)} – ${clockLabel(to, to - from)}`}
        . One HTML file, readable offline, with nothing that loads or runs.
      </p>
      <label>
        <input type="checkbox" checked={sideBySide} onChange={(e) => set({ sideBySide: e.target.checked })} /> Before and after: compare it
        side by side with{' '}
        <select
          aria-label="Compare with"
          value={compare}
          disabled={!sideBySide}
          onChange={(e) => set({ compare: e.target.value as CompareChoice })}
        >
          {COMPARE.map((c) => (
            <option key={c.id} value={c.id}>
              {c.label}
            </option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={anonymise} onChange={(e) => set({ anonymise: e.target.checked })} /> Anonymise (replace literals,
        key names and label values)
      </label>
      <div className="actions">
        <button disabled={jobId !== null} onClick={() => void exportReport(profile)}>
          Export
        </button>
        {jobId && <button onClick={() => void cancelReport()}>Cancel</button>}
        <button onClick={() => set({ open: false })}>Close</button>
      </div>
      {jobId && (
        <div className="job" role="status" aria-live="polite">
          <progress max={Math.max(1, total)} value={done} aria-label="Report progress" /> {step}…
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p role="status" data-testid="report-saved">
          {saved.partial ? 'Partial report saved' : 'Saved'} <code>{saved.fileName}</code> ({Math.round(saved.bytes / 1024)} KiB):{' '}
          {saved.sections.join(', ')}
          {saved.warnings.map((w) => (
            <span key={w} className="warning">
              <br />
              {w}
            </span>
          ))}
        </p>
      )}
    </section>
  )
}
