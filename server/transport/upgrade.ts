/**
 * The HTTP upgrade to `/sync/<docId>`: everything is checked before a WebSocket opens (path,
 * document id, browser origin, connections per address, identity and role); a refused request
 * gets an HTTP error with a JSON body and a closed socket.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import type { WebSocket, WebSocketServer } from 'ws'
import { Close } from '../../shared/protocol.js'
import { SCHEMA_PARAM } from '../../shared/schema-version.js'
import { isDocId } from '../../shared/validate.js'
import type { LiveAccess, LiveConnection } from '../auth/live.js'
import { principalName, type Access, type AccessPolicy } from '../auth/policy.js'
import { can, type Role } from '../auth/roles.js'
import type { Concurrency } from '../auth/rate-limit.js'
import type { Registry } from '../docs/registry.js'
import { HttpError } from '../http/respond.js'
import type { Metrics } from '../metrics.js'
import { Session, type SessionContext } from '../sync/session.js'
import { Connection, type ConnectionOptions } from './connection.js'
import type { Heartbeat } from './heartbeat.js'
import { appOutdated, clientAddress, originAllowed } from './request.js'

/** Path prefix of the sync endpoint. */
export const SYNC_PATH = '/sync/'

/** What the upgrade handler needs. */
export interface UpgradeContext {
  readonly wss: WebSocketServer
  readonly registry: Registry
  readonly heartbeat: Heartbeat
  readonly connection: ConnectionOptions
  readonly session: SessionContext
  readonly log: Logger
  readonly metrics: Metrics
  /** True once shutdown began: new connections are refused with 503. */
  readonly closing: () => boolean
  readonly policy: AccessPolicy
  readonly live: LiveAccess
  /** Open connections per client address. */
  readonly perAddress: Concurrency
  /** Browser origins allowed besides the server's own. */
  readonly origins: readonly string[]
  /** Whether the Host a request names is ours (null: any is). */
  readonly hostAllowed: ((host: string | undefined) => boolean) | null
  readonly trustProxy: boolean
  /** The document schema version the app must edit with (PROTOCOL.md D2). */
  readonly appSchema: number
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  503: 'Service Unavailable',
}

/** Answers an upgrade request with an HTTP error and closes the socket. */
export function refuse(socket: Duplex, status: number, message: string): void {
  const body = JSON.stringify({ error: message })
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}

/** The document id named by an upgrade path, or an HTTP error. */
export function docIdFromPath(rawUrl: string | undefined): { docId: string } | { status: number; error: string } {
  const path = (rawUrl ?? '/').split('?', 1)[0]!
  if (!path.startsWith(SYNC_PATH)) return { status: 404, error: `no WebSocket endpoint at ${path}; use ${SYNC_PATH}<docId>` }
  const docId = path.slice(SYNC_PATH.length)
  if (!isDocId(docId)) return { status: 400, error: 'document ids are 1 to 64 characters of A-Z a-z 0-9 _ -' }
  return { docId }
}

/**
 * Wires an accepted WebSocket to its session, liveness and access tracking. A function of its own
 * so the closures that live as long as the connection do not keep the upgrade request alive.
 */
function attach(ctx: UpgradeContext, ws: WebSocket, docId: string, access: Access, role: Role, ip: string, release: () => void): void {
  const conn = new Connection(ws, ctx.connection)
  const started = Date.now()
  const who = principalName(access.principal)
  const session = new Session(conn, ctx.registry.open(docId), ctx.session, { readOnly: !can(role, 'write') })
  // open mode has nothing to revoke or expire: no tracking per connection
  const live: LiveConnection | null = ctx.policy.mode === 'open' ? null : { docId, access, role, close: (code) => session.close(code) }
  if (live) ctx.live.add(live)
  ctx.metrics.connectionsOpened.inc()
  ctx.heartbeat.add(conn)
  ctx.log.info({ doc: docId, ip, who, role }, 'connection open')
  ws.once('close', (code: number) => {
    ctx.heartbeat.delete(conn)
    if (live) ctx.live.remove(live)
    release()
    ctx.log.info({ doc: docId, ip, who, code, ms: Date.now() - started }, 'connection closed')
  })
}

/** A listener counting socket errors; built out here so it does not capture the request. */
function countSocketErrors(metrics: Metrics) {
  return (err: Error) => metrics.errors.inc({ kind: (err as { code?: string }).code ?? 'socket-error' })
}

/** Gives back a per-address slot once. */
function releaser(perAddress: Concurrency, ip: string): () => void {
  let released = false
  return () => {
    if (!released) perAddress.release(ip)
    released = true
  }
}

/** Answers an upgrade request with an error, counting it. */
function deny(ctx: UpgradeContext, socket: Duplex, status: number, message: string): void {
  ctx.metrics.errors.inc({ kind: `upgrade-${status}` })
  refuse(socket, status, message)
}

/**
 * Opens and at once closes (4426) a connection from an app older than the server's schema: a
 * close code, unlike an HTTP refusal, reaches the page, which stops and asks for a reload.
 * Nothing of the document is sent, so who asks does not matter.
 */
function turnAway(ctx: UpgradeContext, req: IncomingMessage, socket: Duplex, head: Buffer, docId: string, schema: string | null): void {
  ctx.metrics.errors.inc({ kind: 'app-outdated' })
  ctx.log.info({ doc: docId, schema }, 'outdated app turned away')
  ctx.wss.handleUpgrade(req, socket, head, (ws) => ws.close(Close.AppOutdated.code, Close.AppOutdated.reason))
}

/** Identifies the requester, checks their role, and completes or refuses the upgrade. */
async function admit(ctx: UpgradeContext, req: IncomingMessage, url: URL, socket: Duplex, head: Buffer, docId: string, ip: string, release: () => void) {
  let access: Access
  try {
    access = await ctx.policy.identify(req, url)
  } catch (err) {
    release()
    if (err instanceof HttpError) return deny(ctx, socket, err.status, err.message)
    ctx.log.error({ err, doc: docId }, 'identifying an upgrade request failed')
    return deny(ctx, socket, 503, 'could not check access right now')
  }
  const role = ctx.policy.roleFor(access, docId)
  if (role === null) {
    release()
    if (access.principal.kind === 'anonymous') return deny(ctx, socket, 401, 'sign in to open this document')
    return deny(ctx, socket, 403, 'you have no access to this document')
  }
  if (socket.destroyed) return release()
  // the check above may have waited for the store while a shutdown began: its rooms are closed
  // and it waits for no new one, whose load would then run against a closing store
  if (ctx.closing()) {
    release()
    return deny(ctx, socket, 503, 'server is shutting down')
  }
  ctx.wss.handleUpgrade(req, socket, head, (ws) => attach(ctx, ws, docId, access, role, ip, release))
}

/** Creates the 'upgrade' listener for the HTTP server. */
export function createUpgradeHandler(ctx: UpgradeContext) {
  const onSocketError = countSocketErrors(ctx.metrics)
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', onSocketError)
    const target = docIdFromPath(req.url)
    if ('status' in target) return deny(ctx, socket, target.status, target.error)
    if (ctx.closing()) return deny(ctx, socket, 503, 'server is shutting down')
    if (ctx.hostAllowed && !ctx.hostAllowed(req.headers.host)) return deny(ctx, socket, 421, `this server does not answer to ${req.headers.host}`)
    if (!originAllowed(req, ctx.origins)) return deny(ctx, socket, 403, `origin ${req.headers.origin} may not open connections here`)
    const ip = clientAddress(req, ctx.trustProxy)
    if (!ctx.perAddress.acquire(ip)) return deny(ctx, socket, 429, 'too many open connections from your address')
    const release = releaser(ctx.perAddress, ip)
    // the slot goes back when the connection ends, however it ends: ws refuses a bad handshake
    // (version, key, a socket already gone) with 400 without calling back
    socket.once('close', release)
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (appOutdated(req, url, ctx.appSchema)) return turnAway(ctx, req, socket, head, target.docId, url.searchParams.get(SCHEMA_PARAM))
    void admit(ctx, req, url, socket, head, target.docId, ip, release)
  }
}
