import type { ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'
import { changedFields, GUARDED_FIELDS, prepareProfile } from './store'

export function profileHandlers(s: CoreServices): Pick<ApiHandlers, 'profiles.list' | 'profiles.save' | 'profiles.delete'> {
  return {
    'profiles.list': async () => Promise.all((await s.profiles.list()).map((p) => s.profiles.summary(p))),
    'profiles.save': async ({ profile, replace }, ctx) => {
      const current = await s.profiles.get(profile.name).catch(() => null)
      if (current && replace) {
        const guarded = changedFields(current, prepareProfile(profile).profile).filter((f) => GUARDED_FIELDS.includes(f))
        if (guarded.length) ctx.requireConfirmation(`changing ${guarded.join(', ')} of profile "${current.name}"`)
      }
      const saved = await s.profiles.save(profile, replace)
      ctx.audit({ created: saved.previous === null, changed: saved.changed, droppedSecrets: saved.droppedSecrets })
      // A running monitor keeps the old settings until restarted with the new ones.
      await s.monitors.restart(saved.profile.name)
      return s.profiles.summary(saved.profile)
    },
    'profiles.delete': async ({ name }) => {
      await s.monitors.stop(name)
      return { deleted: await s.profiles.delete(name) }
    }
  }
}
