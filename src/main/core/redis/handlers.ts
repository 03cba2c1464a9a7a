import { ApiError, type ApiHandlers } from '../../../shared/api'
import { errorMessage } from '../collector'
import type { CoreServices } from '../services'
import { clusterDryRun } from './cluster'
import { RedisCollector } from './collector'
import { describeRedisUrl } from './connection'
import { dryRun } from './invalidate'
import { inspectKey } from './keys'

/** One key's inspection and commands, a database flush, a pattern's dry run, and the server's details. */
export function redisHandlers(
  s: CoreServices
): Pick<ApiHandlers, 'cache.details' | 'cache.inspect' | 'cache.deleteKey' | 'cache.setTtl' | 'cache.flush' | 'cache.dryRun'> {
  /** Runs `fn` on the node owning `key` and disconnects. */
  const onKeyOwner = async <T>(profile: string, key: string, fn: (c: Awaited<ReturnType<typeof openFor>>) => Promise<T>) => {
    const c = await openFor(profile, key)
    try {
      return await fn(c)
    } finally {
      c.disconnect()
    }
  }
  const openFor = async (profile: string, key: string) => (await s.redis.forProfile(profile)).openForKey(key)
  return {
    'cache.details': async ({ profile }) => {
      const c = s.monitors.of(profile).collector('redis')
      if (!(c instanceof RedisCollector)) throw new ApiError('bad_request', `profile "${profile}" names no Redis`)
      return c.getDetails()
    },
    'cache.inspect': async ({ profile, key }) => onKeyOwner(profile, key, (c) => inspectKey(c, key)),
    'cache.deleteKey': async ({ profile, key }) => onKeyOwner(profile, key, async (c) => ({ deleted: await c.unlink(key) })),
    'cache.setTtl': async ({ profile, key, ttlSeconds }, ctx) => {
      ctx.audit({ ttlSeconds })
      return onKeyOwner(profile, key, async (c) => {
        const applied = ttlSeconds === null ? await c.persist(key) : await c.expire(key, ttlSeconds)
        return { applied: applied === 1 }
      })
    },
    'cache.flush': async ({ profile }, ctx) => {
      const { profile: p, targets } = await s.redis.forProfile(profile)
      ctx.setTarget(`db${describeRedisUrl(p.redis!).db}`)
      if (!p.allowFlush)
        throw new ApiError(
          'refused',
          `profile "${p.name}" does not allow flushing (set allowFlush on the profile first)`,
          'flush_not_allowed'
        )
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
    'cache.dryRun': async ({ profile, pattern }) => {
      const nodes = await (await s.redis.forProfile(profile)).targets()
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
    }
  }
}
