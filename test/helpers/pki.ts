import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A throw-away CA and two server certificates made with openssl in `dir`: `good` for
 * 127.0.0.1 and localhost, `wrong` for another name. Files: ca.pem, good.pem/.key, wrong.pem/.key.
 */
export function makePki(dir: string): { ca: string; good: { cert: string; key: string }; wrong: { cert: string; key: string } } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Lookout Test CA')
  for (const [name, san] of [
    ['good', 'IP:127.0.0.1,DNS:localhost'],
    ['wrong', 'DNS:wrong.example']
  ]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\n`)
    ssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '2',
      '-extfile',
      `${name}.ext`
    )
  }
  const f = (n: string) => join(dir, n)
  return { ca: f('ca.pem'), good: { cert: f('good.pem'), key: f('good.key') }, wrong: { cert: f('wrong.pem'), key: f('wrong.key') } }
}
