import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import type { WorkspaceProfile, WorkspaceStatus } from '../../src/shared/schemas'
import { eventually, startMetricsFixture, startRedis, type MetricsFixture, type RedisHandle } from '../harness'
import { coreCaller } from '../helpers/core-call'
import { tempDir } from '../helpers/temp'

const POLL_MS = 300

let redisA: RedisHandle
let redisB: RedisHandle
let fixture: MetricsFixture
let dataDir: string
let core: Core
let secrets: MemorySecretStore
const changes: WorkspaceStatus[] = []
let targetStates = 0

function newCore(): Core {
  const c = createCore({ dataDir, secrets, notifier: { notify() {} }, transport: 'websocket' })
  c.onEvent((name, payload) => {
    if (name === 'workspace.changed') changes.push(payload as WorkspaceStatus)
    if (name === 'target.state') targetStates++
  })
  return c
}

const entry = (name: string) => changes.at(-1)?.profiles.find((p: WorkspaceProfile) => p.profile === name)

const call = coreCaller(() => core)

beforeAll(async () => {
  ;[redisA, redisB, fixture] = await Promise.all([startRedis(), startRedis(), startMetricsFixture()])
  dataDir = tempDir()
  secrets = new MemorySecretStore()
  core = newCore()
  for (const [name, environment, redis] of [
    ['shop-prod', 'prod', redisA],
    ['shop-staging', 'staging', redisB]
  ] as const)
    await call('profiles.save', { profile: { name, environment, redis: redis.url, metrics: [fixture.url], pollIntervalMs: POLL_MS } })
  await call('profiles.save', { profile: { name: 'scratch', environment: 'dev', metrics: [fixture.url], pollIntervalMs: POLL_MS } })
  // The built-in TargetDown waits a minute; these profiles override it to fire at once.
  for (const profile of ['shop-prod', 'shop-staging'])
    await call('alerts.saveRule', {
      profile,
      rule: { name: 'TargetDown', watch: { kind: 'series', metric: 'up' }, comparator: '==', threshold: 0, forS: 0, severity: 'critical' }
    })
})

afterAll(async () => {
  await core?.close()
  await Promise.allSettled([redisA?.stop(), redisB?.stop(), fixture?.close()])
})

describe('the workspace: several profiles watched at once', () => {
  it('pins two profiles: both are watched, each with its own worst state, and the pins are kept on disk', async () => {
    await call('workspace.pin', { profile: 'shop-prod', pinned: true })
    const status = await call('workspace.pin', { profile: 'shop-staging', pinned: true })
    expect(status.profiles.map((p: WorkspaceProfile) => [p.profile, p.pinned, p.watched])).toEqual([
      ['shop-prod', true, true],
      ['shop-staging', true, true]
    ])
    await eventually('both profiles up', () => entry('shop-prod')?.health === 'up' && entry('shop-staging')?.health === 'up', 20_000)
    expect(entry('shop-prod')).toMatchObject({ environment: 'prod', targets: { up: 2, down: 0 } })
    const file = JSON.parse(readFileSync(join(dataDir, 'workspace.json'), 'utf8'))
    expect(file).toEqual({ version: 1, pinned: ['shop-prod', 'shop-staging'] })
  })

  it('sends workspace.changed only when a summary changes, not on every poll', async () => {
    const before = { changes: changes.length, states: targetStates }
    await eventually('twenty more target states', () => targetStates >= before.states + 20, 20_000)
    // Four targets polling: all up, nothing changes in the summary.
    expect(changes.length - before.changes).toBeLessThan(3)
  })

  it('opening and stopping another profile leaves the pinned ones polling', async () => {
    await call('monitor.start', { profile: 'scratch' })
    await eventually('scratch watched', () => entry('scratch')?.watched === true)
    expect(entry('scratch')?.pinned).toBe(false)
    await call('monitor.stop', { profile: 'scratch' })
    await eventually('scratch no longer listed', () => entry('scratch') === undefined)
    const seen = targetStates
    await eventually('pinned profiles still polling', () => targetStates > seen + 4, 20_000)
    expect(entry('shop-prod')?.watched).toBe(true)
    expect(entry('shop-staging')?.watched).toBe(true)
  })

  it('one profile going down turns its dot red and leaves the other green', async () => {
    await redisA.kill()
    await eventually('shop-prod down', () => entry('shop-prod')?.health === 'down', 20_000)
    expect(entry('shop-prod')!.targets.down).toBe(1)
    expect(entry('shop-staging')!.health).toBe('up')
    // The target-down alert counts against the profile it belongs to.
    await eventually('shop-prod has a firing alert', () => (entry('shop-prod')?.firing ?? 0) > 0, 20_000)
    expect(entry('shop-staging')!.firing).toBe(0)
    const summary = await call('alerts.summary', {})
    expect(summary.firing.every((a: { profile: string }) => a.profile === 'shop-prod')).toBe(true)
    await redisA.restart()
    await eventually('shop-prod up again', () => entry('shop-prod')?.health === 'up', 20_000)
  })

  it('after a restart of the core, the pinned profiles are watched again from start-up', async () => {
    await core.close()
    core = newCore()
    expect((await call('workspace.status', {})).profiles.map((p: WorkspaceProfile) => [p.profile, p.watched])).toEqual([
      ['shop-prod', false],
      ['shop-staging', false]
    ])
    await core.watchPinned()
    await eventually('both up after restart', () => entry('shop-prod')?.health === 'up' && entry('shop-staging')?.health === 'up', 20_000)
  })

  it('unpinning keeps watching until stopped; deleting a profile drops its pin', async () => {
    const status = await call('workspace.pin', { profile: 'shop-staging', pinned: false })
    expect(status.profiles.find((p: WorkspaceProfile) => p.profile === 'shop-staging')).toMatchObject({
      pinned: false,
      watched: true
    })
    await call('profiles.delete', { name: 'shop-prod', confirmation: 'shop-prod' })
    expect(JSON.parse(readFileSync(join(dataDir, 'workspace.json'), 'utf8')).pinned).toEqual([])
    // The audit log view's filters, applied by the core: one action of one profile.
    const deletes = await call('audit.recent', { limit: 10, action: 'delete profile', profile: 'shop-prod' })
    expect(deletes).toMatchObject([{ action: 'delete profile', profile: 'shop-prod', environment: 'prod', outcome: 'ok' }])
    expect(await call('audit.recent', { limit: 10, outcome: 'failed' })).toEqual([])
    expect((await call('audit.recent', { limit: 100 })).length).toBeGreaterThan(deletes.length)
    expect((await call('workspace.status', {})).profiles.map((p: WorkspaceProfile) => p.profile)).toEqual(['shop-staging'])
  })

  it('a pinned profile that cannot start is reported, and the pin of an unknown profile is refused', async () => {
    await expect(call('workspace.pin', { profile: 'nope', pinned: true })).rejects.toMatchObject({ code: 'not_found' })
    expect(existsSync(join(dataDir, 'workspace.json'))).toBe(true)
    expect(JSON.parse(readFileSync(join(dataDir, 'workspace.json'), 'utf8')).pinned).not.toContain('nope')
  })
})
