import { randomUUID } from 'node:crypto'
import { userInfo } from 'node:os'
import { ApiError, type ApiHandlers } from '../../../shared/api'
import type { AlertHistoryEntry, RulePreview } from '../../../shared/alert-rules'
import { isProduction } from '../../../shared/schemas'
import { PrometheusClient } from '../prometheus/api-client'
import type { CoreServices } from '../services'
import { replayRange, replaySeries, seriesOfRule } from './preview'
import { ProfileRules } from './profile-rules'
import { renderTemplate } from './rule-state'
import { exportRuleFile, importRuleFile } from './rule-file'

/** Who acknowledged or snoozed an alert: the OS user running Lookout. */
function whoAmI(): string {
  try {
    return userInfo().username
  } catch {
    return 'lookout'
  }
}

/** How far back a PromQL rule's preview looks, and at which step. */
const PREVIEW_RANGE_S = 3600
const PREVIEW_STEP_S = 15
/** `lookout rules test` waits for this many polls of each target, so rates and windows have data. */
const TEST_POLLS = 2

type AlertsRequests =
  | 'alerts.summary'
  | 'alerts.rules'
  | 'alerts.saveRule'
  | 'alerts.deleteRule'
  | 'alerts.preview'
  | 'alerts.mute'
  | 'alerts.silences'
  | 'alerts.previewSilence'
  | 'alerts.createSilence'
  | 'alerts.expireSilence'
  | 'alerts.history'
  | 'alerts.setPolicy'
  | 'alerts.exportRules'
  | 'alerts.checkRules'
  | 'alerts.importRules'
  | 'alerts.testRules'

/** Alert rules, the alert book's mutes and silences, history, and rule files. */
export function alertHandlers(s: CoreServices): Pick<ApiHandlers, AlertsRequests> {
  const { alerting, monitors, clock } = s
  const user = whoAmI()
  const ready = () => alerting.ready()
  return {
    'alerts.summary': async () => monitors.summary(),
    'alerts.rules': async ({ profile }) => {
      await ready()
      await s.profiles.get(profile)
      return { rules: alerting.config.effectiveRules(profile), policy: alerting.config.policy(), problem: alerting.config.problem }
    },
    'alerts.saveRule': async ({ profile, rule }, ctx) => {
      await ready()
      if (profile !== undefined) {
        const p = await s.profiles.get(profile)
        // Turning a rule off on production can hide an outage: it takes the profile's confirmation.
        if (!rule.enabled && isProduction(p)) ctx.requireConfirmation(`turning off alert rule ${rule.name}`)
      }
      ctx.audit({ scope: profile ?? 'pack', enabled: rule.enabled, severity: rule.severity })
      await alerting.config.saveRule(profile ?? null, rule)
      monitors.reloadRules(profile)
      return { rules: alerting.config.effectiveRules(profile ?? rule.name) }
    },
    'alerts.deleteRule': async ({ profile, name }, ctx) => {
      await ready()
      if (profile !== undefined) {
        const p = await s.profiles.get(profile)
        if (isProduction(p)) ctx.requireConfirmation(`deleting alert rule ${name}`)
      }
      const deleted = await alerting.config.deleteRule(profile ?? null, name)
      monitors.reloadRules(profile)
      return { deleted }
    },
    'alerts.preview': async ({ profile, rule }) => {
      await ready()
      const p = await s.profiles.get(profile)
      const w = rule.watch
      const base = { threshold: rule.threshold ?? null, clearThreshold: rule.clearThreshold ?? null }
      if (w.kind === 'promql') {
        if (!p.prometheus) throw new ApiError('bad_request', `profile "${profile}" names no Prometheus server to evaluate PromQL on`)
        const { urls } = await s.profiles.secretsOf(p)
        const client = new PrometheusClient(urls.prometheus ?? p.prometheus, { timeoutMs: 15_000 })
        const endS = Math.floor(clock.now() / 1000)
        const r = await client.queryRange(w.expr, endS - PREVIEW_RANGE_S, endS, PREVIEW_STEP_S).catch((err: unknown) => {
          throw new ApiError('unavailable', (err as Error).message)
        })
        if (r.data.type !== 'matrix')
          throw new ApiError('bad_request', `the expression gives a ${r.data.type}; an alert rule needs an instant vector`)
        const series = r.data.series.map((x) => {
          const labels = { ...x.metric }
          delete labels.__name__
          return { labels, t: x.t, v: x.values }
        })
        return {
          ...base,
          targets: [replayRange(rule, 'prometheus', series)],
          note: `replayed on the last hour at a ${PREVIEW_STEP_S} s step`
        }
      }
      if (!monitors.has(profile))
        throw new ApiError('bad_request', `open profile "${profile}" first: the preview replays the data Lookout holds for it`)
      const m = monitors.of(profile)
      if (w.kind === 'series' && w.metric !== 'up') {
        const targets: RulePreview['targets'] = []
        for (const { target, seriesId } of seriesOfRule(rule, m.targets())) {
          const view = m.seriesView(seriesId)
          if (view) targets.push(replaySeries(rule, target, view))
        }
        if (!targets.length) throw new ApiError('not_found', `no target of profile "${profile}" has a series ${w.metric}`)
        return { ...base, targets, note: null }
      }
      const why =
        w.kind === 'finding'
          ? 'findings are not kept over time; this is whether the rule holds now'
          : w.kind === 'scraped'
            ? 'scraped windows are kept only as long as the rule’s window; this is whether the rule holds now'
            : 'target states are not kept as a series; this is whether the rule holds now'
      const probe = new ProfileRules(profile, [rule], m.targets(), m.ruleReads(), null)
      const now = clock.now()
      const results = await probe.probe(now, AbortSignal.timeout(15_000)).finally(() => probe.dispose())
      const byTarget = new Map<string, RulePreview['targets'][number]>()
      for (const r of results) {
        const t = byTarget.get(r.target) ?? { target: r.target, t: [now], v: [r.value], transitions: [] }
        if (r.holds) t.transitions.push({ at: now, from: 'inactive', to: 'pending', labels: r.labels })
        byTarget.set(r.target, t)
      }
      return { ...base, targets: [...byTarget.values()], note: why }
    },
    'alerts.mute': async ({ id, how, forS }, ctx) => {
      await ready()
      if (how === 'snooze' && !forS) throw new ApiError('bad_request', 'a snooze needs forS: how long')
      const now = clock.now()
      ctx.audit({ how, ...(forS ? { forS } : {}) })
      try {
        return alerting.book.mute(id, how, how === 'snooze' ? now + forS! * 1000 : null, user, now)
      } catch (err) {
        throw new ApiError('not_found', (err as Error).message)
      }
    },
    'alerts.silences': async () => {
      await ready()
      const now = clock.now()
      // Ended ones are shown for a day, then dropped at the next change.
      return alerting.config.silences().filter((x) => x.endsAt > now - 86_400_000)
    },
    'alerts.previewSilence': async ({ matchers }) => {
      await ready()
      return alerting.book.matching(matchers, clock.now())
    },
    'alerts.createSilence': async ({ matchers, durationS, comment }, ctx) => {
      await ready()
      const now = clock.now()
      const silence = { id: randomUUID(), matchers, endsAt: now + durationS * 1000, comment: `${comment} (${user})`, createdAt: now }
      ctx.audit({ durationS, comment })
      await alerting.config.addSilence(silence, now)
      alerting.book.settle(now)
      ctx.setTarget(silence.id)
      return silence
    },
    'alerts.expireSilence': async ({ id }) => {
      await ready()
      const now = clock.now()
      const expired = await alerting.config.expireSilence(id, now)
      alerting.book.settle(now)
      return { expired }
    },
    'alerts.history': async ({ profile, limit }) => {
      await ready()
      const out: AlertHistoryEntry[] = []
      const h = alerting.journal.current.history
      for (let i = h.length - 1; i >= 0 && out.length < limit; i--) {
        const r = h[i]!
        if (profile !== undefined && r.profile !== profile) continue
        if (r.k === 'state')
          out.push({
            t: r.t,
            profile: r.profile,
            rule: r.rule,
            target: r.target,
            labels: r.inst.labels,
            from: r.from,
            to: r.inst.phase,
            severity: r.severity,
            value: r.inst.value
          })
        else
          out.push({
            t: r.t,
            profile: r.profile,
            rule: r.rule,
            target: r.target,
            labels: {},
            from: r.from,
            to: 'inactive',
            severity: '',
            value: null
          })
      }
      return out
    },
    'alerts.setPolicy': async ({ policy }) => {
      await ready()
      await alerting.config.setPolicy(policy)
      alerting.book.settle(clock.now())
      return policy
    },
    'alerts.exportRules': async ({ profile }) => {
      await ready()
      await s.profiles.get(profile)
      return exportRuleFile(
        `lookout-${profile}`,
        alerting.config.effectiveRules(profile).map((e) => e.rule)
      )
    },
    'alerts.checkRules': async ({ text }) => {
      const r = importRuleFile(text)
      return { rules: r.rules.map((x) => x.name), skipped: r.skipped, problems: r.problems }
    },
    'alerts.importRules': async ({ profile, text }, ctx) => {
      await ready()
      const p = await s.profiles.get(profile)
      const r = importRuleFile(text)
      if (r.problems.length) {
        ctx.fail(`${r.problems.length} problem(s) in the rule file; nothing imported`)
        return { rules: [], skipped: r.skipped, problems: r.problems }
      }
      if (!p.prometheus && r.rules.length)
        throw new ApiError('bad_request', `profile "${profile}" names no Prometheus server: imported rules are PromQL and need one`)
      for (const rule of r.rules) await alerting.config.saveRule(profile, rule)
      ctx.audit({ imported: r.rules.map((x) => x.name) })
      monitors.reloadRules(profile)
      return { rules: r.rules.map((x) => x.name), skipped: r.skipped, problems: [] }
    },
    'alerts.testRules': async ({ profile, timeoutMs }) => {
      await ready()
      const started = !monitors.has(profile)
      const m = await monitors.start(profile)
      try {
        // Every target polled a few times (or given up on), so windows and rates have data.
        const deadline = Date.now() + timeoutMs
        const seen = new Map<string, Set<number>>()
        const enough = () =>
          m.targetStates().every((t) => {
            const polls = seen.get(t.targetId) ?? new Set<number>()
            seen.set(t.targetId, polls)
            if (t.lastPollAt !== null) polls.add(t.lastPollAt)
            return polls.size >= (started ? TEST_POLLS : 1)
          })
        while (!enough() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
        const results = await m.rules.probe(clock.now(), AbortSignal.timeout(15_000))
        return results.map((r) => {
          const labels = { ...r.rule.labels, ...r.labels, alertname: r.rule.name, target: r.target }
          return {
            rule: r.rule.name,
            target: r.target,
            labels,
            value: r.value,
            holds: r.holds,
            severity: r.rule.severity,
            summary: renderTemplate(r.rule.summary || r.rule.name, r.value, labels),
            forS: r.rule.forS
          }
        })
      } finally {
        if (started) await monitors.stop(profile)
      }
    }
  }
}
