import { eventLoopLag } from './event-loop-lag'
import { prometheusParse } from './prometheus-parse'
import { redisInvalidate } from './redis-invalidate'
import { postgresPoll } from './postgres-poll'
import { explainBench } from './explain'
import { uiLive } from './ui-live'
import { workspaceBench } from './workspace'
import { alertsBench } from './alerts'
import { historyBench } from './history'
import { reportBench } from './report'
import { cliStart } from './cli-start'

export interface BenchResult {
  ours_ms: number
  ref: string
  ref_ms: number
  /** ours_ms / ref_ms: below 1 means Lookout is faster. */
  ratio: number
  [extra: string]: unknown
}

/** Each benchmark returns one result per reference it is compared with. */
export const benchmarks: Record<string, () => Promise<BenchResult | BenchResult[]>> = {
  'event-loop-lag': eventLoopLag,
  'prometheus-parse': prometheusParse,
  'redis-invalidate': redisInvalidate,
  'postgres-poll': postgresPoll,
  explain: explainBench,
  'ui-live': uiLive,
  workspace: workspaceBench,
  alerts: alertsBench,
  history: historyBench,
  report: reportBench,
  'cli-start': cliStart
}
