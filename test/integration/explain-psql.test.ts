import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parsePlan } from '../../src/main/core/explain'
import { parseJsonPlan } from '../../src/main/core/explain/json-plan'
import { postgresBinDir } from '../../src/main/harness/binaries'
import type { PostgresHandle } from '../harness'
import { EXPLAIN_QUERIES, startExplainServer } from '../helpers/explain-fixture'

/**
 * What people paste: psql's own output of EXPLAIN, in every output style it has, captured from
 * the real psql against the real server, must give the model the JSON format gives.
 */

let server: PostgresHandle
let c: pg.Client

beforeAll(async () => {
  ;({ server, admin: c } = await startExplainServer())
  await c.query('SET max_parallel_workers_per_gather = 0')
})

afterAll(async () => {
  await c?.end()
  await server?.stop()
})

/** psql -c on the statement, with these display options (no .psqlrc). */
function psql(sql: string, options: string[]): string {
  const r = spawnSync(join(postgresBinDir(), 'psql'), ['-X', '-d', server.dsn, ...options, '-c', sql], {
    encoding: 'utf8',
    env: { ...process.env, PGOPTIONS: '-c max_parallel_workers_per_gather=0' }
  })
  if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`)
  return r.stdout
}

async function jsonModel(sql: string) {
  const r = await c.query({
    text: `EXPLAIN (FORMAT JSON) ${sql}`,
    types: { getTypeParser: (oid: number) => (oid === 114 ? (v: string) => v : pg.types.getTypeParser(oid)) }
  })
  return parseJsonPlan(String(Object.values(r.rows[0])[0]))
}

const STYLES: Record<string, string[]> = {
  aligned: [],
  'border 2': ['-P', 'border=2'],
  'unicode, border 1': ['-P', 'linestyle=unicode'],
  'unicode, border 2': ['-P', 'linestyle=unicode', '-P', 'border=2'],
  expanded: ['-x'],
  'expanded, border 2': ['-x', '-P', 'border=2'],
  csv: ['--csv']
}

describe('psql’s output styles read as the JSON plan reads', () => {
  for (const [style, options] of Object.entries(STYLES))
    it(style, async () => {
      for (const name of ['hashJoin', 'initPlan', 'subPlan', 'aggregates', 'window']) {
        const sql = EXPLAIN_QUERIES[name]!
        const json = await jsonModel(sql)
        const text = parsePlan(psql(`EXPLAIN ${sql}`, options))
        expect(text.format, `${name} in ${style}`).toBe('text')
        expect(
          text.plan.nodes.map((n) => [n.nodeType, n.relation, n.parent, n.totalCost, n.filter]),
          `${name} in ${style}`
        ).toEqual(json.nodes.map((n) => [n.nodeType, n.relation, n.parent, n.totalCost, n.filter]))
        // FORMAT JSON shown by psql in the same style: its wrap marks and borders taken off.
        const shown = parsePlan(psql(`EXPLAIN (FORMAT JSON) ${sql}`, options))
        expect(shown.format, `JSON ${name} in ${style}`).toBe('json')
        expect(shown.plan.nodes.length).toBe(json.nodes.length)
      }
    })
})
