// The real-server harness. The code lives in src/main/harness because `lookout demo` and the
// benchmarks start the same servers; tests import it from here.
export { startPostgres, startStandby, type PostgresHandle, type StandbyHandle } from '../../src/main/harness/postgres'
export {
  startRedis,
  startRedisCluster,
  startRedisSentinel,
  type RedisHandle,
  type RedisClusterHandle,
  type RedisSentinelHandle
} from '../../src/main/harness/redis'
export { startPrometheus, type PrometheusHandle } from '../../src/main/harness/prometheus'
export { startAlertmanager, type AlertmanagerHandle } from '../../src/main/harness/alertmanager'
export { startMetricsFixture, type MetricsFixture } from '../../src/main/harness/metrics-fixture'
export {
  startBlackboxExporter,
  startNodeExporter,
  startPostgresExporter,
  startPushgateway,
  startRedisExporter,
  type ExporterHandle
} from '../../src/main/harness/exporters'
export { freePort } from '../../src/main/harness/net'
export { startSshd, type SshdHandle } from '../../src/main/harness/sshd'

/** Polls `check` until it holds or `timeoutMs` passes; the failure says what was awaited. */
export async function eventually<T>(what: string, check: () => T | undefined | false | null, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Like `eventually`, for checks that are themselves async; a check that throws counts as not yet. */
export async function eventuallyAsync<T>(what: string, check: () => Promise<T | undefined | false | null>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await check().catch(() => null)
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}
