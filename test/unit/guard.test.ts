import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mutationOf, requestNames, type ApiHandlers, type RequestName } from '../../src/shared/api'
import { createDispatcher } from '../../src/main/core/api/dispatcher'
import { AuditLog, verifyAuditText } from '../../src/main/core/audit/audit-log'
import { MutationGuard, requiredConfirmation } from '../../src/main/core/audit/guard'
import { analyzePolicyRefusal } from '../../src/main/core/explain/run'
import type { Profile } from '../../src/shared/schemas'
import { testProfile } from '../helpers/profile'
import { tempDir } from '../helpers/temp'

const profile = testProfile

/** Valid params for each mutating request, on profile `name`: the guard must stop them, not the schema. */
function validParams(name: RequestName, profileName: string, confirmation?: string): Record<string, unknown> {
  const c = confirmation === undefined ? {} : { confirmation }
  switch (name) {
    case 'profiles.save':
      return { profile: { name: profileName, environment: 'dev', readOnly: false }, replace: true, ...c }
    case 'profiles.import':
      return { from: 'pgpass', ...c }
    case 'profiles.delete':
      return { name: profileName, ...c }
    case 'profiles.restoreBackup':
      return { ...c }
    case 'alertmanager.createSilence':
      return { profile: profileName, matchers: [{ name: 'alertname', value: 'X' }], durationMinutes: 60, comment: 'maintenance', ...c }
    case 'alertmanager.expireSilence':
      return { profile: profileName, silenceId: 'abc', ...c }
    case 'postgres.signalBackend':
      return { profile: profileName, pid: 4242, action: 'terminate', ...c }
    case 'explain.run':
      return { profile: profileName, sql: 'SELECT 1', analyze: true, ...c }
    case 'cache.deleteKey':
      return { profile: profileName, key: 'k', ...c }
    case 'cache.setTtl':
      return { profile: profileName, key: 'k', ttlSeconds: 60, ...c }
    case 'cache.flush':
      return { profile: profileName, ...c }
    case 'cache.warm':
      return { profile: profileName, text: 'SET a 1', ...c }
    case 'cache.invalidate':
      return { profile: profileName, pattern: 'sess:*', ...c }
    case 'cache.ttlPattern':
      return { profile: profileName, pattern: 'sess:*', ttlSeconds: 60, ...c }
    case 'alerts.saveRule':
      return {
        profile: profileName,
        rule: { name: 'RedisCacheHitLow', watch: { kind: 'series', metric: 'redis_hitrate' }, threshold: 80, enabled: false },
        ...c
      }
    case 'alerts.deleteRule':
      return { profile: profileName, name: 'RedisCacheHitLow', ...c }
    case 'alerts.mute':
      return { id: `${profileName}/redis/TargetDown`, how: 'ack', ...c }
    case 'alerts.createSilence':
      return { matchers: [{ name: 'profile', value: profileName }], durationS: 3600, comment: 'maintenance', ...c }
    case 'alerts.expireSilence':
      return { id: 'abc', ...c }
    case 'alerts.importRules':
      return { profile: profileName, text: 'groups: []', ...c }
    case 'history.prune':
      return { profile: profileName, olderThanMs: 3_600_000, ...c }
    case 'history.setRetention':
      return { retention: { rawMs: 3_600_000, minuteMs: 86_400_000, quarterMs: 2 * 86_400_000 }, ...c }
    default:
      throw new Error(`no params written for the mutating request ${name}: add them here`)
  }
}

function setup(profiles: Profile[]) {
  const dir = tempDir()
  const audit = new AuditLog(dir, () => Date.UTC(2026, 11, 1, 12, 0, 0))
  const ran: string[] = []
  const handlers = Object.fromEntries(
    requestNames.map((n) => [
      n,
      async (_p: unknown, ctx: { requireConfirmation(w: string): void }) => {
        // A 'when-needed' handler asks as the real ones do for what they guard.
        if (mutationOf(n)?.confirm === 'when-needed') ctx.requireConfirmation(n)
        ran.push(n)
        return n === 'cache.invalidate' || n === 'cache.ttlPattern' ? { jobId: 'j-1' } : ({} as never)
      }
    ])
  ) as unknown as ApiHandlers
  const guard = new MutationGuard(audit, async (name) => profiles.find((p) => p.name === name) ?? null)
  return { dir, audit, ran, dispatch: createDispatcher(handlers, { guard }) }
}

const mutating = requestNames.filter((n) => mutationOf(n))

describe('mutations declared in api.ts, guarded and audited by the dispatcher', () => {
  it('needs "confirm" off prod and the profile name typed on prod', () => {
    expect(requiredConfirmation(profile({ environment: 'staging' }))).toBe('confirm')
    expect(requiredConfirmation(profile({ name: 'payments-eu', environment: 'prod' }))).toBe('payments-eu')
  })

  it('an environment of the team’s own is production unless it says otherwise: its name typed, ANALYZE off', async () => {
    expect(requiredConfirmation(profile({ name: 'eu-1', environment: 'eu-prod' }))).toBe('eu-1')
    expect(requiredConfirmation(profile({ name: 'perf-1', environment: 'perf', production: false }))).toBe('confirm')
    // dev and staging cannot be made production by a flag, nor prod made otherwise.
    expect(requiredConfirmation(profile({ name: 'p', environment: 'prod', production: false }))).toBe('p')
    expect(requiredConfirmation(profile({ name: 'd', environment: 'dev', production: true }))).toBe('confirm')
    const { ran, dispatch } = setup([profile({ name: 'eu-1', environment: 'eu-prod' })])
    const r = await dispatch('cache.deleteKey', validParams('cache.deleteKey', 'eu-1', 'confirm'))
    expect(r).toMatchObject({
      ok: false,
      error: { reason: 'confirmation_required', message: expect.stringContaining('on the eu-prod profile "eu-1" needs its name typed') }
    })
    expect(ran).toEqual([])
    expect(analyzePolicyRefusal(profile({ name: 'eu-1', environment: 'eu-prod' }))).toMatch(/EXPLAIN ANALYZE is off on the eu-prod profile/)
  })

  it('the declaration marks every request that changes a target or a profile', () => {
    expect(mutating.sort()).toEqual(
      [
        'alertmanager.createSilence',
        'alertmanager.expireSilence',
        'alerts.saveRule',
        'alerts.deleteRule',
        'alerts.mute',
        'alerts.createSilence',
        'alerts.expireSilence',
        'alerts.importRules',
        'cache.deleteKey',
        'cache.flush',
        'cache.invalidate',
        'cache.setTtl',
        'cache.ttlPattern',
        'cache.warm',
        'explain.run',
        'history.prune',
        'history.setRetention',
        'postgres.signalBackend',
        'profiles.delete',
        'profiles.import',
        'profiles.restoreBackup',
        'profiles.save'
      ].sort()
    )
  })

  it('a profile that allows only some actions refuses every other action on its servers, audited; its edits stay allowed', async () => {
    const narrow = profile({ name: 'narrow', allowedActions: ['cache.deleteKey'] })
    const { audit, ran, dispatch } = setup([narrow])
    const targetMutations = mutating.filter((n) => mutationOf(n)!.onReadOnly === 'refuse')
    for (const n of targetMutations.filter((x) => x !== 'cache.deleteKey')) {
      const r = await dispatch(n, validParams(n, 'narrow', 'confirm'))
      expect(r, n).toMatchObject({ ok: false, error: { code: 'refused', message: expect.stringContaining('allows only cache.deleteKey') } })
    }
    expect(ran).toEqual([])
    await dispatch('cache.deleteKey', validParams('cache.deleteKey', 'narrow', 'confirm'))
    expect(ran).toEqual(['cache.deleteKey'])
    expect((await audit.recent(100)).filter((l) => l.outcome === 'refused')).toHaveLength(targetMutations.length - 1)
  })

  it('a read-only profile refuses every mutation of its targets, each refusal audited, no handler run', async () => {
    const ro = profile({ name: 'ro', readOnly: true })
    const { audit, ran, dispatch } = setup([ro])
    const targetMutations = mutating.filter((n) => mutationOf(n)!.onReadOnly === 'refuse')
    expect(targetMutations.length).toBeGreaterThanOrEqual(9)
    for (const n of targetMutations) {
      const r = await dispatch(n, validParams(n, 'ro', 'confirm'))
      expect(r, n).toMatchObject({
        ok: false,
        error: { code: 'refused', reason: 'read_only', message: expect.stringContaining('is read-only') }
      })
    }
    expect(ran).toEqual([])
    const lines = (await audit.recent(100)).reverse()
    expect(lines.map((l) => [l.profile, l.outcome])).toEqual(targetMutations.map(() => ['ro', 'refused']))
    expect(lines.every((l) => /read-only/.test(l.error ?? ''))).toBe(true)
  })

  it('on prod, every mutation needs the profile name: "confirm" and nothing are refused and audited', async () => {
    const prod = profile({ name: 'payments-eu', environment: 'prod', allowExplainAnalyze: true })
    const { audit, ran, dispatch } = setup([prod])
    // An import names no profile: it asks each existing profile it would change for that
    // profile's confirmation (requireConfirmationFor), attacked in test/integration/profiles-import.test.ts.
    // Restoring the profiles backup names none either (the file may not read): it wants the
    // explicit word, attacked in test/unit/profiles-file-core.test.ts.
    // Acknowledging, snoozing and silencing here change only what this desktop shows and
    // notifies: audited, never confirmed (no one should type a profile name to quiet a page in an
    // incident), and a read-only profile allows them. Importing rules only adds alerts. Attacked in
    // test/integration/alert-rules.test.ts, with turning a rule off on prod, which does ask.
    // The history's retention belongs to no profile: shortening it wants the explicit word
    // (attacked in test/integration/history.test.ts); pruning a prod profile's history wants its name, here.
    const unconfirmed = [
      'history.setRetention',
      'profiles.import',
      'profiles.restoreBackup',
      'alerts.mute',
      'alerts.createSilence',
      'alerts.expireSilence',
      'alerts.importRules'
    ]
    const mutating = requestNames.filter((n) => mutationOf(n) && !unconfirmed.includes(n))
    for (const n of mutating) {
      for (const confirmation of [undefined, 'confirm', 'PAYMENTS-EU']) {
        const r = await dispatch(n, validParams(n, 'payments-eu', confirmation))
        expect(r, `${n} with ${confirmation}`).toMatchObject({ ok: false, error: { code: 'refused', reason: 'confirmation_required' } })
      }
    }
    expect(ran).toEqual([])
    expect((await audit.recent(1000)).filter((l) => l.outcome === 'refused')).toHaveLength(mutating.length * 3)
    // With the name typed, the guard lets each through to its handler (these fakes return no real result).
    for (const n of mutating) await dispatch(n, validParams(n, 'payments-eu', 'payments-eu'))
    expect(ran.sort()).toEqual([...mutating].sort())
  })

  it('params that fail validation are refused and audited too, with the profile they named', async () => {
    const { audit, dispatch } = setup([profile({ name: 'p' })])
    const r = await dispatch('cache.invalidate', { profile: 'p', pattern: '*', confirmation: 'confirm' })
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_request', message: expect.stringContaining('every key') } })
    const [line] = await audit.recent(1)
    expect(line).toMatchObject({ profile: 'p', environment: 'dev', action: 'invalidate keys', outcome: 'refused' })
    expect(line!.error).toMatch(/every key/)
  })

  it('a failure after the guard passed is audited as failed, with the error', async () => {
    const dir = tempDir()
    const audit = new AuditLog(dir)
    const handlers = Object.fromEntries(
      requestNames.map((n) => [
        n,
        async () => {
          throw new Error('connection reset by peer')
        }
      ])
    ) as unknown as ApiHandlers
    const dispatch = createDispatcher(handlers, { guard: new MutationGuard(audit, async () => profile({})) })
    expect(await dispatch('cache.deleteKey', { profile: 'p', key: 'k', confirmation: 'confirm' })).toMatchObject({ ok: false })
    expect((await audit.recent(1))[0]).toMatchObject({
      action: 'delete key',
      target: 'k',
      outcome: 'failed',
      error: 'connection reset by peer'
    })
  })

  it('a job is audited when it starts, with its id', async () => {
    const { audit, dispatch } = setup([profile({})])
    expect(await dispatch('cache.invalidate', { profile: 'p', pattern: 'sess:*', confirmation: 'confirm' })).toMatchObject({ ok: true })
    expect((await audit.recent(1))[0]).toMatchObject({
      action: 'invalidate keys',
      target: 'sess:*',
      outcome: 'ok',
      details: { jobId: 'j-1' }
    })
  })
})

describe('the audit chain', () => {
  it('each line carries the hash of the one before; verify names the first line altered or removed', async () => {
    const dir = tempDir()
    const audit = new AuditLog(dir)
    for (let i = 0; i < 6; i++)
      await audit.record({ profile: 'p', environment: 'dev', action: `a${i}`, target: 't', details: { i }, outcome: 'ok' })
    const path = join(dir, 'audit.log')
    const text = readFileSync(path, 'utf8')
    expect(verifyAuditText(text)).toEqual({ ok: true, lines: 6, chained: 6, firstBad: null })
    const lines = text.trim().split('\n')

    const altered = [...lines]
    altered[2] = altered[2]!.replace('"outcome":"ok"', '"outcome":"refused"')
    expect(verifyAuditText(altered.join('\n') + '\n').firstBad).toMatchObject({
      line: 4,
      reason: expect.stringContaining('line 3 was altered')
    })

    const removed = lines.filter((_, i) => i !== 3)
    expect(verifyAuditText(removed.join('\n') + '\n').firstBad).toMatchObject({ line: 4 })

    const headless = lines.slice(1)
    expect(verifyAuditText(headless.join('\n') + '\n').firstBad).toMatchObject({ line: 1, reason: expect.stringContaining('removed') })

    const unchained = [...lines]
    unchained[4] = JSON.stringify({ ...JSON.parse(unchained[4]!), prev: undefined })
    expect(verifyAuditText(unchained.join('\n') + '\n').firstBad).toMatchObject({ line: 5 })
  })

  it('the chain continues across writers: a second AuditLog (the CLI beside the app) links to the last line', async () => {
    const dir = tempDir()
    const a = new AuditLog(dir)
    const b = new AuditLog(dir)
    await a.record({ profile: 'p', environment: 'dev', action: 'x', target: 't', details: {}, outcome: 'ok' })
    await b.record({ profile: 'p', environment: 'dev', action: 'y', target: 't', details: {}, outcome: 'ok' })
    await a.record({ profile: 'p', environment: 'dev', action: 'z', target: 't', details: {}, outcome: 'ok' })
    expect(verifyAuditText(readFileSync(join(dir, 'audit.log'), 'utf8'))).toMatchObject({ ok: true, chained: 3 })
  })

  it('lines from before the chain existed are accepted; a chained line after them must link to the last', async () => {
    const dir = tempDir()
    const legacy = JSON.stringify({ time: 't', profile: 'p', environment: 'dev', action: 'old', target: 't', details: {}, outcome: 'ok' })
    writeFileSync(join(dir, 'audit.log'), legacy + '\n')
    await new AuditLog(dir).record({ profile: 'p', environment: 'dev', action: 'new', target: 't', details: {}, outcome: 'ok' })
    expect(verifyAuditText(readFileSync(join(dir, 'audit.log'), 'utf8'))).toMatchObject({ ok: true, lines: 2, chained: 1 })
  })
})
