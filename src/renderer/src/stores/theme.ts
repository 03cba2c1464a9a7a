import { create } from 'zustand'

export type Theme = 'light' | 'dark'
const KEY = 'lookout.theme'

function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY)
  if (saved === 'light' || saved === 'dark') return saved
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

interface ThemeState {
  theme: Theme
  toggle(): void
}

export const useTheme = create<ThemeState>((set, get) => ({
  theme: initialTheme(),
  toggle() {
    const theme: Theme = get().theme === 'dark' ? 'light' : 'dark'
    localStorage.setItem(KEY, theme)
    set({ theme })
  }
}))
