import { isMap, isScalar, isSeq, LineCounter, parseDocument, stringify, type Node } from 'yaml'
import { AlertRule, type AlertRuleInput, type LabelMatcher } from '../../../shared/alert-rules'

/**
 * Prometheus rule files (`groups:` YAML, the strict `rulefmt` fields) in both directions: a
 * profile's rules that PromQL can express, out; alerting rules from a team's file, in, as PromQL
 * rules evaluated on the profile's Prometheus server.
 */

/** Why a rule cannot move to Prometheus, or null when it can. */
export function whyNotExportable(rule: AlertRule): string | null {
  if (rule.clearThreshold !== undefined) return 'hysteresis (a clear threshold) is Lookout’s own; Prometheus has none'
  if (rule.flapDampingS > 0) return 'flap damping is Lookout’s own; Prometheus has none'
  const w = rule.watch
  if (w.kind === 'series' && w.metric !== 'up')
    return `it watches Lookout’s own series ${w.metric}, which Prometheus does not have (write it as a PromQL rule on an exporter’s metrics)`
  if (w.kind === 'finding') return `it watches the ${w.check} check’s findings, which only Lookout computes`
  return null
}

/** A duration as Prometheus writes one: `1h30m`, `5m`, `45s`, `0s`. */
export function promDuration(seconds: number): string {
  let s = Math.round(seconds)
  if (s === 0) return '0s'
  let out = ''
  for (const [unit, n] of [
    ['d', 86_400],
    ['h', 3600],
    ['m', 60],
    ['s', 1]
  ] as const) {
    const k = Math.floor(s / n)
    if (k) {
      out += `${k}${unit}`
      s -= k * n
    }
  }
  return out
}

/** Parses a Prometheus duration (`1h30m`, `90s`, `2d`, `500ms`) into seconds; null when it is not one. */
export function parsePromDuration(text: string): number | null {
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 7 * 86_400, y: 365 * 86_400 }
  let total = 0
  let pos = 0
  let m: RegExpExecArray | null
  if (!text) return null
  while ((m = re.exec(text))) {
    total += Number(m[1]) * unit[m[2]!]!
    pos = re.lastIndex
  }
  return pos === text.length && pos > 0 ? total : null
}

function selector(matchers: readonly LabelMatcher[]): string {
  if (!matchers.length) return ''
  return `{${matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ')}}`
}

/** The PromQL a rule is, or null when it cannot be one. */
export function ruleExpression(rule: AlertRule): string | null {
  if (whyNotExportable(rule)) return null
  const w = rule.watch
  const cond = rule.threshold === undefined ? '' : ` ${rule.comparator} ${rule.threshold}`
  const win = promDuration(rule.windowS || 60)
  switch (w.kind) {
    case 'series':
      return `up${cond}`
    case 'promql':
      return cond ? `(${w.expr})${cond}` : w.expr
    case 'scraped': {
      const sel = selector(w.matchers)
      switch (rule.aggregation) {
        case 'p95':
        case 'p99':
          return `histogram_quantile(${rule.aggregation === 'p95' ? '0.95' : '0.99'}, sum by (le) (rate(${w.metric}_bucket${sel}[${win}])))${cond}`
        case 'ratio':
          return `100 * sum(increase(${w.metric}${sel}[${win}])) / sum(increase(${w.metric}${selector(w.denominator ?? [])}[${win}]))${cond}`
        case 'rate':
        case 'increase':
          return `sum(${rule.aggregation}(${w.metric}${sel}[${win}]))${cond}`
        case 'last':
          return `sum(${w.metric}${sel})${cond}`
        case 'avg':
        case 'max':
        case 'min':
          return `${rule.aggregation}_over_time(sum(${w.metric}${sel})[${win}:])${cond}`
      }
    }
  }
  return null
}

/**
 * Lookout names a target by `target`, `kind` and `endpoint`; Prometheus by `instance` and `job`.
 * Templates that name Lookout's labels are rewritten to Prometheus's, so an exported summary still
 * says which target.
 */
function toPrometheusLabels(template: string): string {
  const to: Record<string, string> = { target: 'instance', endpoint: 'instance', kind: 'job' }
  return template.replace(/(\{\{[^}]*\$labels\.)(target|endpoint|kind)\b/g, (_m, head: string, name: string) => head + to[name]!)
}

export interface ExportedRules {
  text: string
  exported: string[]
  skipped: { name: string; reason: string }[]
}

/** A Prometheus rule file of the rules that can move there; the others listed with the reason. */
export function exportRuleFile(group: string, rules: readonly AlertRule[]): ExportedRules {
  const out: Record<string, unknown>[] = []
  const skipped: ExportedRules['skipped'] = []
  for (const r of rules) {
    if (!r.enabled) {
      skipped.push({ name: r.name, reason: 'disabled' })
      continue
    }
    const expr = ruleExpression(r)
    if (expr === null) {
      skipped.push({ name: r.name, reason: whyNotExportable(r) ?? 'not expressible in PromQL' })
      continue
    }
    const annotations: Record<string, string> = {}
    if (r.summary) annotations.summary = toPrometheusLabels(r.summary)
    if (r.description) annotations.description = toPrometheusLabels(r.description)
    if (r.runbookUrl) annotations.runbook_url = r.runbookUrl
    const rule: Record<string, unknown> = { alert: r.name, expr }
    if (r.forS) rule.for = promDuration(r.forS)
    if (r.keepFiringForS) rule.keep_firing_for = promDuration(r.keepFiringForS)
    rule.labels = { ...r.labels, severity: r.severity }
    if (Object.keys(annotations).length) rule.annotations = annotations
    out.push(rule)
  }
  const text = out.length
    ? `# Exported by Lookout. Check with: promtool check rules FILE\n${stringify({ groups: [{ name: group, rules: out }] }, { lineWidth: 0 })}`
    : ''
  return { text, exported: out.map((r) => String(r.alert)), skipped }
}

export interface RuleFileProblem {
  line: number
  column: number
  message: string
}

export interface ImportedRules {
  rules: AlertRule[]
  /** Recording rules, which Lookout does not evaluate. */
  skipped: { name: string; reason: string }[]
  problems: RuleFileProblem[]
}

const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'rules', 'query_offset'])
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'])

/**
 * Reads a Prometheus rule file strictly (unknown fields are errors, as `rulefmt` has them): its
 * alerting rules become PromQL rules; recording rules are listed as skipped. Every problem names
 * its line and column; a file with any problem imports nothing.
 */
export function importRuleFile(text: string): ImportedRules {
  const lc = new LineCounter()
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false })
  const problems: RuleFileProblem[] = []
  const at = (node: Node | null | undefined, message: string) => {
    const p = lc.linePos(node?.range?.[0] ?? 0)
    problems.push({ line: p.line, column: p.col, message })
  }
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0])
    problems.push({ line: p.line, column: p.col, message: e.message.split('\n')[0]! })
  }
  // rulefmt is strict: a field it does not know is an error, not something to skip.
  const unknownFields = (map: { items: { key: unknown }[] }, known: ReadonlySet<string>, where: string) => {
    for (const item of map.items) {
      const k = isScalar(item.key) ? String(item.key.value) : ''
      if (!known.has(k)) at(item.key as Node, `unknown field ${k} in ${where}`)
    }
  }
  const rules: AlertRule[] = []
  const skipped: ImportedRules['skipped'] = []
  if (problems.length) return { rules, skipped, problems }
  const root = doc.contents
  if (!isMap(root)) {
    at(root, 'a rule file is a mapping with a groups: list')
    return { rules, skipped, problems }
  }
  for (const item of root.items)
    if (!(isScalar(item.key) && item.key.value === 'groups'))
      at(item.key as Node, `unknown field ${String((item.key as { value?: unknown })?.value)}`)
  const groups = root.get('groups', true)
  if (!isSeq(groups)) {
    at((groups as Node) ?? root, 'groups: must be a list')
    return { rules, skipped, problems }
  }
  const names = new Set<string>()
  for (const g of groups.items) {
    if (!isMap(g)) {
      at(g as Node, 'a group is a mapping with name: and rules:')
      continue
    }
    unknownFields(g, GROUP_KEYS, 'a group')
    const name = g.get('name')
    if (typeof name !== 'string' || !name) at(g, 'a group needs a name')
    else if (names.has(name)) at(g.get('name', true) as Node, `group name ${name} is repeated`)
    else names.add(name)
    const list = g.get('rules', true)
    if (!isSeq(list)) {
      at((list as Node) ?? g, 'rules: must be a list')
      continue
    }
    for (const r of list.items) {
      if (!isMap(r)) {
        at(r as Node, 'a rule is a mapping')
        continue
      }
      unknownFields(r, RULE_KEYS, 'a rule')
      const plain = r.toJSON() as Record<string, unknown>
      if (typeof plain.record === 'string') {
        if (plain.alert !== undefined) at(r, 'a rule is either alert: or record:, not both')
        skipped.push({ name: plain.record, reason: 'a recording rule: Lookout evaluates alerting rules only' })
        continue
      }
      if (typeof plain.alert !== 'string') {
        at(r, 'a rule needs alert: (or record:)')
        continue
      }
      if (typeof plain.expr !== 'string' || !plain.expr.trim()) {
        at(r, `${plain.alert}: expr: is required`)
        continue
      }
      const dur = (field: 'for' | 'keep_firing_for'): number => {
        const v = plain[field]
        if (v === undefined) return 0
        const s = typeof v === 'string' ? parsePromDuration(v) : null
        if (s === null) at(r.get(field, true) as Node, `${plain.alert}: ${field}: ${JSON.stringify(v)} is not a duration (like 5m)`)
        return s ?? 0
      }
      const labels = stringMap(plain.labels, (m) => at(r.get('labels', true) as Node, `${plain.alert}: labels: ${m}`))
      const annotations = stringMap(plain.annotations, (m) => at(r.get('annotations', true) as Node, `${plain.alert}: annotations: ${m}`))
      const sev = labels.severity?.toLowerCase()
      const severity = sev === 'critical' || sev === 'page' ? 'critical' : sev === 'info' || sev === 'none' ? 'info' : 'warning'
      delete labels.severity
      const input: AlertRuleInput = {
        name: plain.alert,
        watch: { kind: 'promql', expr: plain.expr },
        forS: dur('for'),
        keepFiringForS: dur('keep_firing_for'),
        severity,
        labels,
        summary: annotations.summary ?? '',
        description: annotations.description ?? '',
        ...(annotations.runbook_url ? { runbookUrl: annotations.runbook_url } : {})
      }
      const parsed = AlertRule.safeParse(input)
      if (!parsed.success) at(r, `${plain.alert}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
      else rules.push(parsed.data)
    }
  }
  return problems.length ? { rules: [], skipped, problems } : { rules, skipped, problems }
}

function stringMap(v: unknown, fail: (m: string) => void): Record<string, string> {
  if (v === undefined || v === null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) {
    fail('must be a mapping of names to strings')
    return {}
  }
  const out: Record<string, string> = {}
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string' && typeof x !== 'number' && typeof x !== 'boolean') fail(`${k} must be a string`)
    else out[k] = String(x)
  }
  return out
}
