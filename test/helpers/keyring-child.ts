// Run by test/integration/keyring.test.ts inside a D-Bus session with GNOME Keyring (or without
// one): opens the data directory's secret store as `lookout serve` would, with no passphrase and
// no terminal, then sets or gets one secret and prints what happened as one JSON line.
import { headlessSecretStore } from '../../src/main/cli/secrets'

const [dataDir, op, key, value] = process.argv.slice(2) as [string, 'set' | 'get', string, string?]
try {
  const store = await headlessSecretStore(dataDir, { env: {}, prompt: null })
  if (op === 'set') await store.set(key, value!)
  const got = await store.get(key)
  console.log(JSON.stringify({ ok: true, persistent: store.persistent, warning: store.warning ?? null, value: got }))
} catch (err) {
  console.log(JSON.stringify({ ok: false, error: (err as Error).message }))
}
process.exit(0)
