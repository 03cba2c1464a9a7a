import type { Redis } from 'ioredis'
import { ApiError } from '../../../shared/api'
import { MAX_JOBS_PER_REDIS_SERVER, type SlotLimiter } from '../limits'
import type { ProfileStore } from '../profiles/store'
import { clusterPrimaries, isCluster, primaryForKey, splitNodeName } from './cluster'
import {
  createMonitorRedis,
  describeRedisError,
  describeRedisUrl,
  redisEndpoint,
  redisFailure,
  resolvePrimary,
  redisTlsFiles
} from './connection'
import { ThreadLatencyProbe } from './latency-probe'

/** A node that key commands and jobs go to: the server itself, or one primary of a cluster. */
export interface RedisNode {
  name: string
  redis: Redis
  cluster: boolean
}

/**
 * How handlers reach a profile's Redis with its credentials and TLS: the server, a cluster's
 * primaries, the node owning a key, the replica, a latency probe, and the server's job slot.
 */
export class RedisAccess {
  constructor(
    private readonly profiles: ProfileStore,
    private readonly limits: SlotLimiter
  ) {}

  async forProfile(name: string) {
    const profile = await this.profiles.get(name)
    if (!profile.redis) throw new ApiError('bad_request', `profile "${name}" names no Redis`)
    // A password the desktop app stored, else redis-cli's own variable (headless and CLI use).
    const secrets = await this.profiles.secretsOf(profile)
    const password = secrets.redis ?? process.env.REDISCLI_AUTH ?? null
    /** One connection with the profile's credentials and TLS; a failure says which server and why. */
    const connectUrl = async (url: string, what: string, pw = password): Promise<Redis> => {
      const c = createMonitorRedis(url, pw, 10_000, redisTlsFiles(profile))
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
    const targets = async (): Promise<RedisNode[]> => {
      const first = await open()
      try {
        if (!(await isCluster(first))) return [{ name: redisEndpoint(describeRedisUrl(profile.redis!)), redis: first, cluster: false }]
        const primaries = await clusterPrimaries(first)
        first.disconnect()
        const out: RedisNode[] = []
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
      this.limits.acquire(
        `redis:${redisEndpoint(describeRedisUrl(profile.redis!))}`,
        MAX_JOBS_PER_REDIS_SERVER,
        () => `${what}: a job is already running on ${redisEndpoint(describeRedisUrl(profile.redis!))}; wait for it to end or cancel it`
      )
    return {
      profile,
      /** What a collector of this server is built with. */
      credentials: { url: serverUrl, password, tls: redisTlsFiles(profile) },
      open,
      jobSlot,
      connectTo,
      openReplica,
      targets,
      openForKey,
      // The probe speaks raw RESP to one address: a Sentinel URL's current primary, or a cluster node.
      probe: async (node?: string) =>
        new ThreadLatencyProbe(
          // The URL connected to (through the profile's SSH tunnel when it has one), not the one stored.
          node ? { ...describeRedisUrl(serverUrl), ...splitNodeName(node) } : await resolvePrimary(describeRedisUrl(serverUrl), 10_000),
          password,
          redisTlsFiles(profile)
        )
    }
  }
}

export type RedisFor = Awaited<ReturnType<RedisAccess['forProfile']>>
