import { createRequire } from 'node:module'
import { parseExposition } from '../src/main/core/prometheus/exposition/parser'
import type { BenchResult } from './benchmarks'

const require = createRequire(import.meta.url)
const peer = require('parse-prometheus-text-format') as (text: string) => unknown[]

const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf']

/**
 * A page like a big exporter's: labelled counters and gauges, 12-bucket histograms and
 * summaries, about 100,000 samples and 13 MB. Deterministic, so every run parses the same bytes.
 */
export function syntheticPage(targetSamples = 100_000): string {
  const out: string[] = []
  let samples = 0
  let seed = 7
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
  const lbl = (i: number) =>
    `service="checkout-${i % 40}",instance="10.20.${i % 250}.${(i * 7) % 250}:9100",pod="co-${(i * 7919).toString(36)}",method="${['GET', 'POST', 'PUT'][i % 3]}",route="/orders/${i % 97}"`
  for (let f = 0; samples < targetSamples; f++) {
    const kind = f % 4
    const name =
      ['http_requests_total', 'process_resident_memory_bytes', 'http_request_duration_seconds', 'rpc_latency_seconds'][kind] + `_${f}`
    out.push(`# HELP ${name} Synthetic family ${f} for the parser benchmark.`)
    out.push(`# TYPE ${name} ${['counter', 'gauge', 'histogram', 'summary'][kind]}`)
    for (let i = 0; i < 50 && samples < targetSamples; i++) {
      const l = lbl(f * 50 + i)
      if (kind === 0) {
        out.push(`${name}{${l}} ${Math.floor(rnd() * 1e9)}`)
        samples++
      } else if (kind === 1) {
        out.push(`${name}{${l}} ${(rnd() * 1e9).toExponential(6)}`)
        samples++
      } else if (kind === 2) {
        let cum = 0
        for (const le of BUCKETS) {
          cum += Math.floor(rnd() * 100)
          out.push(`${name}_bucket{${l},le="${le}"} ${cum}`)
        }
        out.push(`${name}_sum{${l}} ${(rnd() * 1000).toFixed(3)}`, `${name}_count{${l}} ${cum}`)
        samples += BUCKETS.length + 2
      } else {
        for (const q of ['0.5', '0.9', '0.99']) out.push(`${name}{${l},quantile="${q}"} ${rnd().toFixed(6)}`)
        out.push(`${name}_sum{${l}} ${(rnd() * 100).toFixed(3)}`, `${name}_count{${l}} ${Math.floor(rnd() * 1e6)}`)
        samples += 5
      }
    }
  }
  return out.join('\n') + '\n'
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

const gc = (globalThis as { gc?: () => void }).gc

function time(fn: () => unknown, runs: number): number {
  for (let i = 0; i < 2; i++) fn() // warm up the JIT
  const ms: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    fn()
    ms.push(performance.now() - t)
  }
  return median(ms)
}

function retainedBytes(fn: () => unknown): number | null {
  if (!gc) return null
  gc()
  gc()
  const before = process.memoryUsage().heapUsed
  const kept = fn()
  gc()
  gc()
  const after = process.memoryUsage().heapUsed
  if (!kept) return null
  return after - before
}

/** Lookout's parser against parse-prometheus-text-format, with a plain line split as the floor. */
export async function prometheusParse(): Promise<BenchResult[]> {
  // Decoded from bytes as a scrape's body is: one flat string, not the concatenation the
  // generator built (every character read of which would go through an indirection).
  const page = Buffer.from(syntheticPage()).toString('utf8')
  const mb = Buffer.byteLength(page) / 1e6
  // Only the count is kept: a scraper drops a page's result when the next arrives, and a result
  // kept alive while the runs are timed would make every run's garbage collection trace it.
  const sampleCount = parseExposition(page, 'text').sampleCount
  const runs = Number(process.env.BENCH_RUNS ?? 7)
  const oursMs = time(() => parseExposition(page, 'text'), runs)
  const peerMs = time(() => peer(page), Math.max(3, Math.ceil(runs / 2)))
  const splitMs = time(() => page.split('\n'), runs)
  // Reading every character once from JavaScript: what any parser written in it must at least pay.
  const charLoopMs = time(() => {
    let x = 0
    for (let i = 0; i < page.length; i++) x = (x + page.charCodeAt(i)) | 0
    return x
  }, runs)
  const retained = retainedBytes(() => parseExposition(page, 'text'))
  const r = (x: number) => Math.round(x * 1000) / 1000
  const common = {
    mb: r(mb),
    samples: sampleCount,
    mb_per_s: r(mb / (oursMs / 1000)),
    samples_per_s: Math.round(sampleCount / (oursMs / 1000)),
    heap_retained_mb: retained === null ? null : r(retained / 1e6)
  }
  return [
    {
      ours_ms: r(oursMs),
      ref: 'parse-prometheus-text-format',
      ref_ms: r(peerMs),
      ratio: r(oursMs / peerMs),
      speedup: r(peerMs / oursMs),
      ...common
    },
    { ours_ms: r(oursMs), ref: 'line split (floor)', ref_ms: r(splitMs), ratio: r(oursMs / splitMs), ...common },
    { ours_ms: r(oursMs), ref: 'one charCodeAt pass (JS floor)', ref_ms: r(charLoopMs), ratio: r(oursMs / charLoopMs), ...common }
  ]
}
