/**
 * The Redis hit-rate rule the history, report and alert tests make the demo fire: an invalidation
 * of the demo's keys drops the hit rate below 50% for a few seconds. Short windows keep the tests quick.
 */
export function redisHitRateLowRule(forS = 2) {
  return {
    name: 'RedisCacheHitLow',
    watch: { kind: 'series', metric: 'redis_hitrate' },
    aggregation: 'avg',
    windowS: 2,
    comparator: '<',
    threshold: 50,
    forS,
    severity: 'critical',
    summary: 'Redis hit rate {{ $value }}%'
  } as const
}
