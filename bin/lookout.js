#!/usr/bin/env node
// The `lookout` command: the built CLI (plain Node, no Electron needed).
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'out', 'main', 'cli.js')
if (!existsSync(cli)) {
  console.error('lookout: the CLI is not built yet. Run: npm run build')
  process.exit(1)
}
await import(pathToFileURL(cli).href)
