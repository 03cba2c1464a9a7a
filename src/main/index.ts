// Electron's entry point. Everything Electron-specific lives in ./shell; the work is in ./core.
import { runDesktopApp } from './shell/main'

runDesktopApp()
