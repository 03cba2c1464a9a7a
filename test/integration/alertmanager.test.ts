import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCore, type Core } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { startAlertmanager, startPrometheus, type AlertmanagerHandle, type PrometheusHandle, eventuallyAsync } from '../harness'
import { tempDir } from '../helpers/temp'
import { coreCaller } from '../helpers/core-call'

let am: AlertmanagerHandle
let prom: PrometheusHandle
let core: Core
let dataDir: string

const RULES = {
  groups: [
    {
      name: 'g',
      rules: [
        {
          alert: 'DiskAlmostFull',
          expr: 'vector(1)',
          for: '0s',
          labels: { severity: 'warning', team: 'storage' },
          annotations: { summary: 'disk 95%' }
        }
      ]
    }
  ]
}

const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 40000) => eventuallyAsync(what, fn, timeoutMs)

const call = coreCaller(() => core)

beforeAll(async () => {
  am = await startAlertmanager()
  const rules = join(tempDir(), 'rules.yml')
  writeFileSync(rules, JSON.stringify(RULES))
  prom = await startPrometheus([], [rules], [`127.0.0.1:${am.port}`])
  dataDir = tempDir()
  core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
  for (const [name, environment, readOnly] of [
    ['ops-prod', 'prod', false],
    ['ops-dev', 'dev', false],
    ['ops-ro', 'staging', true]
  ] as const)
    await call('profiles.save', { profile: { name, environment, readOnly, prometheus: prom.url, alertmanager: am.url } })
})

afterAll(async () => {
  await core?.close()
  await prom?.stop()
  await am?.stop()
})

describe('Alertmanager v2 through the core', () => {
  it('lists the alerts Prometheus sent it', async () => {
    const alerts = await until('the alert in Alertmanager', async () => {
      const a = await call('alertmanager.alerts', { profile: 'ops-dev' })
      return a.length ? a : null
    })
    expect(alerts[0]).toMatchObject({
      labels: { alertname: 'DiskAlmostFull', team: 'storage' },
      summary: 'disk 95%',
      state: 'active',
      silencedBy: []
    })
  })

  it('refuses a silence without confirmation, on a read-only profile, and on prod without the typed name', async () => {
    const base = { matchers: [{ name: 'alertname', value: 'DiskAlmostFull' }], durationMinutes: 30, comment: 'replacing the disk' }
    await expect(call('alertmanager.createSilence', { profile: 'ops-dev', ...base })).rejects.toMatchObject({
      code: 'refused',
      message: 'create silence needs confirmation: send "confirm"'
    })
    await expect(call('alertmanager.createSilence', { profile: 'ops-ro', ...base, confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused',
      message: 'profile "ops-ro" is read-only: create silence refused'
    })
    await expect(call('alertmanager.createSilence', { profile: 'ops-prod', ...base, confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused'
    })
    expect(await call('alertmanager.silences', { profile: 'ops-dev' })).toEqual([])
  })

  it('creates a silence on prod with the typed name, silences the alert, then expires it; all audited', async () => {
    const { silenceId } = await call('alertmanager.createSilence', {
      profile: 'ops-prod',
      matchers: [{ name: 'alertname', value: 'DiskAlmostFull' }],
      durationMinutes: 30,
      comment: 'replacing the disk',
      confirmation: 'ops-prod'
    })
    const silences = await call('alertmanager.silences', { profile: 'ops-prod' })
    expect(silences).toHaveLength(1)
    expect(silences[0]).toMatchObject({
      id: silenceId,
      state: 'active',
      comment: 'replacing the disk',
      matchers: [{ name: 'alertname', value: 'DiskAlmostFull', isRegex: false, isEqual: true }]
    })
    expect(silences[0].createdBy).toMatch(/^lookout/)
    const silenced = await until('the alert silenced', async () => {
      const a = await call('alertmanager.alerts', { profile: 'ops-prod' })
      return a[0]?.silencedBy.includes(silenceId) ? a[0] : null
    })
    expect(silenced.state).toBe('suppressed')
    await expect(call('alertmanager.expireSilence', { profile: 'ops-prod', silenceId, confirmation: 'confirm' })).rejects.toMatchObject({
      code: 'refused'
    })
    expect(await call('alertmanager.expireSilence', { profile: 'ops-prod', silenceId, confirmation: 'ops-prod' })).toEqual({
      expired: true
    })
    expect((await call('alertmanager.silences', { profile: 'ops-prod' }))[0].state).toBe('expired')

    // Profile saves are audited too; this test looks at the silences.
    const audit = (await call('audit.recent', { limit: 20 })).filter((e: any) => e.action !== 'save profile')
    expect(audit.map((e: any) => [e.profile, e.action, e.outcome])).toEqual([
      ['ops-prod', 'expire silence', 'ok'],
      ['ops-prod', 'expire silence', 'refused'],
      ['ops-prod', 'create silence', 'ok'],
      ['ops-prod', 'create silence', 'refused'],
      ['ops-ro', 'create silence', 'refused'],
      ['ops-dev', 'create silence', 'refused']
    ])
    expect(audit[2].target).toBe('{alertname="DiskAlmostFull"}')
    expect(readFileSync(join(dataDir, 'audit.log'), 'utf8')).toContain('"comment":"replacing the disk"')
  })

  it('says what Alertmanager answered to a bad silence', async () => {
    await expect(
      call('alertmanager.createSilence', {
        profile: 'ops-dev',
        matchers: [{ name: 'alertname', value: '(', isRegex: true }],
        durationMinutes: 5,
        comment: 'bad regex',
        confirmation: 'confirm'
      })
    ).rejects.toThrow(new RegExp(`^${am.url.replace(/\./g, '\\.')}/api/v2/silences: HTTP 400: `))
  })
})
