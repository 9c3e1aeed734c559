/**
 * A minimal router over node:http: routes are a method, a path pattern with `:name` segments,
 * and a handler. Errors become JSON answers; anything unexpected is a logged 500.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import { HttpError, json } from './respond.js'

/** Path parameters and the parsed URL of a request. */
export interface RouteContext {
  readonly params: Record<string, string>
  readonly url: URL
}

/** Handles one request. */
export type Handler = (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => unknown

interface Route {
  readonly method: string
  readonly name: string
  readonly pattern: RegExp
  readonly keys: string[]
  readonly handler: Handler
}

/** Routes requests by method and path. */
export class Router {
  private readonly routes: Route[] = []
  private fallback: Handler | null = null

  constructor(
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** Adds a route; `path` may hold `:name` segments matching one path segment each. */
  add(method: string, path: string, handler: Handler): this {
    const keys: string[] = []
    const source = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, key: string) => {
      keys.push(key)
      return '([^/]+)'
    })
    this.routes.push({ method, name: path, pattern: new RegExp(`^${source}$`), keys, handler })
    return this
  }

  /** Handles requests no route matched (static files). */
  otherwise(handler: Handler): this {
    this.fallback = handler
    return this
  }

  /** The request listener for http.createServer. */
  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    let url: URL
    try {
      // a target starting with '/' is a path: resolved against a base, //x/metrics would be host
      // x's /metrics, which a proxy guarding /metrics lets through; the absolute form stays as is
      const target = req.url ?? '/'
      url = target.startsWith('/') ? new URL(`http://localhost${target}`) : new URL(target)
    } catch {
      return json(res, 400, { error: 'malformed URL' })
    }
    let route: Route | undefined
    let params: Record<string, string> = {}
    // what the path takes, for the Allow header a 405 must carry (RFC 9110 15.5.6)
    const allowed: string[] = []
    for (const r of this.routes) {
      const m = r.pattern.exec(url.pathname)
      if (!m) continue
      allowed.push(r.method)
      if (r.method === 'GET') allowed.push('HEAD')
      if (r.method !== req.method && !(r.method === 'GET' && req.method === 'HEAD')) continue
      try {
        params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]))
      } catch {
        return json(res, 400, { error: 'malformed percent-encoding in the path' })
      }
      route = r
      break
    }
    const pathMatched = allowed.length > 0
    const name = route?.name ?? (pathMatched ? 'method-not-allowed' : 'other')
    res.once('finish', () => this.metrics.httpRequests.inc({ route: name, status: String(res.statusCode) }))
    const handler: Handler | null = route
      ? route.handler
      : pathMatched
        ? () => {
            throw new HttpError(405, `${req.method} is not allowed here`, { Allow: [...new Set(allowed)].join(', ') })
          }
        : this.fallback
    if (!handler) return json(res, 404, { error: `nothing at ${url.pathname}` })
    Promise.resolve()
      .then(() => handler(req, res, { params, url }))
      .catch((err: unknown) => {
        if (res.headersSent) {
          res.destroy()
          return
        }
        if (err instanceof HttpError) return json(res, err.status, { error: err.message }, err.headers)
        this.metrics.errors.inc({ kind: 'http-500' })
        this.log.error({ err, path: url.pathname }, 'request failed')
        json(res, 500, { error: 'internal error' })
      })
  }
}
