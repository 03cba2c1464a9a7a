import { ApiError, type ApiHandlers, type EventName, type EventPayload } from '../../shared/api'
import type { ProfileInput } from '../../shared/schemas'
import { alertmanagerHandlers } from './alertmanager/handlers'
import { createDispatcher, type Dispatch } from './api/dispatcher'
import { appHandlers } from './app/handlers'
import { checkHandlers } from './checks/handlers'
import { AuditLog } from './audit/audit-log'
import { MutationGuard } from './audit/guard'
import { explainHandlers } from './explain/handlers'
import { JobRegistry } from './jobs'
import { SlotLimiter } from './limits'
import { monitorHandlers } from './monitor-handlers'
import { MonitorRegistry } from './monitors'
import { Alerting } from './alerts/alerting'
import { alertHandlers } from './alerts/handlers'
import { silentLogger, systemClock, type Clock, type Logger, type Notifier, type SecretStore } from './ports'
import { PostgresAccess } from './postgres/access'
import { postgresHandlers } from './postgres/handlers'
import { profileHandlers } from './profiles/handlers'
import { ProfileStore } from './profiles/store'
import { prometheusHandlers } from './prometheus/handlers'
import { RedisAccess } from './redis/access'
import { redisHandlers } from './redis/handlers'
import { redisJobHandlers } from './redis/job-handlers'
import type { CoreServices } from './services'
import { workspaceHandlers } from './workspace/handlers'
import { historyHandlers } from './history/handlers'
import { PlanHistory } from './explain/history'
import { reportHandlers } from './reports/handlers'
import { HistoryRecorder, openHistoryStore } from './history/recorder'
import { mkdirSync } from 'node:fs'
import { SshTunnels } from './ssh/tunnels'
import { Workspace } from './workspace/workspace'

export interface CoreOptions {
  dataDir: string
  secrets: SecretStore
  notifier: Notifier
  clock?: Clock
  logger?: Logger
  transport: 'ipc' | 'websocket'
  /** For tests: the scheduler's jitter source. */
  random?: () => number
  /** Where libpq's files and PG* variables are read from for imports (HOME, PGSERVICEFILE...): the process's by default. */
  env?: Record<string, string | undefined>
}

export type CoreEventListener = <E extends EventName>(name: E, payload: EventPayload<E>) => void

export interface Core {
  /** Validates and runs one request from any transport. */
  dispatch: Dispatch
  handlers: ApiHandlers
  /** Subscribes to every event; returns the unsubscribe function. */
  onEvent(listener: CoreEventListener): () => void
  /** Starts watching the pinned profiles: for the desktop app and `serve`, not one-shot CLI commands. */
  watchPinned(): Promise<void>
  /**
   * A profile for this process only, never written (the CLI's `--redis URL` / `--postgres URL`):
   * requests on it go through the same dispatcher, guard and audit as any other. Not part of the
   * API: no transport can reach it.
   */
  addTransientProfile(input: ProfileInput): Promise<string>
  close(): Promise<void>
}

/**
 * The Electron-free core: everything Lookout does, behind the API declared in src/shared/api.ts.
 * It builds the services and assembles the handler modules, one per capability; the compiler
 * insists that every declared request has a handler.
 */
export function createCore(opts: CoreOptions): Core {
  const clock = opts.clock ?? systemClock
  const logger = opts.logger ?? silentLogger
  const listeners = new Set<CoreEventListener>()
  // Late-bound: the workspace summarises what the monitors report, and they are built first.
  let workspace: Workspace | null = null
  const emit = <E extends EventName>(name: E, payload: EventPayload<E>) => {
    if (name === 'target.state' || name === 'alerts.changed') workspace?.refresh()
    for (const l of listeners) {
      try {
        l(name, payload)
      } catch (err) {
        logger.error('event listener failed', { event: name, error: String(err) })
      }
    }
  }
  const env = opts.env ?? process.env
  const profiles = new ProfileStore(opts.dataDir, opts.secrets)
  // Every URL a client connects with passes through the profile's SSH tunnel when it has one.
  const tunnels = new SshTunnels(env)
  profiles.routeThrough((p, urls, secret) => tunnels.route(p, urls, secret))
  const limits = new SlotLimiter()
  mkdirSync(opts.dataDir, { recursive: true, mode: 0o700 })
  const opened = openHistoryStore(opts.dataDir, () => clock.now())
  if (opened.problem) logger.error('history store unavailable', { problem: opened.problem })
  const history = new HistoryRecorder(opened.store, { now: () => clock.now(), logger, problem: opened.problem })
  // Late-bound like the workspace: alerting asks the monitors whether anything is active.
  let monitors: MonitorRegistry | null = null
  const alerting = new Alerting({
    dataDir: opts.dataDir,
    // The platform's notifier, and an event: `serve` shows the notification in the browser.
    notifier: {
      notify: (n) => {
        opts.notifier.notify(n)
        emit('alerts.notification', n)
      }
    },
    clock,
    logger,
    profiles,
    emit,
    anyActive: () => monitors?.anyActive() ?? false
  })
  monitors = new MonitorRegistry({
    profiles,
    clock,
    logger,
    emit,
    alerting,
    random: opts.random,
    onWatchedChange: () => workspace?.refresh(),
    tunnelError: (name) => tunnels.lastError(name),
    history
  })
  workspace = new Workspace({ dataDir: opts.dataDir, profiles, monitors, logger, changed: (st) => emit('workspace.changed', st) })
  const services: CoreServices = {
    dataDir: opts.dataDir,
    transport: opts.transport,
    env,
    clock,
    logger,
    emit,
    secrets: opts.secrets,
    profiles,
    audit: new AuditLog(
      opts.dataDir,
      () => clock.now(),
      (e) => history.action(e)
    ),
    limits,
    jobs: new JobRegistry(),
    monitors,
    alerting,
    postgres: new PostgresAccess(profiles, monitors, limits),
    redis: new RedisAccess(profiles, limits),
    workspace,
    tunnels,
    history,
    plans: new PlanHistory()
  }
  const handlers: ApiHandlers = {
    ...appHandlers(services),
    ...profileHandlers(services),
    ...monitorHandlers(services),
    ...prometheusHandlers(services),
    ...alertmanagerHandlers(services),
    ...postgresHandlers(services),
    ...checkHandlers(services),
    ...explainHandlers(services),
    ...redisHandlers(services),
    ...redisJobHandlers(services),
    ...workspaceHandlers(services),
    ...alertHandlers(services),
    ...historyHandlers(services),
    ...reportHandlers(services)
  }
  const guard = new MutationGuard(services.audit, (name) =>
    profiles.get(name).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'not_found') return null
      throw err
    })
  )
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
    watchPinned: () => workspace.watchPinned(),
    async addTransientProfile(input) {
      return (await profiles.addEphemeral(input)).name
    },
    async close() {
      services.jobs.cancelAll()
      await monitors.close()
      await tunnels.close()
      history.close()
      listeners.clear()
    }
  }
}

export type { Clock, Logger, Notifier, SecretStore } from './ports'
