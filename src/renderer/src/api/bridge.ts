/** What the preload exposes as `window.lookout` in the desktop app. */
export interface LookoutBridge {
  call: Record<string, (params: unknown) => Promise<unknown>>
  on(name: string, listener: (payload: unknown) => void): () => void
  onMenuCommand?(listener: (command: string) => void): () => void
}

declare global {
  interface Window {
    lookout?: LookoutBridge
  }
}

export function desktopBridge(): LookoutBridge | null {
  return typeof window !== 'undefined' && window.lookout ? window.lookout : null
}
