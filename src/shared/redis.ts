import { z } from 'zod'
import { AlertSeverity, Figure, ProfileName } from './schemas'

/** Redis: the cache view's details, key inspection, key-space analysis, pattern jobs. */

export const CacheDryRun = z.object({
  sampled: z.number().int(),
  matched: z.number().int(),
  dbsize: z.number().int(),
  estimatedTotal: z.number().int(),
  complete: z.boolean(),
  examples: z.array(z.string())
})
export type CacheDryRun = z.infer<typeof CacheDryRun>

export const JobProgress = z.object({
  jobId: z.string(),
  profile: ProfileName,
  /** Pattern invalidation, or setting or clearing the TTL of the keys a pattern matches. */
  kind: z.enum(['cache.invalidate', 'cache.ttl']),
  pattern: z.string(),
  scanCalls: z.number().int(),
  matched: z.number().int(),
  /** Keys acted on: deleted by an invalidation, TTL changed by a TTL job. Exact. */
  deleted: z.number().int(),
  elapsedMs: z.number(),
  ratePerS: z.number(),
  etaS: z.number().nullable(),
  throttled: z.number().int(),
  worstPingMs: z.number(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  error: z.string().nullable(),
  uncertain: z.number().int()
})
export type JobProgress = z.infer<typeof JobProgress>

/** How a warm-up ended, with exact counts and the first errors. */
export const WarmResult = z.object({
  outcome: z.enum(['done', 'cancelled', 'failed']),
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  errors: z.array(z.string()),
  error: z.string().nullable()
})
export type WarmResult = z.infer<typeof WarmResult>

export const RedisDetails = z.object({
  findings: z.array(
    z.object({
      check: z.string(),
      severity: AlertSeverity,
      value: z.union([z.number(), z.string()]),
      threshold: z.union([z.number(), z.string()]),
      message: z.string()
    })
  ),
  /** Newest first; in a cluster from every node, each entry naming its node ("host:port"). */
  slowlog: z.array(
    z.object({
      id: z.number(),
      at: z.number(),
      durationUs: z.number(),
      command: z.string(),
      client: z.string(),
      node: z.string().optional()
    })
  ),
  commands: z.array(z.object({ command: z.string(), calls: z.number(), usec: z.number(), usecPerCall: z.number() })),
  percentiles: z.array(
    z.object({ command: z.string(), p50: z.number().nullable(), p99: z.number().nullable(), p999: z.number().nullable() })
  ),
  /** LATENCY LATEST: event, when, latest and worst spike in ms. */
  spikes: z.array(z.object({ event: z.string(), at: z.number(), latestMs: z.number(), maxMs: z.number(), node: z.string().optional() })),
  /** Role, RSS, fragmentation, clients, persistence, the last fork, keys per database (a cluster's: summed). */
  overview: z.array(Figure).default([]),
  /** A cluster's primaries, each with its own figures; empty on a standalone server. */
  nodes: z
    .array(
      z.object({
        name: z.string(),
        opsPerSec: z.number().nullable(),
        usedMemory: z.number().nullable(),
        keys: z.number().nullable(),
        slots: z.string()
      })
    )
    .default([])
})
export type RedisDetails = z.infer<typeof RedisDetails>

export const KeyInspection = z.object({
  key: z.string(),
  exists: z.boolean(),
  type: z.string(),
  ttlMs: z.number().nullable(),
  encoding: z.string().nullable(),
  memoryBytes: z.number().nullable(),
  length: z.number().nullable(),
  preview: z.array(z.string()),
  truncated: z.boolean()
})

const BigKeySchema = z.object({ key: z.string(), type: z.string(), bytes: z.number(), length: z.number() })
export const KeyspaceAnalysis = z.object({
  /** The server the sample was read from: the profile's replica when it has one. */
  readFrom: z.string().default(''),
  sampled: z.number().int(),
  dbsize: z.number().int(),
  complete: z.boolean(),
  prefixes: z.array(z.object({ prefix: z.string(), keys: z.number().int(), bytes: z.number(), withoutTtl: z.number().int() })),
  ttl: z.record(z.string(), z.number().int()),
  biggestByMemory: z.array(BigKeySchema),
  biggestByLength: z.array(BigKeySchema),
  recommendations: z.array(z.string())
})
export type KeyspaceAnalysis = z.infer<typeof KeyspaceAnalysis>
