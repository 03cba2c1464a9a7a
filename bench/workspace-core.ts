// A core in a process of its own, so what is measured is the core and nothing else: it pins
// `profiles` demo-like profiles (the servers are the parent's), lets them settle, then measures
// for `seconds` its RSS, its CPU time per second and its event-loop delay, and prints one JSON
// line. Run by bench/workspace.ts.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { createCore } from '../src/main/core'
import { MemorySecretStore } from '../src/main/core/ports'
import type { WorkspaceStatus } from '../src/shared/schemas'

const { profiles, seconds, settleSeconds, targets } = JSON.parse(process.env.WORKSPACE_BENCH!) as {
  profiles: number
  seconds: number
  settleSeconds: number
  targets: { postgres: string; redis: string; prometheus: string; metrics: string }
}

const dataDir = mkdtempSync(join(tmpdir(), 'lookout-bench-ws-'))
const core = createCore({ dataDir, secrets: new MemorySecretStore(), notifier: { notify() {} }, transport: 'websocket' })
let polls = 0
let down = 0
let events = 0
core.onEvent((name, payload) => {
  events++
  if (name !== 'target.state') return
  polls++
  if ((payload as { health: string }).health === 'down') down++
})
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
try {
  for (let i = 0; i < profiles; i++) {
    const profile = {
      name: `ws-${i}`,
      environment: 'dev' as const,
      postgres: targets.postgres,
      redis: targets.redis,
      prometheus: targets.prometheus,
      metrics: [targets.metrics],
      pollIntervalMs: 1000
    }
    const saved = await core.dispatch('profiles.save', { profile })
    if (!saved.ok) throw new Error(saved.error.message)
    const pinned = await core.dispatch('workspace.pin', { profile: profile.name, pinned: true })
    if (!pinned.ok) throw new Error(pinned.error.message)
  }
  await sleep(settleSeconds * 1000)
  const h = monitorEventLoopDelay({ resolution: 5 })
  const rssStart = process.memoryUsage().rss
  const cpu = process.cpuUsage()
  const polls0 = polls
  const events0 = events
  const down0 = down
  const t0 = performance.now()
  let rssPeak = rssStart
  h.enable()
  for (let s = 0; s < seconds; s++) {
    await sleep(1000)
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss)
  }
  h.disable()
  const wall = (performance.now() - t0) / 1000
  const used = process.cpuUsage(cpu)
  const status = await core.dispatch('workspace.status', {})
  console.log(
    JSON.stringify({
      profiles,
      targets: profiles * 4,
      seconds: wall,
      rss_mb: process.memoryUsage().rss / 2 ** 20,
      rss_start_mb: rssStart / 2 ** 20,
      rss_peak_mb: rssPeak / 2 ** 20,
      cpu_ms_per_s: (used.user + used.system) / 1000 / wall,
      loop_p99_ms: h.percentile(99) / 1e6,
      loop_max_ms: h.max / 1e6,
      polls_per_s: (polls - polls0) / wall,
      events_per_s: (events - events0) / wall,
      down_polls: down - down0,
      watched: status.ok ? (status.result as WorkspaceStatus).profiles.filter((p) => p.watched).length : -1
    })
  )
} finally {
  await core.close()
  rmSync(dataDir, { recursive: true, force: true })
}
process.exit(0)
