import { readFile, writeFile } from 'node:fs/promises'
import type { RuleFileCheck, RuleTestResult } from '../../shared/alert-rules'
import { cliCore } from './one-shot'

type IO = { out(s: string): void; err(s: string): void }

/** Exit codes: 0 done (nothing fires, the file is fine), 1 a rule fires or the file has problems, 2 refused or bad arguments. */
export const RULES_EXIT = { done: 0, found: 1, refused: 2 } as const

const exitFor = (code: string) => (code === 'unavailable' || code === 'internal' ? RULES_EXIT.found : RULES_EXIT.refused)

/**
 * `lookout rules export|check|test|import`, as promtool's `check rules` and `test rules` are to a
 * Prometheus server: export a profile's rules as a rule file, check a rule file as Lookout reads
 * it, evaluate a profile's rules once and say what would fire, import a team's rule file into a
 * profile (its rules then run on the profile's Prometheus). Each is one core request.
 */
export async function rulesCommand(
  verb: 'export' | 'check' | 'test' | 'import',
  o: { profile?: string; out?: string; file?: string; json?: boolean; timeout?: number; dataDir: string },
  io: IO
): Promise<number> {
  const command = `lookout rules ${verb}`
  let text = ''
  if (verb === 'check' || verb === 'import') {
    try {
      text = await readFile(o.file!, 'utf8')
    } catch (err) {
      io.err(`${command}: cannot read ${o.file}: ${(err as Error).message}\n`)
      return RULES_EXIT.refused
    }
  }
  const core = await cliCore(o.dataDir, io, command)
  if (!core) return RULES_EXIT.refused
  try {
    if (verb === 'export') {
      const r = await core.dispatch('alerts.exportRules', { profile: o.profile })
      if (!r.ok) {
        io.err(`${command}: ${r.error.message}\n`)
        return exitFor(r.error.code)
      }
      const {
        text: file,
        exported,
        skipped
      } = r.result as { text: string; exported: string[]; skipped: { name: string; reason: string }[] }
      if (o.out) await writeFile(o.out, file)
      else io.out(file)
      io.err(`${exported.length} rule(s) exported${o.out ? ` to ${o.out}` : ''}; check with: promtool check rules FILE\n`)
      for (const s of skipped) io.err(`not exported: ${s.name}: ${s.reason}\n`)
      return RULES_EXIT.done
    }
    if (verb === 'check' || verb === 'import') {
      // Both read the file the same way; import then keeps its rules, when it has no problem.
      const r =
        verb === 'check'
          ? await core.dispatch('alerts.checkRules', { text })
          : await core.dispatch('alerts.importRules', { profile: o.profile, text })
      if (!r.ok) {
        io.err(`${command}: ${r.error.message}\n`)
        return exitFor(r.error.code)
      }
      const c = r.result as RuleFileCheck
      for (const p of c.problems) io.err(`${o.file}:${p.line}:${p.column}: ${p.message}\n`)
      for (const s of c.skipped) io.out(`skipped ${s.name}: ${s.reason}\n`)
      if (c.problems.length) {
        if (verb === 'import') io.err(`${command}: nothing imported\n`)
        return RULES_EXIT.found
      }
      if (verb === 'import') io.out(`imported into ${o.profile}: ${c.rules.join(', ') || '(no alerting rule)'}\n`)
      else {
        io.out(`${o.file}: ${c.rules.length} alerting rule(s) read: ${c.rules.join(', ') || '(none)'}\n`)
        io.out('The PromQL itself is checked where it runs: promtool check rules, or the profile’s Prometheus on import.\n')
      }
      return RULES_EXIT.done
    }
    const r = await core.dispatch('alerts.testRules', { profile: o.profile, ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}) })
    if (!r.ok) {
      io.err(`${command}: ${r.error.message}\n`)
      return exitFor(r.error.code)
    }
    const results = r.result as RuleTestResult[]
    if (o.json) io.out(JSON.stringify(results) + '\n')
    else
      for (const x of results) {
        const value = x.value === null ? 'no data' : String(Number(x.value.toPrecision(4)))
        const instance = Object.entries(x.labels)
          .filter(([k]) => k !== 'alertname' && k !== 'target')
          .map(([k, v]) => `${k}=${v}`)
          .join(',')
        io.out(
          `${x.holds ? 'FIRES' : 'ok   '} ${x.severity.padEnd(8)} ${x.rule} on ${x.target}${instance ? ` {${instance}}` : ''}: ${value}${x.holds ? ` (after for ${x.forS} s): ${x.summary}` : ''}\n`
        )
      }
    return results.some((x) => x.holds) ? RULES_EXIT.found : RULES_EXIT.done
  } finally {
    await core.close()
  }
}
