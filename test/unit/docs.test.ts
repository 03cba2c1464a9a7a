import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { events, mutationOf, requestNames, type RequestName } from '../../src/shared/api'

const architecture = readFileSync(join(__dirname, '../../docs/ARCHITECTURE.md'), 'utf8')
const apiSection = architecture.slice(architecture.indexOf('## The API'), architecture.indexOf('## Transports'))

/** The rows of the markdown tables whose first header cell is `header`: first cell (unquoted) and the rest. */
function rows(header: string): string[][] {
  const out: string[][] = []
  let inTable = false
  for (const line of apiSection.split('\n')) {
    const cells = line.startsWith('|')
      ? line
          .split('|')
          .slice(1, -1)
          .map((c) => c.trim())
      : null
    if (!cells) inTable = false
    else if (cells[0] === header) inTable = true
    else if (inTable && !/^-+$/.test(cells[0]!)) out.push([cells[0]!.replace(/`/g, ''), ...cells.slice(1)])
  }
  return out
}

describe('docs/ARCHITECTURE.md', () => {
  it('lists exactly the requests api.ts declares, and marks exactly the mutating ones', () => {
    const table = rows('request')
    expect(table.map((r) => r[0]).sort()).toEqual([...requestNames].sort())
    for (const [name, mutates] of table) expect(mutates === 'yes', name).toBe(Boolean(mutationOf(name as RequestName)))
  })

  it('lists exactly the events api.ts declares', () => {
    expect(
      rows('event')
        .map((r) => r[0])
        .sort()
    ).toEqual(Object.keys(events).sort())
  })
})
