import type { Labels } from './exposition/types'
import type { ParsedSample } from './exposition/parser'

/**
 * A series' identity as Prometheus has it: the metric name and its labels, empty values dropped
 * (an empty label is the same as no label), label order irrelevant. `name{a="1",b="2"}`.
 */
export function seriesKey(name: string, labels: Labels): string {
  const names = Object.keys(labels)
    .filter((k) => labels[k] !== '')
    .sort()
  if (names.length === 0) return name
  return `${name}{${names.map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`
}

export interface SeriesRef {
  /** Canonical identity, stable across scrapes and label order. */
  readonly key: string
  readonly name: string
  readonly labels: Labels
}

interface Entry {
  /** The sample's name and label text exactly as the exporter wrote them. */
  raw: string
  ref: SeriesRef
}

/**
 * Interns series across scrapes. An exporter writes a series the same way every time, so the
 * lookup hashes the sample's bytes in place and compares them with what it saw before: a series
 * scraped every second costs no new key string. Only a never-seen spelling builds one.
 */
export class SeriesInterner {
  private readonly byHash = new Map<number, Entry[]>()
  private readonly byKey = new Map<string, SeriesRef>()

  get size(): number {
    return this.byKey.size
  }

  intern(sample: ParsedSample, pageText: string): SeriesRef {
    const name = sample.name
    const from = sample.spanFrom
    const to = sample.spanTo
    // FNV-1a over the name and the label text as written.
    let h = 0x811c9dc5
    for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193)
    if (from >= 0) for (let i = from; i < to; i++) h = Math.imul(h ^ pageText.charCodeAt(i), 0x01000193)
    const bucket = this.byHash.get(h)
    if (bucket) {
      const len = name.length + (from >= 0 ? to - from : 0)
      for (const e of bucket) {
        if (e.raw.length !== len || !e.raw.startsWith(name)) continue
        let same = true
        for (let k = name.length, i = from; same && k < len; k++, i++) same = e.raw.charCodeAt(k) === pageText.charCodeAt(i)
        if (same) return e.ref
      }
    }
    const raw = name + (from >= 0 ? pageText.slice(from, to) : '')
    const key = seriesKey(name, sample.labels)
    let ref = this.byKey.get(key)
    if (!ref) {
      const labels: Labels = {}
      for (const k of Object.keys(sample.labels).sort()) if (sample.labels[k] !== '') labels[k] = sample.labels[k]!
      ref = { key, name, labels }
      this.byKey.set(key, ref)
    }
    const entry = { raw, ref }
    if (bucket) bucket.push(entry)
    else this.byHash.set(h, [entry])
    return ref
  }
}
