import { create } from 'zustand'

/** Which window a report covers and what it is compared with. */
export type CompareChoice = 'previous' | 'day' | 'week'

export interface ReportState {
  /** The export panel is shown. */
  open: boolean
  compare: CompareChoice
  /** Compare side by side (a before/after report) rather than only in the summary. */
  sideBySide: boolean
  anonymise: boolean
  /** The job under way: its id and its step. */
  jobId: string | null
  step: string | null
  done: number
  total: number
  /** The last report written: its file name, size, sections and warnings. */
  saved: { fileName: string; bytes: number; sections: string[]; warnings: string[]; partial: boolean } | null
  error: string | null
  set(p: Partial<Omit<ReportState, 'set'>>): void
}

/** The report export: its options, the job's progress, and what the last one wrote. */
export const useReport = create<ReportState>((set) => ({
  open: false,
  compare: 'previous',
  sideBySide: false,
  anonymise: false,
  jobId: null,
  step: null,
  done: 0,
  total: 0,
  saved: null,
  error: null,
  set: (p) => set(p)
}))
