/**
 * Facts about an incoming request that depend on deployment: the client's address (direct, or
 * from X-Forwarded-For behind a trusted proxy), whether a browser's Origin may talk to us,
 * whether the name it was sent to (Host) is ours, and whether it comes from an outdated app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { SCHEMA_PARAM } from '../../shared/schema-version.js'
import { isLoopback } from '../config.js'

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

/**
 * True for a browser connection (it has an Origin, which originAllowed checked) that edits with
 * a document schema older than `required`, or names none: an app cached from before an upgrade
 * (PROTOCOL.md D2). The server's own origin and those of --origin alike: behind a proxy that
 * rewrites Host, the app's own origin is one of --origin. Clients without an Origin (Node,
 * scripts) are not asked.
 */
export function appOutdated(req: IncomingMessage, url: URL, required: number): boolean {
  if (req.headers.origin === undefined) return false
  const stated = url.searchParams.get(SCHEMA_PARAM)
  return stated === null || !/^\d{1,9}$/.test(stated) || Number(stated) < required
}

/** True for a host name that names this machine: localhost (and *.localhost), 127.x.x.x, [::1]. */
function isLoopbackName(hostname: string): boolean {
  // as a URL names them: an IPv6 address in brackets
  return isLoopback(hostname) || hostname.endsWith('.localhost') || hostname === '[::1]'
}

/**
 * A check of the Host header for a server only this machine can reach (bound to loopback, no
 * trusted proxy in front): loopback names and the hosts of the configured origins pass. A page
 * whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its own name as Host, and
 * its Origin matches that Host, so without this it could use an open-mode server as its own.
 */
export function loopbackHostCheck(origins: readonly string[]): (host: string | undefined) => boolean {
  const extra = new Set(origins.map((o) => new URL(o).host))
  return (host) => {
    // no Host: HTTP/1.0, never a browser
    if (host === undefined) return true
    if (extra.has(host)) return true
    try {
      return isLoopbackName(new URL(`http://${host}`).hostname)
    } catch {
      return false
    }
  }
}

/**
 * Lifts the idle timeout of a request's connection once the whole request is in. The timeout is
 * for clients that send nothing; while the server works on the answer the client has nothing to
 * send, and an import waiting its turn for the file worker (a minute at most) had its connection
 * reset while the document was created all the same. A body still may not pause for longer than
 * the timeout: it goes only once the body has arrived. After the answer Node puts its
 * keep-alive timeout on the connection.
 */
export function liftIdleTimeout(req: IncomingMessage, res: ServerResponse): void {
  const bodiless = req.headers['transfer-encoding'] === undefined && (req.headers['content-length'] ?? '0') === '0'
  if (bodiless) req.socket.setTimeout(0)
  // a body read after the answer (Node drains what a handler left unread) must not lift the
  // keep-alive timeout Node has set by then
  else req.once('end', () => res.writableEnded || req.socket.setTimeout(0))
}
