import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AuditLog } from '../../src/main/core/audit/audit-log'
import { guarded, requiredConfirmation } from '../../src/main/core/audit/guard'
import type { Profile } from '../../src/shared/schemas'
import { tempDir } from '../helpers/temp'

const profile = (over: Partial<Profile>): Profile => ({
  name: 'p',
  environment: 'dev',
  readOnly: false,
  allowFlush: false,
  metrics: [],
  pollIntervalMs: 1000,
  thresholds: {},
  ...over
})

describe('guarded mutations', () => {
  it('needs "confirm" off prod and the profile name typed on prod', () => {
    expect(requiredConfirmation(profile({ environment: 'staging' }))).toBe('confirm')
    expect(requiredConfirmation(profile({ name: 'payments-eu', environment: 'prod' }))).toBe('payments-eu')
  })

  it('refuses, runs or records a failure, and audits each in order', async () => {
    const d = tempDir()
    const audit = new AuditLog(d, () => Date.UTC(2026, 10, 23, 12, 0, 0))
    const prod = profile({ name: 'payments-eu', environment: 'prod' })
    let ran = 0
    const act = (p: Profile, confirmation: string | undefined, fail = false) =>
      guarded(
        audit,
        { profile: p, action: 'create silence', target: '{alertname="X"}', details: { minutes: 60 }, confirmation },
        async () => {
          ran++
          if (fail) throw new Error('HTTP 400: bad matcher')
          return 'id-1'
        }
      )
    await expect(act(prod, 'confirm')).rejects.toThrow(
      'create silence on the prod profile "payments-eu" needs its name typed as confirmation'
    )
    await expect(act(profile({ readOnly: true }), 'confirm')).rejects.toThrow('profile "p" is read-only: create silence refused')
    await expect(act(profile({}), undefined)).rejects.toThrow('create silence needs confirmation: send "confirm"')
    expect(ran).toBe(0)
    expect(await act(prod, 'payments-eu')).toBe('id-1')
    await expect(act(profile({}), 'confirm', true)).rejects.toThrow('HTTP 400: bad matcher')
    const recent = await audit.recent(10)
    expect(recent.map((e) => [e.profile, e.outcome])).toEqual([
      ['p', 'failed'],
      ['payments-eu', 'ok'],
      ['p', 'refused'],
      ['p', 'refused'],
      ['payments-eu', 'refused']
    ])
    expect(recent[0]).toMatchObject({
      time: '2026-11-23T12:00:00.000Z',
      action: 'create silence',
      target: '{alertname="X"}',
      details: { minutes: 60 },
      error: 'HTTP 400: bad matcher'
    })
    expect(readFileSync(join(d, 'audit.log'), 'utf8').trim().split('\n')).toHaveLength(5)
  })
})
