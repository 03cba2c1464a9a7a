import type { Core } from '../../src/main/core'

/**
 * A request to the core as the tests make it: the result, or the API error thrown with its code.
 * `core` is a getter because the tests create theirs in beforeAll.
 */
export function coreCaller(core: () => Core) {
  return async (method: string, params: unknown) => {
    const r = await core().dispatch(method, params)
    if (!r.ok) throw Object.assign(new Error(r.error.message), { code: r.error.code, reason: r.error.reason })
    return r.result as any
  }
}
