import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkReplicaLag, replicaStates } from '../../src/main/core/redis/checks'
import { parseInfo } from '../../src/main/core/redis/info'
import { eventuallyAsync, startRedis, type RedisHandle } from '../harness'

let primary: RedisHandle
let replica: RedisHandle
let p: Redis
let r: Redis

beforeAll(async () => {
  primary = await startRedis()
  replica = await startRedis(['--replicaof', '127.0.0.1', String(primary.port), '--enable-debug-command', 'yes'])
  p = new Redis(primary.url)
  r = new Redis(replica.url)
  await eventuallyAsync('the replica online', async () =>
    replicaStates(parseInfo(await p.info('replication'))).some((x) => x.state === 'online')
  )
})

afterAll(async () => {
  p?.disconnect()
  r?.disconnect()
  await replica?.stop()
  await primary?.stop()
})

describe('per-replica offset lag on a real primary and replica', () => {
  it('in sync: no finding; a replica stalled while the primary writes: bytes behind and seconds since its ack', async () => {
    await p.set('k', 'v')
    await eventuallyAsync('caught up', async () => replicaStates(parseInfo(await p.info('replication')))[0]!.offsetLagBytes === 0)
    expect(checkReplicaLag(parseInfo(await p.info('replication')))).toEqual([])
    // The replica's event loop stops for 3 s; the primary keeps writing.
    const stalled = new Redis(replica.url)
    void stalled.call('DEBUG', 'SLEEP', '3').catch(() => {})
    await new Promise((res) => setTimeout(res, 200))
    await p.set('big', 'x'.repeat(2 * 1024 * 1024))
    const finding = await eventuallyAsync('the lag seen by the primary', async () => {
      const f = checkReplicaLag(parseInfo(await p.info('replication')), 1024 * 1024, 2)
      return f.length ? f[0] : null
    })
    expect(finding).toMatchObject({ check: 'replica_lag', severity: 'warning' })
    expect(finding.message).toMatch(/replica 127\.0\.0\.1:\d+ \(online\) is \d+ bytes behind the primary, last ack \d+ s ago/)
    stalled.disconnect()
    await eventuallyAsync('caught up again', async () => checkReplicaLag(parseInfo(await p.info('replication'))).length === 0, 15_000)
  })
})
