import { createServer } from 'node:net'
import type pg from 'pg'
import { describe, expect, it } from 'vitest'
import { STEP_TIMEOUT_MS, testPostgres } from '../../src/main/core/profiles/connection-test'
import { eventually } from '../harness'

describe('a connection test step past its deadline', () => {
  it('fails at that step, and closes the session that connects after it, so no slot is left behind', async () => {
    const server = createServer((sock) => sock.destroy())
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
    const port = (server.address() as { port: number }).port
    let ended = false
    const late = { end: async () => void (ended = true) } as unknown as pg.Client
    try {
      // A login that answers only after the step's deadline.
      const open = () => new Promise<pg.Client>((r) => setTimeout(() => r(late), STEP_TIMEOUT_MS + 300))
      const t = await testPostgres(`postgresql://app@127.0.0.1:${port}/app`, open)
      expect(t.steps.map((s) => [s.step, s.ok])).toEqual([
        ['dns', true],
        ['tcp', true],
        ['authentication', false]
      ])
      expect(t.steps[2]!.detail).toBe(`no answer within ${STEP_TIMEOUT_MS} ms`)
      await eventually('the late session closed', () => ended || null)
    } finally {
      server.close()
    }
  })
})
