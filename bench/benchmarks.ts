import { eventLoopLag } from './event-loop-lag'

export interface BenchResult {
  ours_ms: number
  ref: string
  ref_ms: number
  ratio: number
  [extra: string]: unknown
}

export const benchmarks: Record<string, () => Promise<BenchResult>> = {
  'event-loop-lag': eventLoopLag
}
