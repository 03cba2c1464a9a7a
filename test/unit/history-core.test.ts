import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createCore } from '../../src/main/core'
import { MemorySecretStore } from '../../src/main/core/ports'
import { tempDir } from '../helpers/temp'

describe('a history store that cannot open', () => {
  it('leaves history off with the reason and the path; the rest of the core works', async () => {
    const dataDir = tempDir()
    writeFileSync(join(dataDir, 'history.db'), 'this is not a SQLite database, it is a text file someone put here')
    const errors: string[] = []
    const core = createCore({
      dataDir,
      secrets: new MemorySecretStore(),
      notifier: { notify() {} },
      transport: 'websocket',
      logger: { info() {}, warn() {}, error: (m, f) => errors.push(`${m} ${JSON.stringify(f)}`) }
    })
    try {
      const info = await core.dispatch('history.info', {})
      expect(info).toMatchObject({ ok: true, result: { problem: expect.stringContaining(join(dataDir, 'history.db')) } })
      expect((info as { result: { problem: string } }).result.problem).toMatch(
        /history is off: .* could not be opened \(file is not a database\); move it aside/
      )
      expect(await core.dispatch('history.timeline', { range: { from: 0, to: 1000 } })).toMatchObject({
        ok: false,
        error: { code: 'unavailable' }
      })
      expect(errors.some((e) => e.startsWith('history store unavailable'))).toBe(true)
      // Profiles and the audit still work.
      expect(
        await core.dispatch('profiles.save', { profile: { name: 'p', environment: 'dev', redis: 'redis://127.0.0.1:1' } })
      ).toMatchObject({ ok: true })
    } finally {
      await core.close()
    }
  })
})
