import {
  ApiError,
  errorShape,
  isRequestName,
  mutationOf,
  parseParams,
  parseResult,
  type ApiHandlers,
  type IpcReply,
  type RequestContext,
  type RequestName
} from '../../../shared/api'
import type { MutationGuard } from '../audit/guard'

/** The context of a request that mutates nothing: nothing to confirm, nothing to audit. */
const READ_CONTEXT: RequestContext = { requireConfirmation() {}, requireConfirmationFor() {}, audit() {}, setTarget() {}, fail() {} }

export interface DispatcherOptions {
  onInternalError?: (method: string, err: unknown) => void
  /** Guards and audits every request declared as a mutation. */
  guard: MutationGuard
}

/**
 * The one entry point of every transport: the name must be declared, the params must match
 * their schema (the caller is untrusted), a mutating request goes through the guard and the
 * audit, and the result is checked too, so a bug in the core never sends the renderer something
 * the declaration does not allow.
 */
export function createDispatcher(handlers: ApiHandlers, opts: DispatcherOptions) {
  return async function dispatch(method: unknown, rawParams: unknown): Promise<IpcReply> {
    try {
      if (!isRequestName(method)) throw new ApiError('unknown_method', `unknown method ${JSON.stringify(String(method).slice(0, 100))}`)
      const name: RequestName = method
      const handler = handlers[name] as (p: unknown, ctx: RequestContext) => Promise<unknown>
      const spec = mutationOf(name)
      const result = spec ? await opts.guard.run(name, spec, rawParams, handler) : await handler(parseParams(name, rawParams), READ_CONTEXT)
      return { ok: true, result: parseResult(name, result) }
    } catch (err) {
      if (err instanceof ApiError) return { ok: false, error: errorShape(err) }
      opts.onInternalError?.(String(method), err)
      return { ok: false, error: { code: 'internal', message: err instanceof Error ? err.message : String(err) } }
    }
  }
}

export type Dispatch = ReturnType<typeof createDispatcher>
