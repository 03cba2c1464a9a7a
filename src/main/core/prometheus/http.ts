import { errorMessage } from '../collector'
import { isSecretQueryParam } from '../profiles/secrets'

/** What Prometheus 2.42 sends when it scrapes, so exporters answer Lookout as they answer it. */
export const SCRAPE_ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'

/** Largest body Lookout reads from one endpoint: a hostile or broken one cannot exhaust memory. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024

/** A URL without its user info and with secret query parameters masked, for messages and the UI. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    u.username = ''
    u.password = ''
    for (const k of [...u.searchParams.keys()]) if (isSecretQueryParam(k)) u.searchParams.set(k, '***')
    return u.toString()
  } catch {
    return '(invalid URL)'
  }
}

/** TLS failures that mean "no trusted CA signed this": the fix is the endpoint's CA file. */
const UNTRUSTED_CERT = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY'
])

export function describeHttpError(err: unknown, url: string): string {
  const e = err as { cause?: { code?: string; message?: string } }
  const code = e?.cause?.code
  let msg = errorMessage(err)
  if (code === 'ECONNREFUSED') msg = 'connection refused (is it running and listening?)'
  else if (code === 'ENOTFOUND') msg = 'host not found'
  else if (e?.cause?.message && msg === 'fetch failed') msg = e.cause.message
  if (code && UNTRUSTED_CERT.has(code)) msg += ' (the certificate is not signed by a CA Lookout trusts: give the endpoint its CA file)'
  return `${redactUrl(url)}: ${msg}`
}

/** Reads a body up to `limit` bytes, failing clearly past it instead of buffering without end. */
export async function readBodyLimited(res: Response, limit = MAX_BODY_BYTES): Promise<string> {
  return (await readBodyBytes(res, limit)).toString('utf8')
}

/** The same, as bytes: a /metrics page is decoded by `decodeExposition`, which refuses invalid UTF-8 as Prometheus does. */
export async function readBodyBytes(res: Response, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) throw new Error(`response of ${declared} bytes exceeds the ${limit}-byte limit`)
  if (!res.body) return Buffer.alloc(0)
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new Error(`response exceeds the ${limit}-byte limit`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks)
}

export function authHeaders(url: string): Record<string, string> {
  const u = new URL(url)
  if (!u.username && !u.password) return {}
  const user = decodeURIComponent(u.username)
  const pass = decodeURIComponent(u.password)
  return { authorization: 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64') }
}

export function stripCredentials(url: string): string {
  const u = new URL(url)
  u.username = ''
  u.password = ''
  return u.toString()
}
