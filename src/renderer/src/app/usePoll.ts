import { useEffect, useRef, useState } from 'react'

/**
 * Calls `load` now and every `intervalMs` while the component is shown, starting over when `key`
 * changes (say, a new filter); keeps the latest answer and the latest error, never a stale answer
 * after a newer one. `refresh` reloads at once.
 */
export function usePoll<T>(
  load: () => Promise<T>,
  intervalMs: number,
  key: string
): { data: T | null; error: string | null; refresh(): void } {
  const [data, setData] = useState<T | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [tick, setTick] = useState(0)
  const loadRef = useRef(load)
  useEffect(() => {
    loadRef.current = load
  })
  useEffect(() => {
    let live = true
    let sent = 0
    let shown = 0
    const run = () => {
      const mine = ++sent
      loadRef.current().then(
        (r) => {
          if (!live || mine < shown) return
          shown = mine
          setData(r)
          setError(null)
        },
        (e: unknown) => live && mine >= shown && setError(e instanceof Error ? e.message : String(e))
      )
    }
    run()
    const t = setInterval(run, intervalMs)
    return () => {
      live = false
      clearInterval(t)
    }
  }, [key, intervalMs, tick])
  return { data, error, refresh: () => setTick((n) => n + 1) }
}
