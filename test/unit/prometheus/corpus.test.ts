import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseExposition } from '../../../src/main/core/prometheus/exposition/parser'
import type { ExpositionFormat } from '../../../src/main/core/prometheus/exposition/types'

// Public pages with the verdict and sample count a real Prometheus 2.42 server gave when it
// scraped them, shared with CI beside the repository (../shared/corpora/exposition).
const CORPUS = join(__dirname, '../../../../shared/corpora/exposition')

interface CorpusPage {
  id: string
  file: string
  format: ExpositionFormat
  prometheus: { valid: boolean; scrape_samples_scraped: number; error: string | null }
}

/**
 * Where Lookout still reads a page otherwise than Prometheus, with why. Listed so the test fails
 * the day one is fixed (and the list must shrink) as much as the day a new one appears.
 */
const KNOWN_DISAGREEMENTS: Record<string, string> = {}

function pages(): CorpusPage[] {
  if (!existsSync(CORPUS)) throw new Error(`the exposition corpus is missing: ${CORPUS} (it comes with ../shared)`)
  return (JSON.parse(readFileSync(join(CORPUS, 'index.json'), 'utf8')) as { pages: CorpusPage[] }).pages
}

/** Lookout's scraper's verdict: the bytes decoded as a scrape's body is (a BOM kept), read as Prometheus reads them. */
function scrape(p: CorpusPage): { valid: boolean; samples: number; error: string | null } {
  const body = readFileSync(join(CORPUS, p.file)).toString('utf8')
  try {
    return { valid: true, samples: parseExposition(body, p.format, { strict: false }).sampleCount, error: null }
  } catch (err) {
    return { valid: false, samples: 0, error: (err as Error).message }
  }
}

describe('real pages, read as the Prometheus server read them', () => {
  const all = pages()

  it('holds the 56 pages', () => expect(all.length).toBe(56))

  for (const p of all)
    it(`${p.id}: ${p.prometheus.valid ? `taken, ${p.prometheus.scrape_samples_scraped} samples` : 'refused'}`, () => {
      const ours = scrape(p)
      const agrees = ours.valid === p.prometheus.valid && (!ours.valid || ours.samples === p.prometheus.scrape_samples_scraped)
      if (KNOWN_DISAGREEMENTS[p.id]) expect(agrees, `${p.id} now agrees: take it off KNOWN_DISAGREEMENTS`).toBe(false)
      else
        expect({ valid: ours.valid, samples: ours.valid ? ours.samples : 0 }, ours.error ?? '').toEqual({
          valid: p.prometheus.valid,
          samples: p.prometheus.valid ? p.prometheus.scrape_samples_scraped : 0
        })
    })
})
