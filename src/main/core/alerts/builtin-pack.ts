import { AlertRule, type AlertRuleInput } from '../../../shared/alert-rules'

/**
 * Lookout's built-in rule pack: what an SRE would page or look at on any Postgres, Redis or
 * /metrics target, with defaults chosen to be quiet (a `for` long enough that one bad poll never
 * alerts). Every figure is named here; a profile overrides a rule by saving one with its name,
 * or turns it off with `enabled: false`.
 *
 * Series rules read the core's own series, named `<kind>_<key>`: `postgres_connections` (% of
 * max_connections), `postgres_cache_hit` (%), `postgres_replication_lag` (s), `redis_hitrate` (%),
 * `redis_memory_of_max` (%), `redis_evictions` (keys/s), and `up` (1 while a target answers).
 * Finding rules read a check's findings; their value is the finding's (seconds, %).
 */

/** A target that has not answered for this long is down (Prometheus's own `up == 0` idiom, with a `for`). */
export const TARGET_DOWN_FOR_S = 60
export const PG_CONNECTIONS_PCT = 80
export const PG_LONG_QUERY_S = 300
export const PG_BLOCKED_S = 60
export const PG_IDLE_IN_TRANSACTION_S = 300
export const PG_REPLICATION_LAG_S = 30
/** XID headroom under 20% is over 80% of the 2^31 limit used: the finding's value is the share used. */
export const PG_XID_USED_PCT = 80
export const CACHE_HIT_PCT = 80
export const CACHE_HIT_FOR_S = 300
export const REDIS_MEMORY_PCT = 90
export const HTTP_P95_S = 0.2
export const HTTP_ERROR_RATIO_PCT = 1

const pack: AlertRuleInput[] = [
  {
    name: 'TargetDown',
    watch: { kind: 'series', metric: 'up' },
    comparator: '==',
    threshold: 0,
    forS: TARGET_DOWN_FOR_S,
    severity: 'critical',
    summary: '{{ $labels.kind }} target {{ $labels.target }} is down',
    description: '{{ $labels.endpoint }} has not answered for over a minute. In Lookout, its other alerts are muted until it does.'
  },
  {
    name: 'PostgresConnectionsHigh',
    watch: { kind: 'series', metric: 'postgres_connections' },
    threshold: PG_CONNECTIONS_PCT,
    forS: 120,
    severity: 'warning',
    summary: '{{ $value }}% of max_connections in use on {{ $labels.target }}',
    description: 'New connections fail at 100%. Look for a pool that leaks or grew; consider a pooler (PgBouncer).'
  },
  {
    name: 'PostgresLongRunningQuery',
    watch: { kind: 'finding', check: 'long_running_query' },
    threshold: PG_LONG_QUERY_S,
    severity: 'warning',
    summary: '{{ $labels.object }} has run one statement for {{ $value }} s',
    description: 'A statement running this long holds its snapshot (vacuum cannot clean behind it) and often its locks.'
  },
  {
    name: 'PostgresBlockedSessions',
    watch: { kind: 'finding', check: 'blocked_session' },
    threshold: PG_BLOCKED_S,
    severity: 'critical',
    summary: '{{ $labels.object }} has waited {{ $value }} s on a lock',
    description: 'Sessions pile up behind a lock holder. The Activity view shows the blocking tree and its root.'
  },
  {
    name: 'PostgresIdleInTransaction',
    watch: { kind: 'finding', check: 'idle_in_transaction' },
    threshold: PG_IDLE_IN_TRANSACTION_S,
    severity: 'warning',
    summary: '{{ $labels.object }} idle in transaction for {{ $value }} s',
    description: 'It holds its locks and keeps vacuum from cleaning. Set idle_in_transaction_session_timeout.'
  },
  {
    name: 'PostgresReplicationLag',
    watch: { kind: 'series', metric: 'postgres_replication_lag' },
    threshold: PG_REPLICATION_LAG_S,
    forS: 60,
    severity: 'warning',
    summary: 'a standby of {{ $labels.target }} is {{ $value }} s behind'
  },
  {
    name: 'PostgresXidWraparound',
    watch: { kind: 'finding', check: 'xid_wraparound' },
    threshold: PG_XID_USED_PCT,
    severity: 'critical',
    summary: 'database {{ $labels.object }} has used {{ $value }}% of its transaction ID headroom',
    description: 'At 100% the server stops accepting writes. Anti-wraparound vacuums must finish.'
  },
  {
    name: 'PostgresCacheHitLow',
    watch: { kind: 'series', metric: 'postgres_cache_hit' },
    aggregation: 'avg',
    windowS: 60,
    comparator: '<',
    threshold: CACHE_HIT_PCT,
    forS: CACHE_HIT_FOR_S,
    severity: 'warning',
    summary: 'buffer cache hit {{ $value }}% on {{ $labels.target }}',
    description: 'Reads go to disk: the working set outgrew shared_buffers, or a query scans what it used not to.'
  },
  {
    name: 'RedisCacheHitLow',
    watch: { kind: 'series', metric: 'redis_hitrate' },
    aggregation: 'avg',
    windowS: 60,
    comparator: '<',
    threshold: CACHE_HIT_PCT,
    forS: CACHE_HIT_FOR_S,
    severity: 'warning',
    summary: 'Redis hit rate {{ $value }}% on {{ $labels.target }}',
    description: 'Reads miss the cache and fall through to the database: a mass invalidation, a cold cache, or keys expiring too soon.'
  },
  {
    name: 'RedisMemoryHigh',
    watch: { kind: 'series', metric: 'redis_memory_of_max' },
    threshold: REDIS_MEMORY_PCT,
    forS: 120,
    severity: 'warning',
    summary: 'Redis uses {{ $value }}% of maxmemory',
    description: 'At 100% it evicts (a cache) or refuses writes (noeviction).'
  },
  {
    name: 'RedisEvictions',
    watch: { kind: 'series', metric: 'redis_evictions' },
    aggregation: 'avg',
    windowS: 60,
    threshold: 0,
    forS: 300,
    severity: 'warning',
    summary: 'Redis evicts {{ $value }} keys/s',
    description: 'maxmemory is reached: keys are dropped before their TTL.'
  },
  {
    name: 'RedisRejectedConnections',
    watch: { kind: 'finding', check: 'rejected-connections' },
    threshold: 0,
    severity: 'critical',
    summary: 'Redis rejects {{ $value }} connections/s (maxclients reached)'
  },
  {
    name: 'RedisReplicaLinkDown',
    watch: { kind: 'finding', check: 'replication' },
    comparator: '>=',
    threshold: 0,
    forS: 30,
    severity: 'critical',
    summary: "this replica's link to its primary is down"
  },
  {
    name: 'HttpLatencyP95High',
    watch: { kind: 'scraped', metric: 'http_request_duration_seconds', matchers: [] },
    aggregation: 'p95',
    windowS: 300,
    threshold: HTTP_P95_S,
    forS: 300,
    severity: 'warning',
    summary: 'p95 request latency {{ $value }} s on {{ $labels.endpoint }}'
  },
  {
    name: 'HttpErrorRatioHigh',
    watch: {
      kind: 'scraped',
      metric: 'http_requests_total',
      matchers: [{ name: 'status', op: '=~', value: '5..' }],
      denominator: []
    },
    aggregation: 'ratio',
    windowS: 300,
    threshold: HTTP_ERROR_RATIO_PCT,
    forS: 300,
    severity: 'warning',
    summary: '{{ $value }}% of requests fail on {{ $labels.endpoint }}'
  },
  {
    name: 'LookoutCriticalFinding',
    watch: { kind: 'finding', check: '*', minSeverity: 'critical' },
    comparator: '>=',
    threshold: 0,
    severity: 'critical',
    summary: '{{ $labels.check }} on {{ $labels.object }}',
    description: 'A check found a critical problem that no other rule names; the finding says what to do.'
  }
]

/** The pack, validated (a mistake here fails at start-up and in its test, never silently). */
export const BUILTIN_RULES: readonly AlertRule[] = pack.map((r) => AlertRule.parse(r))
