import { randomUUID } from 'node:crypto'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { ReportResult } from '../../../shared/reports'
import type { ProfileSecrets } from '../profiles/store'
import { runJob } from '../jobs'
import type { CoreServices } from '../services'
import { gatherReport } from './gather'
import { renderReport, sectionIds } from './render'

/** The steps a report goes through, for its progress bar. */
const STEPS = ['reading the window', 'reading the window compared with', 'asking the targets', 'reading the timeline', 'writing the file']

/** Every secret a profile holds, in the forms a text could carry it (as given, URL-encoded, HTML-escaped). */
export function secretForms(secrets: ProfileSecrets): string[] {
  const raw: string[] = []
  const add = (s: string | null | undefined) => s && s.length >= 4 && raw.push(s)
  add(secrets.postgres)
  add(secrets.redis)
  add(secrets.redisReplica)
  for (const m of secrets.metrics.values()) add(m.secret)
  for (const u of [...Object.values(secrets.urls), ...[...secrets.metrics.values()].map((m) => m.url)]) {
    try {
      const url = new URL(u)
      add(decodeURIComponent(url.password))
      for (const v of url.searchParams.values()) if (/pass|token|secret|key/i.test(u)) add(v)
    } catch {
      /* not a URL: nothing to look for */
    }
  }
  const escaped = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
  return [...new Set(raw.flatMap((s) => [s, encodeURIComponent(s), escaped(s)]))]
}

/** A file name for the report: profile and window start, nothing a file system would refuse. */
export function reportFileName(profile: string, from: number, comparison: boolean): string {
  const stamp = new Date(from).toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')
  return `lookout-${comparison ? 'comparison' : 'report'}-${profile.replace(/[^A-Za-z0-9._-]/g, '_')}-${stamp}.html`
}

/** `reports.create`: gathers a window's data (a job, with progress and cancel) and renders the one-file report. */
export function reportHandlers(s: CoreServices): Pick<ApiHandlers, 'reports.create'> {
  return {
    'reports.create': async (req) => {
      const profile = await s.profiles.get(req.profile)
      const jobId = req.jobId ?? randomUUID()
      runJob(s, { jobId, profile: profile.name, kind: 'reports.create' }, async (signal): Promise<ReportResult> => {
        const started = performance.now()
        const progress = (step: string) => {
          const i = STEPS.indexOf(step)
          s.emit('report.progress', { jobId, step, done: i < 0 ? 0 : i, total: STEPS.length })
        }
        const data = await gatherReport(s, req, signal, progress)
        progress('writing the file')
        const html = renderReport(data)
        // The last line of defence: whatever a server put in a query text, an error or a label,
        // a report that would carry one of the profile's secrets is never handed out.
        const secrets = secretForms(await s.profiles.secretsOf(profile))
        if (secrets.some((x) => html.includes(x)))
          throw new ApiError(
            'internal',
            'the report would have contained one of the profile’s secrets; it was not written (please report this)'
          )
        return {
          fileName: reportFileName(profile.name, data.main.range.from, data.comparison),
          html,
          bytes: Buffer.byteLength(html),
          sections: sectionIds(html),
          warnings: data.warnings,
          partial: data.versions.some((v) => v.error !== null),
          sources: data.sources,
          generatedMs: performance.now() - started
        }
      })
      return { jobId }
    }
  }
}
