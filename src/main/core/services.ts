import type { EventName, EventPayload } from '../../shared/api'
import type { AuditLog } from './audit/audit-log'
import type { JobRegistry } from './jobs'
import type { SlotLimiter } from './limits'
import type { MonitorRegistry } from './monitors'
import type { Alerting } from './alerts/alerting'
import type { Clock, Logger, SecretStore } from './ports'
import type { PostgresAccess } from './postgres/access'
import type { ProfileStore } from './profiles/store'
import type { RedisAccess } from './redis/access'
import type { Workspace } from './workspace/workspace'
import type { SshTunnels } from './ssh/tunnels'
import type { HistoryRecorder } from './history/recorder'
import type { PlanHistory } from './explain/history'

export type Emit = <E extends EventName>(name: E, payload: EventPayload<E>) => void

/**
 * What the handler modules are given: the core's services, built once by createCore. A handler
 * module takes what it needs from here and returns its part of ApiHandlers.
 */
export interface CoreServices {
  dataDir: string
  transport: 'ipc' | 'websocket'
  /** The environment imports read libpq's files and PG* variables from. */
  env: Record<string, string | undefined>
  clock: Clock
  logger: Logger
  emit: Emit
  secrets: SecretStore
  profiles: ProfileStore
  audit: AuditLog
  limits: SlotLimiter
  jobs: JobRegistry
  monitors: MonitorRegistry
  alerting: Alerting
  postgres: PostgresAccess
  redis: RedisAccess
  workspace: Workspace
  tunnels: SshTunnels
  history: HistoryRecorder
  /** The plans EXPLAIN ran while this core runs (in memory: plans can hold production literals). */
  plans: PlanHistory
}
