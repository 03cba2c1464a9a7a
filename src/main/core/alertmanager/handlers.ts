import { userInfo } from 'node:os'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { CoreServices } from '../services'
import { AlertmanagerClient, AlertmanagerError } from './client'

/** Who created a silence, as Alertmanager shows it: this tool and the OS user running it. */
function createdBy(): string {
  try {
    return `lookout (${userInfo().username})`
  } catch {
    return 'lookout'
  }
}

const amError = (err: unknown): never => {
  if (err instanceof AlertmanagerError) throw new ApiError(err.status === null ? 'unavailable' : 'bad_request', err.message)
  throw err
}

export function alertmanagerHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'alertmanager.alerts' | 'alertmanager.silences' | 'alertmanager.createSilence' | 'alertmanager.expireSilence'> {
  const author = createdBy()
  /** The profile's Alertmanager, reached with its credentials. */
  const client = async (name: string): Promise<AlertmanagerClient> => {
    const profile = await s.profiles.get(name)
    if (!profile.alertmanager) throw new ApiError('bad_request', `profile "${name}" names no Alertmanager`)
    const { urls } = await s.profiles.secretsOf(profile)
    return new AlertmanagerClient(urls.alertmanager ?? profile.alertmanager)
  }
  return {
    'alertmanager.alerts': async ({ profile }) =>
      (await (await client(profile)).alerts().catch(amError)).map((a) => ({
        fingerprint: a.fingerprint,
        labels: a.labels,
        summary: a.annotations.summary ?? a.annotations.description ?? '',
        state: a.status.state,
        silencedBy: a.status.silencedBy,
        startsAt: a.startsAt
      })),
    'alertmanager.silences': async ({ profile }) =>
      (await (await client(profile)).silences().catch(amError)).map((x) => ({
        id: x.id,
        state: x.status.state,
        matchers: x.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
        startsAt: x.startsAt,
        endsAt: x.endsAt,
        createdBy: x.createdBy,
        comment: x.comment
      })),
    'alertmanager.createSilence': async ({ profile, matchers, durationMinutes, comment }, ctx) => {
      const am = await client(profile)
      const startsAt = new Date(s.clock.now())
      const endsAt = new Date(s.clock.now() + durationMinutes * 60_000)
      ctx.audit({ durationMinutes, comment })
      const silenceId = await am.createSilence({ matchers, startsAt, endsAt, createdBy: author, comment }).catch(amError)
      ctx.audit({ silenceId })
      await s.alerting.refreshSilences(profile)
      return { silenceId }
    },
    'alertmanager.expireSilence': async ({ profile, silenceId }) => {
      await (await client(profile)).expireSilence(silenceId).catch(amError)
      await s.alerting.refreshSilences(profile)
      return { expired: true as const }
    }
  }
}
