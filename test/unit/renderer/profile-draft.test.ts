import { describe, expect, it } from 'vitest'
import { draftOf, draftToInput, emptyDraft } from '../../../src/renderer/src/lib/profile-draft'
import { environmentBarStyle, groupByEnvironment, readableOn } from '../../../src/renderer/src/lib/workspace'
import type { ProfileSummary } from '../../../src/shared/schemas'

const stored: ProfileSummary = {
  name: 'shop-prod',
  environment: 'prod',
  readOnly: true,
  allowFlush: false,
  allowExplainAnalyze: false,
  explainAnalyzeFunctions: [],
  redis: 'rediss://cache:6380/0',
  metrics: [{ url: 'https://app:8443/metrics', auth: 'bearer', insecureSkipVerify: false, caFile: '/ca.pem' }],
  pollIntervalMs: 1000,
  thresholds: { long_running_query_s: 30 },
  secrets: { postgres: false, redis: true, redisReplica: false, prometheus: false, alertmanager: false, ssh: false }
}

describe('the profile editor’s draft', () => {
  it('round-trips a stored profile, keeping a /metrics entry’s auth and CA', () => {
    const { input, ok } = draftToInput(draftOf(stored), stored)
    expect(ok).toBe(true)
    expect(input).toMatchObject({
      name: 'shop-prod',
      environment: 'prod',
      readOnly: true,
      redis: 'rediss://cache:6380/0',
      thresholds: { long_running_query_s: 30 }
    })
    expect(input.metrics).toEqual([stored.metrics[0]])
  })

  it('names the field that is wrong, as the core would', () => {
    const d = { ...emptyDraft(), name: 'x', postgres: 'mysql://db/app', thresholds: 'long_running_query_s 30', pollIntervalMs: '10' }
    const { problems, ok } = draftToInput(d, null)
    expect(ok).toBe(false)
    expect(Object.keys(problems).sort()).toEqual(['pollIntervalMs', 'postgres', 'thresholds'])
    expect(problems.thresholds).toMatch(/write name=number/)
    expect(draftToInput({ ...emptyDraft(), name: '' }, null).problems.name).toBeTruthy()
  })

  it('puts a typed password into its URL for the core to take out; an empty one keeps the stored password', () => {
    const d = { ...draftOf(stored), passwords: { redis: 'p@ss word' } }
    expect(draftToInput(d, stored).input.redis).toBe('rediss://:p%40ss%20word@cache:6380/0')
    expect(draftToInput(draftOf(stored), stored).input.redis).toBe('rediss://cache:6380/0')
  })

  it('an SSH bastion needs at least one target through it', () => {
    const d = { ...emptyDraft(), name: 'x', ssh: 'ssh://ops@bastion', sshPostgres: false, sshRedis: false }
    expect(draftToInput(d, null).problems.sshTargets).toMatch(/tick Postgres, Redis or both/)
    expect(draftToInput({ ...d, sshRedis: true }, null).input.sshTargets).toEqual(['redis'])
  })
})

describe('an environment of the team’s own', () => {
  it('is saved with its colour and production flag; a built-in one carries neither', () => {
    const d = { ...emptyDraft(), name: 'eu-1', environment: 'eu-prod', environmentColor: '#7b1fa2', production: true }
    expect(draftToInput(d, null)).toMatchObject({
      ok: true,
      input: { environment: 'eu-prod', environmentColor: '#7b1fa2', production: true }
    })
    expect(draftToInput({ ...d, environment: 'EU prod' }, null).problems.environment).toMatch(/lower-case name of your own/)
    expect(draftToInput({ ...d, environment: 'prod' }, null).input).not.toHaveProperty('production')
  })

  it('gets a bar in its colour with readable text, red when production gives none', () => {
    expect(environmentBarStyle({ environment: 'prod' })).toEqual({ className: 'env-bar env-bar-prod' })
    expect(environmentBarStyle({ environment: 'eu-prod' })).toMatchObject({ style: { background: '#b3261e', color: '#fff' } })
    expect(environmentBarStyle({ environment: 'perf', production: false, environmentColor: '#ffe082' })).toMatchObject({
      style: { background: '#ffe082', color: '#111' }
    })
    expect(environmentBarStyle({ environment: 'perf', production: false })).toEqual({ className: 'env-bar env-bar-custom' })
    expect(readableOn('#000000')).toBe('#fff')
  })

  it('sorts production environments first in the sidebar, then staging, dev and the rest', () => {
    const p = (name: string, environment: string, production?: boolean) => ({ ...stored, name, environment, production })
    expect(
      groupByEnvironment([p('a', 'dev'), p('b', 'perf', false), p('c', 'eu-prod'), p('d', 'staging'), p('e', 'prod')]).map(([e]) => e)
    ).toEqual(['prod', 'eu-prod', 'staging', 'dev', 'perf'])
  })
})
