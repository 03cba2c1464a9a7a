import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseExposition } from '../../../src/main/core/prometheus/exposition/parser'
import { ExpositionError } from '../../../src/main/core/prometheus/exposition/types'

// The OpenMetrics project's parser conformance cases, shared with CI beside the repository.
const ROOT = join(__dirname, '../../../../shared/conformance/openmetrics/parsers')

interface Case {
  name: string
  shouldParse: boolean
  text: string
}

function loadCases(): Case[] {
  if (!existsSync(ROOT)) throw new Error(`the OpenMetrics conformance cases are missing: ${ROOT} (they come with ../shared)`)
  return readdirSync(ROOT)
    .sort()
    .map((name) => {
      const meta = JSON.parse(readFileSync(join(ROOT, name, 'test.json'), 'utf8')) as { type: string; file: string; shouldParse: boolean }
      if (meta.type !== 'text') throw new Error(`${name}: unexpected case type ${meta.type}`)
      return { name, shouldParse: meta.shouldParse, text: readFileSync(join(ROOT, name, meta.file), 'utf8') }
    })
}

const cases = loadCases()

describe('OpenMetrics conformance', () => {
  it('has all 211 cases', () => {
    expect(cases).toHaveLength(211)
  })

  it.each(cases.filter((c) => c.shouldParse).map((c) => [c.name, c] as const))('%s parses', (_name, c) => {
    const page = parseExposition(c.text, 'openmetrics')
    expect(page.format).toBe('openmetrics')
  })

  it.each(cases.filter((c) => !c.shouldParse).map((c) => [c.name, c] as const))('%s is rejected with a located error', (_name, c) => {
    let err: unknown
    try {
      parseExposition(c.text, 'openmetrics')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(ExpositionError)
    const e = err as ExpositionError
    expect(e.line).toBeGreaterThanOrEqual(1)
    expect(e.column).toBeGreaterThanOrEqual(1)
    expect(e.message).toMatch(/^line \d+, column \d+: /)
  })
})
