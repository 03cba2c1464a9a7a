import { readFileSync, writeFileSync, mkdtempSync, rmSync, copyFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parsePlan } from '../src/main/core/explain'
import { advise } from '../src/main/core/explain/advice'
import type { BenchResult } from './benchmarks'

const NODES = Number(process.env.BENCH_PLAN_NODES ?? 10_000)
const RUNS = 7

interface Spec {
  type: 'Hash Join' | 'Nested Loop' | 'Seq Scan' | 'Index Scan' | 'Hash'
  table?: string
  children: Spec[]
  rows: number
  time: number
  loops: number
}

/** A bushy plan of joins over scans: the shape of a big reporting query, with ANALYZE figures. */
function buildSpec(target: number): Spec {
  let made = 1
  const root: Spec = { type: 'Hash Join', children: [], rows: 1000, time: 5000, loops: 1 }
  const queue: Spec[] = [root]
  let i = 0
  while (queue.length && made < target) {
    const n = queue.shift()!
    if (n.type === 'Seq Scan' || n.type === 'Index Scan') continue
    const kids = n.type === 'Hash' ? 1 : 2
    for (let k = 0; k < kids && made < target; k++) {
      i++
      const leafish = made > target * 0.6
      const type: Spec['type'] =
        n.type === 'Hash Join' && k === 1 ? 'Hash' : leafish ? (i % 3 ? 'Seq Scan' : 'Index Scan') : i % 2 ? 'Hash Join' : 'Nested Loop'
      const child: Spec = {
        type,
        table: `t${i % 500}`,
        children: [],
        rows: 10 + (i % 97),
        time: n.time / 2.1,
        loops: n.type === 'Nested Loop' && k === 1 ? 10 : 1
      }
      n.children.push(child)
      queue.push(child)
      made++
    }
  }
  return root
}

function toJson(s: Spec): unknown {
  const o: Record<string, unknown> = {
    'Node Type': s.type,
    'Parallel Aware': false,
    'Startup Cost': 0.0,
    'Total Cost': 100.5,
    'Plan Rows': s.rows * 2,
    'Plan Width': 32,
    'Actual Startup Time': 0.01,
    'Actual Total Time': Number(s.time.toFixed(3)),
    'Actual Rows': s.rows,
    'Actual Loops': s.loops,
    'Shared Hit Blocks': 120,
    'Shared Read Blocks': 4,
    'Shared Dirtied Blocks': 0,
    'Shared Written Blocks': 0
  }
  if (s.type === 'Hash Join') {
    o['Join Type'] = 'Inner'
    o['Hash Cond'] = '(a.id = b.a_id)'
  }
  if (s.type === 'Nested Loop') o['Join Type'] = 'Inner'
  if (s.type === 'Seq Scan' || s.type === 'Index Scan') {
    o['Relation Name'] = s.table
    o['Alias'] = s.table
    o['Filter'] = '(v > 10)'
    o['Rows Removed by Filter'] = 5
  }
  if (s.type === 'Index Scan') o['Index Name'] = `${s.table}_pkey`
  if (s.type === 'Hash') {
    o['Hash Buckets'] = 1024
    o['Original Hash Buckets'] = 1024
    o['Hash Batches'] = 1
    o['Original Hash Batches'] = 1
    o['Peak Memory Usage'] = 64
  }
  if (s.children.length) o['Plans'] = s.children.map(toJson)
  return o
}

function toText(root: Spec): string {
  const lines: string[] = []
  const stack: { s: Spec; depth: number }[] = [{ s: root, depth: 0 }]
  while (stack.length) {
    const { s, depth } = stack.pop()!
    const pad = depth === 0 ? '' : ' '.repeat(depth * 6 - 4) + '->  '
    const attr = ' '.repeat(depth * 6 + 2)
    const head =
      s.type === 'Seq Scan' ? `Seq Scan on ${s.table}` : s.type === 'Index Scan' ? `Index Scan using ${s.table}_pkey on ${s.table}` : s.type
    lines.push(
      `${pad}${head}  (cost=0.00..100.50 rows=${s.rows * 2} width=32) (actual time=0.010..${s.time.toFixed(3)} rows=${s.rows} loops=${s.loops})`
    )
    if (s.type === 'Hash Join') lines.push(`${attr}Hash Cond: (a.id = b.a_id)`)
    if (s.type === 'Seq Scan' || s.type === 'Index Scan') {
      lines.push(`${attr}Filter: (v > 10)`)
      lines.push(`${attr}Rows Removed by Filter: 5`)
    }
    if (s.type === 'Hash') lines.push(`${attr}Buckets: 1024  Batches: 1  Memory Usage: 64kB`)
    lines.push(`${attr}Buffers: shared hit=120 read=4`)
    for (let i = s.children.length - 1; i >= 0; i--) stack.push({ s: s.children[i]!, depth: depth + 1 })
  }
  lines.push('Planning Time: 1.234 ms', 'Execution Time: 5000.000 ms')
  return lines.join('\n')
}

interface Pev2Service {
  fromSource(source: string): unknown
  createPlan(name: string, content: unknown, query: string): { content: unknown }
}

/**
 * pev2 exports only its Vue component; its PlanService class lives inside the bundle. A copy of
 * the bundle beside the original (so its "vue" import resolves) exports that class too; the class
 * is found by the methods pev2 documents (fromSource, createPlan), not by a minified name.
 */
async function loadPev2(): Promise<{ service: Pev2Service; dir: string }> {
  const require = createRequire(import.meta.url)
  // The package exports only its entry points: resolve one and take the bundle beside it.
  const bundle = join(dirname(require.resolve('pev2')), 'pev2.es.js')
  const src = readFileSync(bundle, 'utf8')
  const at = src.indexOf('  fromSource(e) {')
  const cls = [...src.slice(0, at).matchAll(/class (\w+) \{/g)].pop()
  if (at < 0 || !cls) throw new Error('pev2: PlanService not found in the bundle (a pev2 version other than 1.21.0?)')
  const dir = mkdtempSync(join(dirname(bundle), '.lookout-bench-'))
  const copy = join(dir, 'pev2-with-service.mjs')
  writeFileSync(copy, `${src}\nexport { ${cls[1]} as LookoutBenchPlanService };\n`)
  copyFileSync(join(dirname(bundle), 'pev2.css'), join(dir, 'pev2.css'))
  const mod = (await import(pathToFileURL(copy).href)) as { LookoutBenchPlanService: new () => Pev2Service }
  return { service: new mod.LookoutBenchPlanService(), dir }
}

const gc = (globalThis as { gc?: () => void }).gc

function median(f: () => void): number {
  const times: number[] = []
  for (let i = 0; i < RUNS; i++) {
    // Each run starts with a clean heap: neither side pays for the other's garbage.
    gc?.()
    const t = performance.now()
    f()
    times.push(performance.now() - t)
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!
}

const round = (x: number) => Math.round(x * 100) / 100

/** Parse + analyse a 10,000-node plan, JSON and text, against pev2's plan service and JSON.parse. */
export async function explainBench(): Promise<BenchResult[]> {
  const spec = buildSpec(NODES)
  const json = JSON.stringify([{ Plan: toJson(spec), 'Planning Time': 1.234, 'Execution Time': 5000 }], null, 2)
  const text = toText(spec)
  const ours = (src: string) => {
    const { plan } = parsePlan(src)
    advise(plan)
    return plan
  }
  const fromJson = ours(json)
  const fromText = ours(text)
  if (fromJson.nodes.length !== NODES || fromText.nodes.length !== NODES)
    throw new Error(`expected ${NODES} nodes, parsed ${fromJson.nodes.length} (JSON) and ${fromText.nodes.length} (text)`)
  const { service, dir } = await loadPev2()
  try {
    const pev2 = (src: string) => service.createPlan('', service.fromSource(src), '')
    // pev2 must read the same plan, or the comparison means nothing.
    pev2(json)
    pev2(text)
    // Warm up the JITs on both sides.
    for (let i = 0; i < 2; i++) {
      ours(json)
      ours(text)
      pev2(json)
      pev2(text)
    }
    const oursJson = median(() => ours(json))
    const oursText = median(() => ours(text))
    const pevJson = median(() => pev2(json))
    const pevText = median(() => pev2(text))
    const floor = median(() => JSON.parse(json))
    const base = { nodes: NODES, json_bytes: json.length, text_bytes: text.length }
    return [
      {
        ours_ms: round(oursJson),
        ref: 'pev2 1.21.0 PlanService (JSON plan)',
        ref_ms: round(pevJson),
        ratio: round(oursJson / pevJson),
        ...base
      },
      {
        ours_ms: round(oursText),
        ref: 'pev2 1.21.0 PlanService (text plan)',
        ref_ms: round(pevText),
        ratio: round(oursText / pevText),
        ...base
      },
      {
        ours_ms: round(oursJson),
        ref: 'JSON.parse of the JSON plan alone (the floor)',
        ref_ms: round(floor),
        ratio: round(oursJson / floor),
        ...base
      }
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
