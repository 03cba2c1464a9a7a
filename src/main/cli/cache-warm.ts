import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import type { Profile } from '../../shared/schemas'
import { AuditLog } from '../core/audit/audit-log'
import { checkGuard } from '../core/audit/guard'
import { errorMessage } from '../core/collector'
import { MemorySecretStore } from '../core/ports'
import { ProfileStore } from '../core/profiles/store'
import { clusterPrimaries, isCluster, routeCommands, warmCluster, type ClusterNode } from '../core/redis/cluster'
import { createMonitorRedis, describeRedisError, describeRedisUrl, redisEndpoint, redisFailure } from '../core/redis/connection'
import { parseWarmFile, warm, WarmFileError, type WarmProgress, type WarmResult } from '../core/redis/warm'
import { EXIT } from './cache-commands'

export interface CacheWarmOptions {
  redis?: string
  profile?: string
  file: string
  format: 'commands' | 'jsonl'
  yes: boolean
  confirm?: string
  dataDir: string
}

type IO = { out(s: string): void; err(s: string): void }

/**
 * `lookout cache warm`: loads a file of commands (or JSON lines) into the cache in pipelined
 * batches, after checking every line. Guarded like any write: refused on read-only profiles,
 * needs --yes (and the profile's name on prod); audited with its counts. Ctrl-C cancels between
 * batches with exact counts.
 */
export async function cacheWarm(o: CacheWarmOptions, io: IO): Promise<number> {
  if (Boolean(o.redis) === Boolean(o.profile)) {
    io.err('lookout cache warm: give exactly one of --redis URL or --profile NAME\n')
    return EXIT.refused
  }
  let commands: string[][]
  try {
    commands = parseWarmFile(await readFile(o.file, 'utf8'), o.format)
  } catch (err) {
    io.err(`lookout cache warm: ${o.file}: ${err instanceof WarmFileError ? err.message : errorMessage(err)}\n`)
    return EXIT.refused
  }
  const audit = new AuditLog(o.dataDir)
  let profile: Profile
  try {
    profile = o.profile
      ? await new ProfileStore(o.dataDir, new MemorySecretStore()).get(o.profile)
      : // A bare URL is an unnamed dev target: --yes is the confirmation.
        {
          name: `url:${redisEndpoint(describeRedisUrl(o.redis!))}`,
          environment: 'dev',
          readOnly: false,
          allowFlush: false,
          redis: o.redis,
          metrics: [],
          pollIntervalMs: 2000,
          thresholds: {}
        }
  } catch (err) {
    io.err(`lookout cache warm: ${errorMessage(err)}\n`)
    return EXIT.refused
  }
  if (!profile.redis) {
    io.err(`lookout cache warm: profile "${profile.name}" names no Redis\n`)
    return EXIT.refused
  }
  const target = basename(o.file)
  try {
    await checkGuard(audit, {
      profile,
      action: 'warm cache',
      target,
      details: { commands: commands.length },
      confirmation: o.confirm ?? (o.yes ? 'confirm' : undefined)
    })
  } catch (err) {
    io.err(
      `lookout cache warm: ${errorMessage(err)} (use --yes${profile.environment === 'prod' ? ' and --confirm with the profile name' : ''})\n`
    )
    return EXIT.refused
  }
  const url = profile.redis
  const inUrl = new URL(url).password
  const password = inUrl ? decodeURIComponent(inUrl) : (process.env.REDISCLI_AUTH ?? null)
  const conn = createMonitorRedis(url, password, 10_000, profile.redisCaFile)
  const abort = new AbortController()
  const onSigint = () => {
    io.err('\ncancelling after the batch in flight...\n')
    abort.abort()
  }
  process.once('SIGINT', onSigint)
  try {
    try {
      await conn.connect()
    } catch (err) {
      io.err(`lookout cache warm: ${describeRedisError(redisFailure(conn, err), describeRedisUrl(url), password)}\n`)
      return EXIT.failed
    }
    let last = 0
    const onProgress = (p: WarmProgress) => {
      if (Date.now() - last < 1000 && p.ok + p.failed < p.total) return
      last = Date.now()
      io.err(
        `${p.ok + p.failed} of ${p.total} written (${p.failed} failed), ${Math.round(p.ratePerS)}/s${p.etaS === null ? '' : `, ETA ${Math.ceil(p.etaS)}s`}\n`
      )
    }
    let r: WarmResult
    if (await isCluster(conn)) {
      // Each command goes to the primary owning its key, with the profile's credentials and TLS.
      let routed: Map<ClusterNode, string[][]>
      try {
        routed = routeCommands(await clusterPrimaries(conn), commands)
      } catch (err) {
        io.err(`lookout cache warm: ${o.file}: ${errorMessage(err)}\n`)
        return EXIT.refused
      }
      r = await warmCluster(
        routed,
        commands.length,
        async (n) => {
          const u = new URL(url)
          u.hostname = n.host
          u.port = String(n.port)
          const peer = createMonitorRedis(u.toString(), password, 10_000, profile.redisCaFile)
          try {
            await peer.connect()
          } catch (err) {
            peer.disconnect()
            throw new Error(describeRedisError(redisFailure(peer, err), describeRedisUrl(u.toString()), password), { cause: err })
          }
          return peer
        },
        { signal: abort.signal, onProgress }
      )
    } else r = await warm(conn, commands, { signal: abort.signal, onProgress })
    await audit.record({
      profile: profile.name,
      environment: profile.environment,
      action: 'warm cache',
      target,
      details: { total: r.total, ok: r.ok, failed: r.failed },
      outcome: r.outcome === 'failed' ? 'failed' : 'ok',
      ...(r.error ? { error: r.error } : r.outcome === 'cancelled' ? { error: 'cancelled by the user' } : {})
    })
    io.out(JSON.stringify({ outcome: r.outcome, total: r.total, ok: r.ok, failed: r.failed, errors: r.errors, error: r.error }) + '\n')
    return r.outcome === 'done' ? (r.failed ? EXIT.failed : EXIT.done) : EXIT[r.outcome]
  } finally {
    process.removeListener('SIGINT', onSigint)
    conn.disconnect()
  }
}
