import { ApiError, type ApiHandlers, type EventName, type EventPayload } from '../../shared/api'
import { Profile, ProfileInput } from '../../shared/schemas'
import { AlertBook } from './alerts/alerts'
import { errorMessage, type CollectResult } from './collector'
import { createDispatcher, type Dispatch } from './api/dispatcher'
import { ProfileMonitor } from './monitor'
import { silentLogger, systemClock, type Clock, type FileDialogs, type Logger, type Notifier, type SecretStore } from './ports'
import { ProfileStore } from './profiles/store'
import { changedFields, GUARDED_FIELDS } from './profiles/store'
import { separateSecrets } from './profiles/secrets'
import { MAX_JOBS_PER_REDIS_SERVER, MAX_PG_SESSIONS_PER_PROFILE, SlotLimiter } from './limits'
import { Scheduler } from './scheduler/scheduler'
import { buildCollectors, pollTimeout } from './targets'
import { LOOKOUT_VERSION } from './version'
import { PrometheusClient } from './prometheus/api-client'
import { instantQuery, rangeQuery } from './prometheus/queries'
import { SavedQueryStore } from './prometheus/saved-queries'
import { fetchBackfill } from './prometheus/backfill'
import { AlertmanagerClient, AlertmanagerError } from './alertmanager/client'
import { AuditLog } from './audit/audit-log'
import { MutationGuard } from './audit/guard'
import { dryRun, invalidate } from './redis/invalidate'
import { inspectKey } from './redis/keys'
import { analyseKeyspace } from './redis/keyspace'
import { parseInfo } from './redis/info'
import { createMonitorRedis, describeRedisError, describeRedisUrl, redisEndpoint, redisFailure, resolvePrimary } from './redis/connection'
import { ThreadLatencyProbe } from './redis/latency-probe'
import { parseWarmFile, warm, WarmFileError } from './redis/warm'
import {
  clusterDryRun,
  clusterPrimaries,
  invalidateCluster,
  isCluster,
  primaryForKey,
  routeCommands,
  splitNodeName,
  warmCluster,
  type ClusterNode
} from './redis/cluster'
import { expireKeys, type InvalidateProgress } from './redis/invalidate'
import type { Redis } from 'ioredis'
import { RedisCollector } from './redis/collector'
import { PostgresCollector } from './postgres/collector'
import { createMonitorClient, describeDsn, describePgError, destroyClient, pgEndpoint } from './postgres/connection'
import { readRelationCache } from './postgres/checks/settings'
import { signalBackend } from './postgres/actions'
import { pgThresholds } from './postgres/thresholds'
import { runExplain } from './explain/run'
import { explainPasted } from './explain'
import { PlanParseError } from './explain/model'
import { comparePlans, PlanHistory } from './explain/history'
import { queryDigest } from './postgres/actions'
import { randomUUID } from 'node:crypto'
import { userInfo } from 'node:os'

export interface CoreOptions {
  dataDir: string
  secrets: SecretStore
  notifier: Notifier
  clock?: Clock
  logger?: Logger
  dialogs?: FileDialogs
  transport: 'ipc' | 'websocket'
  /** For tests: the scheduler's jitter source. */
  random?: () => number
}

export type CoreEventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void

export interface Core {
  /** Validates and runs one request from any transport. */
  dispatch: Dispatch
  handlers: ApiHandlers
  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: CoreEventListener): () => void
  /**
   * A profile for this process only, never written (the CLI's `--redis URL` / `--postgres URL`):
   * requests on it go through the same dispatcher, guard and audit as any other. Not part of the
   * API: no transport can reach it.
   */
  addTransientProfile(input: ProfileInput): Promise<string>
  close(): Promise<void>
}

/** The Electron-free core: everything Lookout does, behind the API declared in src/shared/api.ts. */
export function createCore(opts: CoreOptions): Core {
  const clock = opts.clock ?? systemClock
  const logger = opts.logger ?? silentLogger
  const listeners = new Set<CoreEventListener>()
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>) => {
    for (const l of listeners) {
      try {
        l(name, payload)
      } catch (err) {
        logger.error('event listener failed', { event: name, error: String(err) })
      }
    }
  }
  const profiles = new ProfileStore(opts.dataDir, opts.secrets)
  const monitors = new Map<string, ProfileMonitor>()
  const savedQueries = new SavedQueryStore(opts.dataDir)
  const audit = new AuditLog(opts.dataDir, () => clock.now())
  const limits = new SlotLimiter()
  const guard = new MutationGuard(audit, (name) =>
    profiles.get(name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'not_found') return null
      throw err
    })
  )

  async function amClient(name: string): Promise<{ profile: Awaited<ReturnType<typeof profiles.get>>; client: AlertmanagerClient }> {
    const profile = await profiles.get(name)
    if (!profile.alertmanager) throw new ApiError('bad_request', `profile "${name}" names no Alertmanager`)
    const { urls } = await profiles.secretsOf(profile)
    return { profile, client: new AlertmanagerClient(urls.alertmanager ?? profile.alertmanager) }
  }
  const amError = (err: unknown): never => {
    if (err instanceof AlertmanagerError) throw new ApiError(err.status === null ? 'unavailable' : 'bad_request', err.message)
    throw err
  }
  const jobs = new Map<string, AbortController>()
  const plans = new PlanHistory()

  function postgresOf(name: string): PostgresCollector {
    const c = monitorOf(name).collector('postgres')
    if (!(c instanceof PostgresCollector)) throw new ApiError('bad_request', `profile "${name}" names no Postgres`)
    return c
  }

  /** A short-lived session for on-demand reads and actions, apart from the monitoring sessions. */
  async function postgresFor(name: string) {
    const profile = await profiles.get(name)
    if (!profile.postgres) throw new ApiError('bad_request', `profile "${name}" names no Postgres`)
    // A password the desktop app stored, else libpq's own variable (headless and CLI use).
    const secrets = await profiles.secretsOf(profile)
    const password = secrets.postgres ?? process.env.PGPASSWORD ?? null
    const dsn = secrets.urls.postgres ?? profile.postgres
    const target = describeDsn(profile.postgres)
    /** A session of its own; at most MAX_PG_SESSIONS_PER_PROFILE at once per profile, released when it ends. */
    const open = async () => {
      const release = limits.acquire(
        `pg:${name}`,
        MAX_PG_SESSIONS_PER_PROFILE,
        () =>
          `profile "${name}" already has ${MAX_PG_SESSIONS_PER_PROFILE} sessions open for EXPLAIN and actions on ${pgEndpoint(target)}; wait for one to finish`
      )
      const c = createMonitorClient({ dsn, password, connectTimeoutMs: 10_000 })
      c.once('end', release)
      try {
        await c.connect()
      } catch (err) {
        release()
        destroyClient(c)
        throw new ApiError('unavailable', describePgError(err, target, password))
      }
      return c
    }
    return { profile, open, endpoint: pgEndpoint(target) }
  }

  async function redisFor(name: string) {
    const profile = await profiles.get(name)
    if (!profile.redis) throw new ApiError('bad_request', `profile "${name}" names no Redis`)
    // A password the desktop app stored, else redis-cli's own variable (headless and CLI use).
    const secrets = await profiles.secretsOf(profile)
    const password = secrets.redis ?? process.env.REDISCLI_AUTH ?? null
    /** One connection with the profile's credentials and TLS; a failure says which server and why. */
    const connectUrl = async (url: string, what: string, pw = password): Promise<Redis> => {
      const c = createMonitorRedis(url, pw, 10_000, profile.redisCaFile)
      try {
        await c.connect()
      } catch (err) {
        c.disconnect()
        throw new ApiError('unavailable', `${what}${describeRedisError(redisFailure(c, err), describeRedisUrl(url), pw)}`)
      }
      return c
    }
    const serverUrl = secrets.urls.redis ?? profile.redis
    const open = () => connectUrl(serverUrl, '')
    /** A node of the profile's cluster, reached with the profile's credentials and TLS. */
    const connectTo = (host: string, port: number): Promise<Redis> => {
      const u = new URL(serverUrl)
      u.hostname = host
      u.port = String(port)
      return connectUrl(u.toString(), `cluster node ${host}:${port}: `)
    }
    /** Where key commands go: the server itself, or every primary when it is a cluster node. */
    const targets = async (): Promise<{ name: string; redis: Redis; cluster: boolean }[]> => {
      const first = await open()
      try {
        if (!(await isCluster(first))) return [{ name: redisEndpoint(describeRedisUrl(profile.redis!)), redis: first, cluster: false }]
        const primaries = await clusterPrimaries(first)
        first.disconnect()
        const out: { name: string; redis: Redis; cluster: boolean }[] = []
        try {
          for (const n of primaries) out.push({ name: `${n.host}:${n.port}`, redis: await connectTo(n.host, n.port), cluster: true })
        } catch (err) {
          for (const o of out) o.redis.disconnect()
          throw err
        }
        return out
      } catch (err) {
        first.disconnect()
        throw err
      }
    }
    /** The node that owns a key: the server itself, or in a cluster the primary serving its slot. */
    const openForKey = async (key: string): Promise<Redis> => {
      const first = await open()
      try {
        if (!(await isCluster(first))) return first
        const owner = primaryForKey(await clusterPrimaries(first), key)
        first.disconnect()
        if (!owner) throw new ApiError('unavailable', `no healthy primary serves the slot of "${key}"`)
        return await connectTo(owner.host, owner.port)
      } catch (err) {
        first.disconnect()
        throw err
      }
    }
    /** The profile's replica, for reads that should spare the primary. */
    // The replica's own password when its URL gave one, else the primary's (the same data, usually the same ACL).
    const openReplica = () => connectUrl(secrets.urls.redisReplica ?? profile.redisReplica!, 'replica: ', secrets.redisReplica ?? password)
    /** One long job at a time per Redis server: a second one on the same keys would race the first. */
    const jobSlot = (what: string) =>
      limits.acquire(
        `redis:${redisEndpoint(describeRedisUrl(profile.redis!))}`,
        MAX_JOBS_PER_REDIS_SERVER,
        () => `${what}: a job is already running on ${redisEndpoint(describeRedisUrl(profile.redis!))}; wait for it to end or cancel it`
      )
    return {
      profile,
      open,
      jobSlot,
      connectTo,
      openReplica,
      targets,
      openForKey,
      // The probe speaks raw RESP to one address: a Sentinel URL's current primary, or a cluster node.
      probe: async (node?: string) =>
        new ThreadLatencyProbe(
          node
            ? { ...describeRedisUrl(profile.redis!), ...splitNodeName(node) }
            : await resolvePrimary(describeRedisUrl(profile.redis!), 10_000),
          password,
          profile.redisCaFile
        )
    }
  }

  /**
   * A job over the keys a pattern matches, on the server or every primary of a cluster: SCAN and
   * a batch action (UNLINK by default), guarded before it starts, with progress events, cancel,
   * a latency probe, and an audit entry with its counts when it ends.
   */
  async function startPatternJob(spec: {
    profile: string
    pattern: string
    estimatedTotal: number | undefined
    kind: 'cache.invalidate' | 'cache.ttl'
    action: string
    ttlSeconds?: number | null
    applyOn?: (redis: Redis, keys: string[]) => Promise<number>
  }): Promise<{ jobId: string }> {
    const { profile, pattern, estimatedTotal, kind, action, applyOn } = spec
    const ttl = spec.ttlSeconds === undefined ? {} : { ttlSeconds: spec.ttlSeconds }
    const { profile: p, targets, probe: newProbe, jobSlot } = await redisFor(profile)
    const release = jobSlot(action)
    let nodes: Awaited<ReturnType<typeof targets>>
    try {
      nodes = await targets()
    } catch (err) {
      release()
      throw err
    }
    // A cluster watches each primary in its turn; the job stops the probe when it ends.
    const cluster = nodes.length > 1 || nodes[0]!.cluster
    const probe = cluster
      ? undefined
      : await newProbe().catch((err: unknown) => {
          release()
          for (const n of nodes) n.redis.disconnect()
          throw new ApiError('unavailable', errorMessage(err))
        })
    const jobId = randomUUID()
    const abort = new AbortController()
    jobs.set(jobId, abort)
    const base = { jobId, profile, kind, pattern }
    const jobOpts = {
      pattern,
      probe,
      estimatedTotal,
      signal: abort.signal,
      onProgress: (pr: InvalidateProgress) => emit('job.progress', { ...base, ...pr, state: 'running', error: null, uncertain: 0 })
    }
    // A cluster: SCAN and the action (UNLINK grouped by slot) on every primary, one after another.
    const single = nodes[0]!.redis
    void (
      cluster
        ? invalidateCluster(nodes, { ...jobOpts, probeFor: newProbe, ...(applyOn ? { applyOn } : {}) })
        : invalidate(single, { ...jobOpts, ...(applyOn ? { apply: (keys: string[]) => applyOn(single, keys) } : {}) })
    )
      .then(async (r) => {
        const { outcome, ...counts } = r
        emit('job.progress', { ...base, ...counts, state: outcome })
        await audit.record({
          profile: p.name,
          environment: p.environment,
          action: `${action} (job ended)`,
          target: pattern,
          details: {
            jobId,
            ...(cluster ? { primaries: nodes.map((n) => n.name) } : {}),
            ...ttl,
            [kind === 'cache.ttl' ? 'changed' : 'deleted']: r.deleted,
            matched: r.matched,
            uncertain: r.uncertain,
            scanCalls: r.scanCalls,
            elapsedMs: Math.round(r.elapsedMs)
          },
          outcome: outcome === 'failed' ? 'failed' : 'ok',
          ...(r.error ? { error: r.error } : outcome === 'cancelled' ? { error: 'cancelled by the user' } : {})
        })
      })
      .finally(() => {
        release()
        jobs.delete(jobId)
        for (const n of nodes) n.redis.disconnect()
      })
    return { jobId }
  }

  // Who created a silence, as Alertmanager shows it: this tool and the OS user running it.
  const createdBy = (() => {
    try {
      return `lookout (${userInfo().username})`
    } catch {
      return 'lookout'
    }
  })()

  async function promClient(name: string): Promise<PrometheusClient> {
    const profile = await profiles.get(name)
    if (!profile.prometheus) throw new ApiError('bad_request', `profile "${name}" names no Prometheus server`)
    const { urls } = await profiles.secretsOf(profile)
    return new PrometheusClient(urls.prometheus ?? profile.prometheus, { timeoutMs: 30_000 })
  }
  const alerts = new AlertBook(opts.notifier, (s) => emit('alerts.changed', s))
  const scheduler = new Scheduler<CollectResult>({ clock, random: opts.random }, (report) => {
    for (const m of monitors.values()) {
      if (!m.owns(report.id)) continue
      const state = m.apply(report)
      if (!state) continue
      alerts.observe(state, m.profile.environment, clock.now())
      if (report.ok && report.value?.alerts) alerts.observeExternal(m.profile.name, state.targetId, report.value.alerts, clock.now())
    }
  })

  async function startMonitor(name: string): Promise<ProfileMonitor> {
    const existing = monitors.get(name)
    if (existing) return existing
    const profile = await profiles.get(name)
    const secrets = await profiles.secretsOf(profile)
    const collectors = buildCollectors(profile, secrets)
    if (collectors.length === 0)
      throw new ApiError(
        'bad_request',
        `profile "${name}" names no target: add a Postgres DSN, a Redis URL, a Prometheus server or a /metrics URL`
      )
    const m = new ProfileMonitor(
      profile,
      collectors,
      scheduler,
      clock,
      {
        targetState: (s) => emit('target.state', s),
        seriesDelta: (d) => emit('series.delta', d)
      },
      pollTimeout(profile)
    )
    monitors.set(name, m)
    m.backfill(await fetchBackfill(profile, secrets.urls.prometheus, collectors, clock.now()))
    // Stopped while the history loaded: do not start polling behind the user's back.
    if (monitors.get(name) !== m) return m
    m.start()
    logger.info('monitoring started', { profile: name, targets: collectors.map((c) => c.endpoint) })
    return m
  }

  async function stopMonitor(name: string): Promise<boolean> {
    const m = monitors.get(name)
    if (!m) return false
    monitors.delete(name)
    await m.stop()
    alerts.clearProfile(name)
    return true
  }

  function monitorOf(name: string): ProfileMonitor {
    const m = monitors.get(name)
    if (!m) throw new ApiError('not_found', `profile "${name}" is not being monitored; start it first`)
    return m
  }

  const handlers: ApiHandlers = {
    'app.info': async () => ({
      name: 'Lookout' as const,
      version: LOOKOUT_VERSION,
      transport: opts.transport,
      platform: process.platform,
      secretStorage: { persistent: opts.secrets.persistent, warning: opts.secrets.warning ?? null }
    }),
    'profiles.list': async () => Promise.all((await profiles.list()).map((p) => profiles.summary(p))),
    'profiles.save': async ({ profile, replace }, ctx) => {
      const current = await profiles.get(profile.name).catch(() => null)
      if (current && replace) {
        // Judged on the profile as it would be stored: a password moving into the secret store is no change.
        let next: Profile
        try {
          next = Profile.parse(separateSecrets(ProfileInput.parse(profile)).profile)
        } catch (err) {
          throw new ApiError('bad_request', `profile: ${errorMessage(err)}`)
        }
        const guardedChanges = changedFields(current, next).filter((f) => GUARDED_FIELDS.includes(f))
        if (guardedChanges.length) ctx.requireConfirmation(`changing ${guardedChanges.join(', ')} of profile "${current.name}"`)
      }
      const saved = await profiles.save(profile, replace)
      ctx.audit({ created: saved.previous === null, changed: saved.changed, droppedSecrets: saved.droppedSecrets })
      // A running monitor keeps the old settings until restarted with the new ones.
      if (monitors.has(saved.profile.name)) {
        await stopMonitor(saved.profile.name)
        await startMonitor(saved.profile.name)
      }
      return profiles.summary(saved.profile)
    },
    'profiles.delete': async ({ name }) => {
      await stopMonitor(name)
      return { deleted: await profiles.delete(name) }
    },
    'monitor.start': async ({ profile }) => (await startMonitor(profile)).snapshot(),
    'monitor.stop': async ({ profile }) => ({ stopped: await stopMonitor(profile) }),
    'monitor.snapshot': async ({ profile }) => monitorOf(profile).snapshot(),
    'metrics.series': async ({ profile, targetId, search, limit }) => monitorOf(profile).listSeries(targetId, search, limit),
    'metrics.watch': async ({ profile, targetId, key, quantile }) => monitorOf(profile).watch(targetId, key, quantile),
    'metrics.unwatch': async ({ profile, seriesId }) => ({ removed: monitorOf(profile).unwatch(seriesId) }),
    'prom.query': async ({ profile, expr, timeS }) => instantQuery(await promClient(profile), expr, timeS),
    'prom.queryRange': async ({ profile, expr, startS, endS, widthPx }) =>
      rangeQuery(await promClient(profile), expr, startS, endS, widthPx),
    'prom.savedQueries': async ({ profile }) => savedQueries.list((await profiles.get(profile)).name),
    'prom.saveQuery': async ({ profile, query }) => savedQueries.save((await profiles.get(profile)).name, query),
    'prom.deleteQuery': async ({ profile, name }) => savedQueries.delete((await profiles.get(profile)).name, name),
    'alertmanager.alerts': async ({ profile }) => {
      const { client } = await amClient(profile)
      const list = await client.alerts().catch(amError)
      return list.map((a) => ({
        fingerprint: a.fingerprint,
        labels: a.labels,
        summary: a.annotations.summary ?? a.annotations.description ?? '',
        state: a.status.state,
        silencedBy: a.status.silencedBy,
        startsAt: a.startsAt
      }))
    },
    'alertmanager.silences': async ({ profile }) => {
      const { client } = await amClient(profile)
      const list = await client.silences().catch(amError)
      return list.map((s) => ({
        id: s.id,
        state: s.status.state,
        matchers: s.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: m.isRegex, isEqual: m.isEqual ?? true })),
        startsAt: s.startsAt,
        endsAt: s.endsAt,
        createdBy: s.createdBy,
        comment: s.comment
      }))
    },
    'alertmanager.createSilence': async ({ profile, matchers, durationMinutes, comment }, ctx) => {
      const { client } = await amClient(profile)
      const startsAt = new Date(clock.now())
      const endsAt = new Date(clock.now() + durationMinutes * 60_000)
      ctx.audit({ durationMinutes, comment })
      const silenceId = await client.createSilence({ matchers, startsAt, endsAt, createdBy, comment }).catch(amError)
      ctx.audit({ silenceId })
      return { silenceId }
    },
    'alertmanager.expireSilence': async ({ profile, silenceId }) => {
      const { client } = await amClient(profile)
      await client.expireSilence(silenceId).catch(amError)
      return { expired: true as const }
    },
    'postgres.details': async ({ profile }) => postgresOf(profile).watch.details(),
    'postgres.statements': async ({ profile, ...q }) => postgresOf(profile).watch.statements(q),
    'postgres.activity': async ({ profile }) => postgresOf(profile).watch.activity(),
    'postgres.runChecks': async ({ profile }) => {
      await postgresOf(profile).runChecksNow()
      return { ranAt: clock.now() }
    },
    'postgres.relationCache': async ({ profile, limit }) => {
      const { open } = await postgresFor(profile)
      const c = await open()
      try {
        return await readRelationCache(c, limit)
      } finally {
        await c.end().catch(() => {})
      }
    },
    'postgres.signalBackend': async ({ profile, pid, action }, ctx) => {
      const { open, endpoint } = await postgresFor(profile)
      return signalBackend(open, { endpoint, pid, action }, ctx)
    },
    'explain.run': async ({ profile, sql, analyze, params }, ctx) => {
      const { profile: p, open } = await postgresFor(profile)
      const r = await runExplain(open, { profile: p, sql, analyze, params, thresholds: pgThresholds(p.thresholds), now: clock.now() }, ctx)
      const key = r.plan.queryId ? `queryid:${r.plan.queryId}` : `digest:${queryDigest(sql)}`
      return { ...r, historyId: plans.add(p.name, key, sql, r, clock.now()).id }
    },
    'explain.history': async ({ profile, historyId }) => {
      const key = historyId === null ? null : (plans.get(historyId)?.entry.key ?? null)
      if (historyId !== null && key === null) throw new ApiError('not_found', 'that plan is no longer in the history')
      return plans.list(profile, key)
    },
    'explain.get': async ({ historyId }) => {
      const h = plans.get(historyId)
      if (!h) throw new ApiError('not_found', 'that plan is no longer in the history')
      return h.result
    },
    'explain.compare': async ({ before, after }) => {
      const a = plans.get(before)
      const b = plans.get(after)
      if (!a || !b) throw new ApiError('not_found', 'one of the plans is no longer in the history')
      return {
        before: a.entry,
        after: b.entry,
        nodes: comparePlans(a.result.plan, b.result.plan),
        executionMs: [a.entry.executionMs, b.entry.executionMs] as [number | null, number | null],
        totalCost: [a.entry.totalCost, b.entry.totalCost] as [number | null, number | null]
      }
    },
    'explain.paste': async ({ plan }) => {
      try {
        return explainPasted(plan)
      } catch (err) {
        if (err instanceof PlanParseError) throw new ApiError('bad_request', err.message)
        throw err
      }
    },
    'redis.details': async ({ profile }) => {
      const c = monitorOf(profile).collector('redis')
      if (!(c instanceof RedisCollector)) throw new ApiError('bad_request', `profile "${profile}" names no Redis`)
      return c.getDetails()
    },
    'cache.inspect': async ({ profile, key }) => {
      const { openForKey } = await redisFor(profile)
      const c = await openForKey(key)
      try {
        return await inspectKey(c, key)
      } finally {
        c.disconnect()
      }
    },
    'cache.deleteKey': async ({ profile, key }) => {
      const { openForKey } = await redisFor(profile)
      const c = await openForKey(key)
      try {
        return { deleted: await c.unlink(key) }
      } finally {
        c.disconnect()
      }
    },
    'cache.setTtl': async ({ profile, key, ttlSeconds }, ctx) => {
      const { openForKey } = await redisFor(profile)
      ctx.audit({ ttlSeconds })
      const c = await openForKey(key)
      try {
        const applied = ttlSeconds === null ? await c.persist(key) : await c.expire(key, ttlSeconds)
        return { applied: applied === 1 }
      } finally {
        c.disconnect()
      }
    },
    'cache.flush': async ({ profile }, ctx) => {
      const { profile: p, targets } = await redisFor(profile)
      ctx.setTarget(`db${describeRedisUrl(p.redis!).db}`)
      if (!p.allowFlush) throw new ApiError('refused', `profile "${p.name}" does not allow flushing (set allowFlush on the profile first)`)
      // A cluster's keys are spread over its primaries: flushing one would leave the rest.
      const nodes = await targets()
      const done: string[] = []
      let keysBefore = 0
      try {
        for (const n of nodes) {
          const keys = await n.redis.dbsize()
          // ASYNC only: the server frees memory in the background instead of blocking every client.
          await n.redis.call('FLUSHDB', 'ASYNC')
          keysBefore += keys
          done.push(n.name)
        }
        ctx.audit({ keysBefore })
        return { flushed: true as const, keysBefore }
      } catch (err) {
        if (nodes.length === 1) throw err
        const left = nodes.filter((n) => !done.includes(n.name)).map((n) => n.name)
        throw new ApiError(
          'unavailable',
          `flushed ${done.length} of ${nodes.length} primaries (${done.join(', ') || 'none'}); not flushed: ${left.join(', ')}: ${errorMessage(err)}`
        )
      } finally {
        for (const n of nodes) n.redis.disconnect()
      }
    },
    'cache.analyse': async ({ profile, delimiter, sampleKeys, jobId }) => {
      const { profile: p, openReplica, targets, jobSlot } = await redisFor(profile)
      const release = jobSlot('key-space analysis')
      // A sample of thousands of keys is real load: on the replica when the profile names one.
      // On a cluster every primary holds its own slots' keys: each gives its share of the sample.
      const nodes = await (async () =>
        p.redisReplica ? [{ name: redisEndpoint(describeRedisUrl(p.redisReplica)), redis: await openReplica() }] : await targets())().catch(
        (err: unknown) => {
          release()
          throw err
        }
      )
      const c = nodes[0]!.redis
      const abort = new AbortController()
      if (jobId) jobs.set(jobId, abort)
      try {
        const databasesInUse = Object.keys(parseInfo(await c.info('keyspace')).sections['keyspace'] ?? {}).filter((k) =>
          /^db\d+$/.test(k)
        ).length
        const result = await analyseKeyspace(
          nodes.map((n) => n.redis),
          {
            delimiter,
            sampleKeys,
            databasesInUse,
            signal: abort.signal,
            onProgress: jobId ? (sampled) => emit('keyspace.progress', { jobId, sampled, sampleKeys }) : undefined
          }
        ).catch((err: unknown) => {
          if (abort.signal.aborted) throw new ApiError('conflict', 'the analysis was cancelled')
          throw err
        })
        return {
          ...result,
          readFrom:
            nodes.length > 1
              ? `the cluster's ${nodes.length} primaries (${nodes.map((n) => n.name).join(', ')})`
              : redisEndpoint(describeRedisUrl(p.redisReplica ?? p.redis!))
        }
      } finally {
        release()
        if (jobId) jobs.delete(jobId)
        for (const n of nodes) n.redis.disconnect()
      }
    },
    'cache.warm': async ({ profile, text, format, jobId }, ctx) => {
      const { open, connectTo, jobSlot } = await redisFor(profile)
      let commands: string[][]
      try {
        commands = parseWarmFile(text, format)
      } catch (err) {
        if (err instanceof WarmFileError) throw new ApiError('bad_request', err.message)
        throw err
      }
      ctx.setTarget(`${commands.length} commands`)
      ctx.audit({ commands: commands.length })
      const release = jobSlot('cache warm-up')
      const abort = new AbortController()
      let c: Redis | null = null
      try {
        c = await open()
        if (jobId) jobs.set(jobId, abort)
        const progress = jobId
          ? (pr: { total: number; ok: number; failed: number; etaS: number | null }) =>
              emit('warm.progress', { jobId, total: pr.total, ok: pr.ok, failed: pr.failed, etaS: pr.etaS })
          : undefined
        let r: Awaited<ReturnType<typeof warm>>
        if (await isCluster(c)) {
          // Each command goes to the primary owning its key, in pipelined batches per primary.
          let routed: Map<ClusterNode, string[][]>
          try {
            routed = routeCommands(await clusterPrimaries(c), commands)
          } catch (err) {
            throw new ApiError('bad_request', errorMessage(err))
          }
          r = await warmCluster(routed, commands.length, (n) => connectTo(n.host, n.port), { signal: abort.signal, onProgress: progress })
        } else r = await warm(c, commands, { signal: abort.signal, onProgress: progress })
        ctx.audit({ outcome: r.outcome, total: r.total, ok: r.ok, failed: r.failed })
        if (r.outcome === 'failed') ctx.fail(r.error ?? 'the warm-up failed')
        else if (r.outcome === 'cancelled') ctx.audit({ error: 'cancelled by the user' })
        return { outcome: r.outcome, total: r.total, ok: r.ok, failed: r.failed, errors: r.errors, error: r.error }
      } finally {
        release()
        if (jobId) jobs.delete(jobId)
        c?.disconnect()
      }
    },
    'cache.dryRun': async ({ profile, pattern }) => {
      const { targets } = await redisFor(profile)
      const nodes = await targets()
      try {
        return nodes.length === 1 && !nodes[0]!.cluster
          ? await dryRun(nodes[0]!.redis, pattern)
          : await clusterDryRun(
              nodes.map((n) => n.redis),
              pattern
            )
      } finally {
        for (const n of nodes) n.redis.disconnect()
      }
    },
    'cache.invalidate': ({ profile, pattern, estimatedTotal }) =>
      startPatternJob({ profile, pattern, estimatedTotal, kind: 'cache.invalidate', action: 'invalidate keys' }),
    'cache.ttlPattern': ({ profile, pattern, ttlSeconds, estimatedTotal }) =>
      startPatternJob({
        profile,
        pattern,
        estimatedTotal,
        kind: 'cache.ttl',
        action: ttlSeconds === null ? 'clear TTL by pattern' : 'set TTL by pattern',
        ttlSeconds,
        // EXPIRE and PERSIST name one key each: no slot grouping needed on a cluster.
        applyOn: (redis, keys) => expireKeys(redis, keys, ttlSeconds)
      }),
    'job.cancel': async ({ jobId }) => {
      const j = jobs.get(jobId)
      j?.abort()
      return { cancelling: Boolean(j) }
    },
    'audit.recent': async ({ limit }) => (await audit.recent(limit)).map(({ details: _details, ...rest }) => rest),
    'alerts.summary': async () => alerts.summary()
  }

  return {
    handlers,
    dispatch: createDispatcher(handlers, {
      guard,
      onInternalError: (method, err) => logger.error('request failed', { method, error: String(err) })
    }),
    onEvent(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    async addTransientProfile(input) {
      return (await profiles.addEphemeral(input)).name
    },
    async close() {
      for (const j of jobs.values()) j.abort()
      scheduler.stop()
      await Promise.allSettled([...monitors.keys()].map(stopMonitor))
      listeners.clear()
    }
  }
}

export type { Clock, FileDialogs, Logger, Notifier, SecretStore } from './ports'
