import { describe, expect, it } from 'vitest'
import {
  ApiError,
  ClientFrame,
  events,
  MAX_FRAME_BYTES,
  parseEvent,
  parseParams,
  requestFrames,
  RequestPart,
  requestNames,
  requests,
  type ApiHandlers
} from '../../src/shared/api'
import { createDispatcher } from '../../src/main/core/api/dispatcher'
import { AuditLog } from '../../src/main/core/audit/audit-log'
import { MutationGuard } from '../../src/main/core/audit/guard'
import { tempDir } from '../helpers/temp'

const noProfiles = { guard: new MutationGuard(new AuditLog(tempDir()), async () => null) }

describe('the API declaration', () => {
  it('declares params and result schemas for every request and a schema for every event', () => {
    expect(requestNames.length).toBeGreaterThan(5)
    for (const name of requestNames) {
      expect(typeof requests[name].params.safeParse).toBe('function')
      expect(typeof requests[name].result.safeParse).toBe('function')
    }
    for (const schema of Object.values(events)) expect(typeof schema.safeParse).toBe('function')
  })

  it('rejects bad params with the field named', () => {
    expect(() => parseParams('monitor.start', { profile: 'has space' })).toThrow(/profile: use letters/)
    expect(() => parseParams('profiles.save', { profile: { name: 'x', environment: 'Q A' } })).toThrow(/profile\.environment/)
    expect(() => parseParams('profiles.save', { profile: { name: 'x', environment: 'dev', redis: 'http://x' } })).toThrow(
      /redis:\/\/ or rediss:\/\//
    )
  })

  it('fills declared defaults', () => {
    const p = parseParams('profiles.save', { profile: { name: 'x', environment: 'prod' } })
    expect(p.replace).toBe(false)
    expect(p.profile.readOnly).toBe(false)
    expect(p.profile.metrics).toEqual([])
  })

  it('checks events against their schema', () => {
    expect(() => parseEvent('series.delta', { profile: 'p', seriesId: 's', fromSeq: 0, seq: 1, t: [1], v: ['x'] })).toThrow(ApiError)
  })
})

function handlers(over: Partial<ApiHandlers>): ApiHandlers {
  const missing = async () => {
    throw new Error('not under test')
  }
  return Object.fromEntries(requestNames.map((n) => [n, over[n] ?? missing])) as ApiHandlers
}

describe('the dispatcher', () => {
  it('refuses an undeclared method without calling anything', async () => {
    const d = createDispatcher(handlers({}), noProfiles)
    expect(await d('fs.readFile', {})).toEqual({ ok: false, error: { code: 'unknown_method', message: 'unknown method "fs.readFile"' } })
    expect(await d('__proto__', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
  })

  it('refuses invalid params before the handler runs', async () => {
    let called = false
    const d = createDispatcher(
      handlers({
        'monitor.stop': async () => {
          called = true
          return { stopped: true }
        }
      }),
      noProfiles
    )
    const r = await d('monitor.stop', { profile: 42 })
    expect(r).toMatchObject({ ok: false, error: { code: 'bad_request' } })
    expect(called).toBe(false)
  })

  it('keeps ApiError codes and reports other failures as internal', async () => {
    const d = createDispatcher(
      handlers({
        'monitor.snapshot': async () => {
          throw new ApiError('not_found', 'nope')
        },
        'monitor.stop': async () => {
          throw new TypeError('boom')
        }
      }),
      noProfiles
    )
    expect(await d('monitor.snapshot', { profile: 'p' })).toEqual({ ok: false, error: { code: 'not_found', message: 'nope' } })
    expect(await d('monitor.stop', { profile: 'p' })).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } })
  })

  it('refuses to send a result the declaration does not allow', async () => {
    const d = createDispatcher(handlers({ 'monitor.stop': async () => ({ stopped: 'yes' }) as never }), noProfiles)
    expect(await d('monitor.stop', { profile: 'p' })).toMatchObject({ ok: false, error: { code: 'internal', message: /malformed/ } })
  })
})

describe('requests in parts', () => {
  it('a small request is one frame; a large one is parts within the frame limit that join back to the request', () => {
    expect(requestFrames(1, 'app.info', {})).toEqual(['{"id":1,"method":"app.info","params":{}}'])
    // Astral characters straddle part boundaries: each part's JSON escapes its half, the join restores it.
    const plan = '\u{1F600}é"\\x'.repeat(120_000)
    const frames = requestFrames(7, 'explain.paste', { plan })
    expect(frames.length).toBeGreaterThan(4)
    const parts = frames.map((f) => RequestPart.parse(JSON.parse(f)))
    for (const f of frames) expect(Buffer.byteLength(f)).toBeLessThanOrEqual(MAX_FRAME_BYTES)
    expect(parts.map((p) => p.part)).toEqual(parts.map((_, i) => i))
    const joined = ClientFrame.parse(JSON.parse(parts.map((p) => p.data).join('')))
    expect(joined).toEqual({ id: 7, method: 'explain.paste', params: { plan } })
  })
})
