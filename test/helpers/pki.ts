import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * A throw-away CA and certificates made with openssl in `dir`: servers `good` for 127.0.0.1 and
 * localhost and `wrong` for another name, and `client` (CN=postgres, client authentication) for
 * servers that ask for one. Files: ca.pem, good.pem/.key, wrong.pem/.key, client.pem/.key.
 */
export function makePki(dir: string): {
  ca: string
  good: { cert: string; key: string }
  wrong: { cert: string; key: string }
  client: { cert: string; key: string }
  /** For `localhost` by name only: checked against 127.0.0.1 it fails. */
  named: { cert: string; key: string }
} {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Lookout Test CA')
  for (const [name, cn, ext] of [
    ['good', 'good', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['wrong', 'wrong', 'subjectAltName=DNS:wrong.example'],
    // PostgreSQL's `cert` authentication maps the certificate's CN to the role.
    ['client', 'postgres', 'extendedKeyUsage=clientAuth'],
    ['named', 'localhost', 'subjectAltName=DNS:localhost']
  ]) {
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`)
    writeFileSync(join(dir, `${name}.ext`), `${ext}\n`)
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
  return {
    ca: f('ca.pem'),
    good: { cert: f('good.pem'), key: f('good.key') },
    wrong: { cert: f('wrong.pem'), key: f('wrong.key') },
    client: { cert: f('client.pem'), key: f('client.key') },
    named: { cert: f('named.pem'), key: f('named.key') }
  }
}
