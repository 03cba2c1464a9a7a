import { throughSsh } from '../targets'
import { CONFIRM_WORD } from '../audit/guard'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'
import { testHttp, testPostgres, testRedis } from './connection-test'
import { planImport } from './import'
import { redisTlsFiles } from '../redis/connection'
import { serializeProfiles } from './profiles-file'
import { changedFields, GUARDED_FIELDS, prepareProfile } from './store'

export function profileHandlers(
  s: CoreServices
): Pick<
  ApiHandlers,
  | 'profiles.list'
  | 'profiles.save'
  | 'profiles.delete'
  | 'profiles.importPlan'
  | 'profiles.import'
  | 'profiles.testConnection'
  | 'profiles.fileStatus'
  | 'profiles.export'
  | 'profiles.restoreBackup'
> {
  return {
    'profiles.list': async () => Promise.all((await s.profiles.list()).map((p) => s.profiles.summary(p))),
    'profiles.save': async ({ profile, replace, copySecretsFrom }, ctx) => {
      const current = await s.profiles.get(profile.name).catch(() => null)
      const source = copySecretsFrom ? await s.profiles.get(copySecretsFrom) : null
      // Another profile's passwords in a new one: as much a use of them as any action on that profile.
      if (source) ctx.requireConfirmationFor(source, `copying the secrets of profile "${source.name}"`)
      if (current && replace) {
        const guarded = changedFields(current, prepareProfile(profile).profile).filter((f) => GUARDED_FIELDS.includes(f))
        if (guarded.length) ctx.requireConfirmation(`changing ${guarded.join(', ')} of profile "${current.name}"`)
      }
      const saved = await s.profiles.save(profile, replace)
      const copiedSecrets = source ? await s.profiles.copySecrets(source, saved.profile) : []
      ctx.audit({
        created: saved.previous === null,
        changed: saved.changed,
        droppedSecrets: saved.droppedSecrets,
        ...(source ? { copiedSecretsFrom: source.name, copiedSecrets } : {})
      })
      // A running monitor keeps the old settings until restarted with the new ones.
      await s.monitors.restart(saved.profile.name)
      return s.profiles.summary(saved.profile)
    },
    'profiles.importPlan': async (req) => {
      const { inputs: _inputs, ...plan } = await planImport(s.profiles, req, s.env)
      return plan
    },
    'profiles.import': async ({ names, ...req }, ctx) => {
      const { inputs, ...plan } = await planImport(s.profiles, req, s.env)
      const chosen = plan.items.filter((i) => inputs.has(i.name) && (!names || names.includes(i.name)))
      // A new password for an existing profile is a change to it: its environment's confirmation,
      // checked for every one before anything is saved.
      for (const item of chosen)
        if (item.action === 'update')
          ctx.requireConfirmationFor(
            await s.profiles.get(item.name),
            `changing ${item.changes.join(', ')} of profile "${item.name}" (import)`
          )
      const created: string[] = []
      const updated: string[] = []
      for (const item of chosen) {
        const input = inputs.get(item.name)!
        await s.profiles.save(input, item.action === 'update')
        ;(item.action === 'update' ? updated : created).push(item.name)
        await s.monitors.restart(item.name)
      }
      ctx.setTarget(plan.sources.join(', '))
      ctx.audit({ created, updated, skipped: plan.items.filter((i) => i.action === 'skip').map((i) => i.name) })
      return { created, updated, plan }
    },
    'profiles.testConnection': async ({ profile, target }) => {
      const p = await s.profiles.get(profile)
      const tests = []
      // forProfile makes the profile's tunnel (when it has a bastion) before the test asks for it.
      const wanted = (kind: string) => !target || target === kind
      const pgAccess = p.postgres && wanted('postgres') ? await s.postgres.forProfile(profile) : null
      const redisAccess = p.redis && wanted('redis') ? await s.redis.forProfile(profile) : null
      const through = (kind: 'postgres' | 'redis') => {
        const tunnel = s.tunnels.tunnelOf(profile)
        return tunnel && throughSsh(p, kind)
          ? { describe: tunnel.describe, login: () => tunnel.connection(), probe: (h: string, port: number) => tunnel.probe(h, port) }
          : null
      }
      if (pgAccess) tests.push(await testPostgres(p.postgres!, pgAccess.open, through('postgres')))
      if (redisAccess) tests.push(await testRedis(p.redis!, redisTlsFiles(p), redisAccess.open, through('redis')))
      if (p.prometheus || p.alertmanager) {
        const { urls } = await s.profiles.secretsOf(p)
        for (const kind of ['prometheus', 'alertmanager'] as const)
          if (p[kind] && wanted(kind)) tests.push(await testHttp(kind, urls[kind] ?? p[kind]!))
      }
      return tests
    },
    'profiles.fileStatus': async () => s.profiles.fileStatus(),
    'profiles.export': async ({ names }) => {
      const chosen = (await s.profiles.list()).filter((p) => !names || names.includes(p.name))
      const missing = (names ?? []).filter((n) => !chosen.some((p) => p.name === n))
      if (missing.length) throw new ApiError('not_found', `no profile named ${missing.map((n) => `"${n}"`).join(', ')}`)
      return { text: serializeProfiles(chosen), count: chosen.length }
    },
    'profiles.restoreBackup': async ({ confirmation }) => {
      // No profile to take a confirmation from (the file may not read): the explicit word.
      if (confirmation !== CONFIRM_WORD)
        throw new ApiError(
          'refused',
          `restoring the profiles backup replaces profiles.json: send "${CONFIRM_WORD}"`,
          'confirmation_required'
        )
      const r = await s.profiles.restoreBackup()
      await Promise.allSettled(s.monitors.watched().map((m) => s.monitors.restart(m.profile.name)))
      return r
    },
    'profiles.delete': async ({ name }) => {
      await s.monitors.stop(name)
      const deleted = await s.profiles.delete(name)
      await s.workspace.forget(name)
      await s.tunnels.drop(name)
      // Its own rules go with it: a new profile of the same name starts from the pack.
      await s.alerting.ready()
      await s.alerting.config.forgetProfile(name).catch(() => {})
      return { deleted }
    }
  }
}
