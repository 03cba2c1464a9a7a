import { create } from 'zustand'

export type Theme = 'light' | 'dark'
const KEY = 'lookout.theme'

function initialTheme(): Theme {
  const saved = localStorage.getItem(KEY)
  if (saved === 'light' || saved === 'dark') return saved
  return matchMedia('(prefers-color-scheme: light)').matches ? 'light' : 'dark'
}

/**
 * The attribute is set here, synchronously, not in an effect: charts read the theme's CSS
 * variables in their own effects, which React runs before a parent's.
 */
function apply(theme: Theme): Theme {
  document.documentElement.dataset.theme = theme
  return theme
}

interface ThemeState {
  theme: Theme
  toggle(): void
}

export const useTheme = create<ThemeState>((set, get) => ({
  theme: apply(initialTheme()),
  toggle() {
    const theme: Theme = get().theme === 'dark' ? 'light' : 'dark'
    localStorage.setItem(KEY, theme)
    set({ theme: apply(theme) })
  }
}))
