/**
 * `lookout serve` in a process of its own for the attack tests (a crash must show as an exit):
 * the same startHeadless the CLI runs, quiet, on a free loopback port.
 * Usage: node --import tsx test/helpers/serve-child.ts DATA_DIR RENDERER_DIR
 */
import { startHeadless } from '../../src/main/cli/serve-command'

const [dataDir, rendererDir] = process.argv.slice(2)
const h = await startHeadless({ dataDir: dataDir!, rendererDir: rendererDir!, host: '127.0.0.1', port: 0, quiet: true })
console.log(`serving at ${h.server.urlWithToken}`)
