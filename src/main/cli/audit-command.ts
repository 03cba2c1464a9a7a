import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { AUDIT_FILE, verifyAuditText } from '../core/audit/audit-log'

type IO = { out(s: string): void; err(s: string): void }

/**
 * `lookout audit verify`: checks the hash chain of the audit log. Exit 0 when every chained line
 * follows the one before it, 1 naming the first line altered or after which lines were removed,
 * 2 when there is no log to read.
 */
export async function auditVerify(o: { dataDir: string; file?: string; json: boolean }, io: IO): Promise<number> {
  const path = o.file ?? join(o.dataDir, AUDIT_FILE)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    io.err(`lookout audit verify: cannot read ${path}: ${(err as Error).message}\n`)
    return 2
  }
  const v = verifyAuditText(text)
  if (o.json) io.out(JSON.stringify({ file: path, ...v }) + '\n')
  else if (v.ok)
    io.out(
      `${path}: ${v.lines} lines, ${v.chained} chained, intact${v.lines > v.chained ? ` (${v.lines - v.chained} from before the chain)` : ''}\n`
    )
  else io.out(`${path}:${v.firstBad!.line}: ${v.firstBad!.reason}\n`)
  return v.ok ? 0 : 1
}
