import { z } from 'zod'

const num = z.number().nullable()

export const PlanBuffers = z.object({
  sharedHit: z.number(),
  sharedRead: z.number(),
  sharedDirtied: z.number(),
  sharedWritten: z.number(),
  localHit: z.number(),
  localRead: z.number(),
  tempRead: z.number(),
  tempWritten: z.number()
})
export type PlanBuffers = z.infer<typeof PlanBuffers>

/**
 * One plan node, the same whether it came from JSON or text. Figures PostgreSQL reports per loop
 * are kept as reported (`actualTotalMs`, `actualRows`); the analysis adds the totals.
 */
export const PlanNode = z.object({
  id: z.number().int(),
  parent: z.number().int(),
  depth: z.number().int(),
  children: z.array(z.number().int()),
  nodeType: z.string(),
  /** Join type, aggregate strategy, modify operation, scan direction, partial mode: as JSON names them. */
  joinType: z.string().nullable(),
  strategy: z.string().nullable(),
  operation: z.string().nullable(),
  partialMode: z.string().nullable(),
  parallelAware: z.boolean(),
  parentRelationship: z.string().nullable(),
  subplanName: z.string().nullable(),
  relation: z.string().nullable(),
  schema: z.string().nullable(),
  alias: z.string().nullable(),
  indexName: z.string().nullable(),
  cteName: z.string().nullable(),
  functionName: z.string().nullable(),
  startupCost: num,
  totalCost: num,
  planRows: num,
  planWidth: num,
  actualStartupMs: num,
  actualTotalMs: num,
  actualRows: num,
  actualLoops: num,
  neverExecuted: z.boolean(),
  workersPlanned: num,
  workersLaunched: num,
  filter: z.string().nullable(),
  indexCond: z.string().nullable(),
  recheckCond: z.string().nullable(),
  joinFilter: z.string().nullable(),
  hashCond: z.string().nullable(),
  mergeCond: z.string().nullable(),
  sortKey: z.array(z.string()),
  groupKey: z.array(z.string()),
  rowsRemovedByFilter: num,
  rowsRemovedByJoinFilter: num,
  rowsRemovedByIndexRecheck: num,
  heapFetches: num,
  exactHeapBlocks: num,
  lossyHeapBlocks: num,
  sortMethod: z.string().nullable(),
  sortSpaceType: z.string().nullable(),
  sortSpaceKb: num,
  hashBuckets: num,
  hashBatches: num,
  originalHashBatches: num,
  peakMemoryKb: num,
  diskUsageKb: num,
  buffers: PlanBuffers.nullable(),
  ioReadMs: num,
  ioWriteMs: num,
  /** Derived by the analysis: wall-clock time of the node with its children, and without. */
  inclusiveMs: num,
  exclusiveMs: num,
  /** Rows over all loops, and actual/estimated (>1: more rows than estimated). */
  totalRows: num,
  estimateFactor: num,
  exclusiveBuffers: PlanBuffers.nullable()
})
export type PlanNode = z.infer<typeof PlanNode>

export const PlanTrigger = z.object({ name: z.string(), relation: z.string().nullable(), timeMs: z.number(), calls: z.number() })
export type PlanTrigger = z.infer<typeof PlanTrigger>

export const PlanModel = z.object({
  nodes: z.array(PlanNode),
  analyzed: z.boolean(),
  planningMs: num,
  executionMs: num,
  serializationMs: num,
  triggers: z.array(PlanTrigger),
  jit: z
    .object({
      functions: z.number(),
      generationMs: num,
      inliningMs: num,
      optimizationMs: num,
      emissionMs: num,
      totalMs: num
    })
    .nullable(),
  settings: z.record(z.string(), z.string()),
  queryText: z.string().nullable(),
  /** pg_stat_statements' queryid, from EXPLAIN VERBOSE when compute_query_id is on (14+). */
  queryId: z.string().nullable(),
  planningBuffers: PlanBuffers.nullable()
})
export type PlanModel = z.infer<typeof PlanModel>

export const Advice = z.object({
  rule: z.string(),
  nodeId: z.number().int().nullable(),
  severity: z.enum(['info', 'warning', 'critical']),
  title: z.string(),
  message: z.string(),
  /** What it could save, in ms of execution time; the list is sorted by it. */
  savingsMs: z.number(),
  /** A statement to copy (an index to create, a setting to try); Lookout never runs it. */
  sql: z.string().nullable(),
  /** With hypopg on the target: the planner's estimated cost without and with the proposed index. */
  hypothetical: z.object({ costBefore: z.number(), costAfter: z.number(), used: z.boolean() }).optional()
})
export type Advice = z.infer<typeof Advice>

/** Values for every $n of a statement, from the target's statistics, to see a custom plan with. */
export const ParameterValueSet = z.object({
  label: z.string(),
  /** One per $n, in order; null where the parameter is not compared with a column (a LIMIT): the user types it. */
  values: z.array(z.string().nullable()),
  /** Each value's column and its share of the rows. */
  why: z.string()
})
export type ParameterValueSet = z.infer<typeof ParameterValueSet>

export const ExplainResult = z.object({
  /** Its place in the history of plans Lookout keeps while it runs (null for a pasted plan). */
  historyId: z.string().nullable(),
  plan: PlanModel,
  advice: z.array(Advice),
  /** The plan as the server (or the user) gave it. */
  raw: z.string(),
  format: z.enum(['json', 'text']),
  /** Set when the plan was run against a target. */
  run: z
    .object({
      profile: z.string(),
      analyzed: z.boolean(),
      readOnly: z.boolean(),
      rolledBack: z.literal(true),
      at: z.number()
    })
    .nullable(),
  /**
   * A generic plan's offer of custom plans: values drawn from pg_stats.most_common_vals of the
   * columns each $n is compared with. Absent otherwise.
   */
  customPlans: z.array(ParameterValueSet).optional()
})
export type ExplainResult = z.infer<typeof ExplainResult>

/** One plan Lookout ran, in the per-query history it keeps while it runs. */
export const PlanHistoryEntry = z.object({
  id: z.string(),
  profile: z.string(),
  /** The queryid when the server gave one, else a digest of the statement. */
  key: z.string(),
  query: z.string(),
  at: z.number(),
  analyzed: z.boolean(),
  executionMs: z.number().nullable(),
  totalCost: z.number().nullable(),
  nodes: z.number().int()
})
export type PlanHistoryEntry = z.infer<typeof PlanHistoryEntry>

/** Two plans of one query, node by node: the second against the first. */
export const PlanComparison = z.object({
  before: PlanHistoryEntry,
  after: PlanHistoryEntry,
  nodes: z.array(
    z.object({
      afterId: z.number().int().nullable(),
      beforeId: z.number().int().nullable(),
      depth: z.number().int(),
      label: z.string(),
      change: z.enum(['same', 'changed', 'added', 'removed']),
      exclusiveMs: z.tuple([z.number().nullable(), z.number().nullable()]),
      rows: z.tuple([z.number().nullable(), z.number().nullable()]),
      cost: z.tuple([z.number().nullable(), z.number().nullable()])
    })
  ),
  executionMs: z.tuple([z.number().nullable(), z.number().nullable()]),
  totalCost: z.tuple([z.number().nullable(), z.number().nullable()])
})
export type PlanComparison = z.infer<typeof PlanComparison>
