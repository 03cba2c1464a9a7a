import { ApiError, isRequestName, parseParams, parseResult, type ApiHandlers, type IpcReply, type RequestName } from '../../../shared/api'

/**
 * The one entry point of every transport: the name must be declared, the params must match
 * their schema (the caller is untrusted), and the result is checked too, so a bug in the core
 * never sends the renderer something the declaration does not allow.
 */
export function createDispatcher(handlers: ApiHandlers, onInternalError?: (method: string, err: unknown) => void) {
  return async function dispatch(method: unknown, rawParams: unknown): Promise<IpcReply> {
    try {
      if (!isRequestName(method)) throw new ApiError('unknown_method', `unknown method ${JSON.stringify(String(method).slice(0, 100))}`)
      const name: RequestName = method
      const params = parseParams(name, rawParams)
      const handler = handlers[name] as (p: unknown) => Promise<unknown>
      const result = await handler(params)
      return { ok: true, result: parseResult(name, result) }
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: { code: err.code, message: err.message } }
      onInternalError?.(String(method), err)
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>
