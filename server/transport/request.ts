/**
 * Facts about an incoming request that depend on deployment: the client's address (direct, or
 * from X-Forwarded-For behind a trusted proxy) and whether a browser's Origin may talk to us.
 */
import type { IncomingMessage } from 'node:http'

/** The client's address: the socket's peer, or the last X-Forwarded-For hop when trusted. */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = req.headers['x-forwarded-for']
    const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((h) => h.trim()).filter(Boolean)
    // the proxy appends the address it saw; earlier entries are the client's to forge
    if (hops.length > 0) return hops[hops.length - 1]!
  }
  return req.socket.remoteAddress ?? 'unknown'
}

/** True when the request came over TLS (directly, or per X-Forwarded-Proto behind a trusted proxy). */
export function isSecure(req: IncomingMessage, trustProxy: boolean): boolean {
  if ((req.socket as { encrypted?: boolean }).encrypted) return true
  return trustProxy && String(req.headers['x-forwarded-proto'] ?? '').split(',')[0]?.trim() === 'https'
}

/**
 * True when a browser request may proceed: no Origin header (not a browser, or same-origin
 * navigation), an Origin whose host is the Host the request was sent to (our own origin), or one
 * of the configured extra origins.
 */
export function originAllowed(req: IncomingMessage, extra: readonly string[]): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  if (extra.includes(origin)) return true
  try {
    return new URL(origin).host === req.headers.host
  } catch {
    return false
  }
}
