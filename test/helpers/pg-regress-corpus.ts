import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * PostgreSQL's own regression outputs, fetched from Debian's source packages by
 * scripts/fetch-pg-regress.sh (never committed: they are PostgreSQL's text). Every `QUERY PLAN`
 * block in them is a plan a real server printed, as psql printed it.
 */
export function pgRegressDir(): string {
  return process.env.LOOKOUT_PG_REGRESS ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'lookout', 'pg-regress')
}

export interface RegressPlan {
  major: string
  /** Path inside the PostgreSQL tree, and the line of the block's header. */
  file: string
  line: number
  /** The block as psql printed it: header, rule, rows, row-count footer. */
  block: string
  /** The cells, psql's layout taken off independently of Lookout: one string per row, wrapped rows joined. */
  rows: string[]
  kind: 'text' | 'json' | 'xml' | 'yaml'
}

function outFiles(root: string): string[] {
  const files: string[] = []
  const regress = join(root, 'src/test/regress/expected')
  if (existsSync(regress)) for (const f of readdirSync(regress)) if (f.endsWith('.out')) files.push(join('src/test/regress/expected', f))
  const contrib = join(root, 'contrib')
  if (existsSync(contrib))
    for (const mod of readdirSync(contrib)) {
      const dir = join(contrib, mod, 'expected')
      if (existsSync(dir)) for (const f of readdirSync(dir)) if (f.endsWith('.out')) files.push(join('contrib', mod, 'expected', f))
    }
  return files.sort()
}

/**
 * A one-column aligned result is ` cell` per line; a cell holding line feeds goes on over several
 * lines, each but the last padded and ended by `+`.
 */
function cells(lines: string[]): string[] {
  const out: string[] = []
  let current: string[] = []
  for (const l of lines) {
    const body = l.startsWith(' ') ? l.slice(1) : l
    if (body.endsWith('+')) current.push(body.slice(0, -1).trimEnd())
    else {
      current.push(body.trimEnd())
      out.push(current.join('\n'))
      current = []
    }
  }
  if (current.length) out.push(current.join('\n'))
  return out
}

export function regressPlans(): { majors: string[]; plans: RegressPlan[] } {
  const root = pgRegressDir()
  if (!existsSync(root))
    throw new Error(`PostgreSQL's regression outputs are missing in ${root}: run scripts/fetch-pg-regress.sh (npm test runs it)`)
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'VERSION')))
    .sort((a, b) => Number(a) - Number(b))
  const plans: RegressPlan[] = []
  for (const major of majors)
    for (const file of outFiles(join(root, major))) {
      const lines = readFileSync(join(root, major, file), 'utf8').split('\n')
      for (let i = 0; i + 1 < lines.length; i++) {
        if (lines[i]!.trim() !== 'QUERY PLAN' || !/^-+$/.test(lines[i + 1]!)) continue
        let end = i + 2
        while (end < lines.length && !/^\(\d+ rows?\)$/.test(lines[end]!)) end++
        if (end >= lines.length) continue
        const rows = cells(lines.slice(i + 2, end))
        if (rows.length === 0) continue
        const first = rows[0]!.trimStart()
        const kind =
          first.startsWith('[') || first.startsWith('{')
            ? 'json'
            : first.startsWith('<')
              ? 'xml'
              : first.startsWith('- Plan')
                ? 'yaml'
                : 'text'
        plans.push({ major, file, line: i + 1, block: lines.slice(i, end + 1).join('\n'), rows, kind })
        i = end
      }
    }
  return { majors, plans }
}

export interface DerivedNode {
  parent: number
  /** The text format's node line after its arrow (text plans), or JSON's "Node Type". */
  head: string
}

/**
 * The plan tree as PostgreSQL's text format lays it out (explain.c), read without Lookout: the
 * first line is the root (and the first line after a blank one, when a rule made several
 * statements); every other node's line starts with "->". A node's properties and its
 * children's arrows stand two columns right of its name; an InitPlan, SubPlan or CTE label stands
 * where its owner's properties do, and the one node under it two columns further right.
 */
export function textTree(rows: string[]): DerivedNode[] {
  const nodes: DerivedNode[] = []
  // Open nodes and labels, by the column their children's arrows stand at.
  const stack: { childCol: number; owner: number }[] = []
  let rootCol = -1
  let afterBlank = true
  for (const row of rows) {
    const col = row.length - row.trimStart().length
    // Several statements (a rule's) print one plan each, a blank line between.
    if (!row.trim()) {
      afterBlank = true
      continue
    }
    if (afterBlank && (rootCol < 0 || col === rootCol)) {
      afterBlank = false
      rootCol = col
      stack.length = 0
      nodes.push({ parent: -1, head: row.trim() })
      stack.push({ childCol: col + 2, owner: nodes.length - 1 })
      continue
    }
    afterBlank = false
    const arrow = /^-> {2}(.*)$/.exec(row.trimStart())
    const label = /^(InitPlan|SubPlan|CTE) /.test(row.trimStart())
    if (!arrow && !label) continue
    while (stack.length > 1 && stack[stack.length - 1]!.childCol > col) stack.pop()
    const owner = stack[stack.length - 1]!.owner
    if (label) {
      stack.push({ childCol: col + 2, owner })
      continue
    }
    nodes.push({ parent: owner, head: arrow![1]! })
    stack.push({ childCol: col + 6, owner: nodes.length - 1 })
  }
  return nodes
}

/** The plan tree of EXPLAIN's JSON, walked as the format defines it ("Plan", "Plans"). */
export function jsonTree(json: string): DerivedNode[] {
  const doc = JSON.parse(json) as unknown
  const tops = (Array.isArray(doc) ? doc : [doc]) as { Plan?: Record<string, unknown> }[]
  const nodes: DerivedNode[] = []
  const walk = (p: Record<string, unknown>, parent: number) => {
    const id = nodes.length
    nodes.push({ parent, head: String(p['Node Type']) })
    for (const child of (p.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child, id)
  }
  for (const top of tops) if (top.Plan) walk(top.Plan, -1)
  return nodes
}
