import { isIP } from 'node:net'
import { checkServerIdentity, type PeerCertificate } from 'node:tls'

/**
 * A query parameter of Lookout's own, set on a URL rewritten to an SSH tunnel's local end: the
 * server's real name, which its certificate must name (the client connects to 127.0.0.1). Read
 * and removed before anything is sent; never shown.
 */
export const TLS_NAME_PARAM = 'lookout_tls_name'

/** The URL's real server name for TLS, and the URL without the parameter. */
export function takeTlsName(url: string): { url: string; tlsName: string | null } {
  const u = new URL(url)
  const tlsName = u.searchParams.get(TLS_NAME_PARAM)
  if (tlsName === null) return { url, tlsName: null }
  u.searchParams.delete(TLS_NAME_PARAM)
  return { url: u.toString(), tlsName }
}

/** TLS options that check the certificate against `name` (SNI only for a name, never an address, RFC 6066). */
export function tlsIdentity(name: string): {
  servername?: string
  checkServerIdentity: (host: string, cert: PeerCertificate) => Error | undefined
} {
  return {
    ...(isIP(name) ? {} : { servername: name }),
    checkServerIdentity: (_host, cert) => checkServerIdentity(name, cert)
  }
}
