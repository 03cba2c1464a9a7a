import { useCallback, useEffect, useRef, useState } from 'react'

/**
 * Calls `load` now and every `intervalMs` while the component is shown; the latest answer and the
 * latest error, never a stale answer after a newer one. `refresh` reloads at once.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  deps: unknown[]
): { data: T | null; error: string | null; refresh(): void } {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const seq = useRef(0)
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, deps)
  const refresh = useCallback(() => {
    const mine = ++seq.current
    run().then(
      (r) => mine === seq.current && (setData(r), setError(null)),
      (e: unknown) => mine === seq.current && setError(e instanceof Error ? e.message : String(e))
    )
  }, [run])
  useEffect(() => {
    refresh()
    const t = setInterval(refresh, intervalMs)
    return () => {
      clearInterval(t)
      seq.current++
    }
  }, [refresh, intervalMs])
  return { data, error, refresh }
}
