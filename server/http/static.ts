/**
 * Serves the browser app built by Vite (dist/client): `/` and `/d/<docId>` get index.html with
 * `Cache-Control: no-cache`; hashed files under /assets/ are immutable for a year; anything else
 * in the build (sw.js, favicon) is revalidated. Correct content types, ETags, gzip or brotli for
 * text, HEAD, no path traversal, no dotfiles. Unknown /api paths answer 404 in JSON; other
 * unknown pages get the app (status 404) so it can say "not found" itself.
 */
import { existsSync } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname, join, posix, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { brotliCompress, constants as zlib, gzip } from 'node:zlib'
import { isDocId } from '../../shared/validate.js'
import { HttpError, json } from './respond.js'
import type { Handler, RouteContext } from './router.js'

/** Content types by file extension. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
}

/** Cache-Control of content-hashed files. */
export const IMMUTABLE = 'public, max-age=31536000, immutable'
/** Cache-Control of everything that keeps its name across builds. */
export const REVALIDATE = 'no-cache'

const COMPRESSIBLE = /^(text\/|application\/(json|manifest\+json|wasm)|image\/svg\+xml)/

/** The repository root (the nearest folder with package.json above this module), or null. */
function findRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
    if (dirname(dir) === dir) return null
  }
}

/** Where the build lives: `dist/client` of the repository, for both source and compiled server. */
export function defaultClientRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  return join(findRoot(here) ?? resolve(here, '../../..'), 'dist', 'client')
}

/** A file read into memory, with its compressed forms made on first use. */
interface CachedFile {
  readonly mtimeMs: number
  readonly size: number
  readonly body: Buffer
  readonly etag: string
  gzip?: Promise<Buffer>
  br?: Promise<Buffer>
}

// in the thread pool: brotli at quality 9 takes 0.3 s for the app's bundle and seconds for less
// regular text, which on the event loop would stall every relayed keystroke that long
const brotliAsync = promisify(brotliCompress)
const gzipAsync = promisify(gzip)

/** Options of the static handler. */
export interface StaticOptions {
  /** The folder holding index.html and assets/ (dist/client). */
  readonly root: string
}

/** The Content-Security-Policy of the app page; `host` (the Host header) names the sync socket. */
export function contentSecurityPolicy(host: string | undefined): string {
  const safeHost = host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? host : null
  const sockets = safeHost ? ` ws://${safeHost} wss://${safeHost}` : ''
  return [
    "default-src 'self'",
    "script-src 'self'",
    // y-prosemirror draws remote selections with inline style attributes
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    `connect-src 'self'${sockets}`,
    "font-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/**
 * True when an Accept-Encoding header takes `coding`: named, or matched by `*`, without q=0.
 * q=0 means "not this one" (RFC 9110 12.5.3): a client sent bytes it cannot decode gets no app.
 */
function acceptsEncoding(accept: string, coding: string): boolean {
  let star = false
  for (const part of accept.toLowerCase().split(',')) {
    const [name, ...params] = part.split(';').map((s) => s.trim())
    const q = params.find((p) => p.startsWith('q='))
    const ok = q === undefined || Number(q.slice(2)) > 0
    if (name === coding) return ok
    if (name === '*') star = ok
  }
  return star
}

/** True for the paths the app routes itself: `/` and `/d/<docId>`. */
export function isAppRoute(pathname: string): boolean {
  if (pathname === '/') return true
  const m = /^\/d\/([^/]+)\/?$/.exec(pathname)
  if (!m) return false
  try {
    return isDocId(decodeURIComponent(m[1]!))
  } catch {
    return false
  }
}

/** Creates the fallback handler that serves the built app. */
export function createStaticHandler(options: StaticOptions): Handler {
  const root = resolve(options.root)
  const cache = new Map<string, CachedFile>()

  /** The file at `full`, from memory when unchanged on disk; null when there is no such file. */
  async function load(full: string): Promise<CachedFile | null> {
    let info
    try {
      info = await stat(full)
    } catch {
      return null
    }
    if (!info.isFile()) return null
    const cached = cache.get(full)
    if (cached && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached
    const body = await readFile(full)
    const file: CachedFile = { mtimeMs: info.mtimeMs, size: body.length, body, etag: `W/"${body.length.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"` }
    cache.set(full, file)
    return file
  }

  /** The file's bytes in the best encoding the client accepts. */
  async function encode(file: CachedFile, type: string, accept: string): Promise<{ body: Buffer; encoding?: string }> {
    if (file.size < 1024 || !COMPRESSIBLE.test(type)) return { body: file.body }
    if (acceptsEncoding(accept, 'br')) {
      file.br ??= brotliAsync(file.body, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: file.size } })
      return { body: await file.br, encoding: 'br' }
    }
    if (acceptsEncoding(accept, 'gzip')) {
      file.gzip ??= gzipAsync(file.body, { level: 9 })
      return { body: await file.gzip, encoding: 'gzip' }
    }
    return { body: file.body }
  }

  async function send(req: IncomingMessage, res: ServerResponse, file: CachedFile, type: string, status: number, headers: Record<string, string>): Promise<void> {
    const common: Record<string, string> = {
      'Content-Type': type,
      ETag: file.etag,
      Vary: 'Accept-Encoding',
      'X-Content-Type-Options': 'nosniff',
      ...headers,
    }
    if (status === 200 && req.headers['if-none-match'] === file.etag) {
      res.writeHead(304, common)
      res.end()
      return
    }
    const { body, encoding } = await encode(file, type, String(req.headers['accept-encoding'] ?? ''))
    res.writeHead(status, { ...common, 'Content-Length': String(body.length), ...(encoding ? { 'Content-Encoding': encoding } : {}) })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  async function sendApp(req: IncomingMessage, res: ServerResponse, status: number): Promise<void> {
    const index = await load(join(root, 'index.html'))
    if (!index) throw new HttpError(503, 'the browser app is not built: run `npm run build` (or `npm start`, which builds it)')
    await send(req, res, index, CONTENT_TYPES['.html']!, status, {
      'Cache-Control': REVALIDATE,
      'Content-Security-Policy': contentSecurityPolicy(req.headers.host),
      'Referrer-Policy': 'no-referrer',
      'X-Frame-Options': 'DENY',
    })
  }

  return async (req: IncomingMessage, res: ServerResponse, ctx: RouteContext) => {
    const pathname = ctx.url.pathname
    if (pathname === '/api' || pathname.startsWith('/api/')) return json(res, 404, { error: `no API endpoint at ${pathname}` })
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, `${req.method} is not allowed here`, { Allow: 'GET, HEAD' })
    if (isAppRoute(pathname) || pathname === '/index.html') return sendApp(req, res, 200)

    let decoded: string
    try {
      decoded = decodeURIComponent(pathname)
    } catch {
      throw new HttpError(400, 'malformed percent-encoding in the path')
    }
    // no NUL, no backslashes (Windows separators), no dotfiles or '..' anywhere
    const segments = decoded.split('/')
    const bad = decoded.includes('\0') || decoded.includes('\\') || segments.some((s) => s.startsWith('.'))
    const relative = posix.normalize(decoded)
    const full = join(root, relative)
    if (!bad && (full === root || full.startsWith(root + sep))) {
      const file = await load(full)
      if (file) {
        const ext = posix.extname(relative).toLowerCase()
        const type = CONTENT_TYPES[ext] ?? 'application/octet-stream'
        const cacheControl = relative.startsWith('/assets/') ? IMMUTABLE : REVALIDATE
        const extra: Record<string, string> = { 'Cache-Control': cacheControl }
        if (relative === '/sw.js') extra['Service-Worker-Allowed'] = '/'
        return send(req, res, file, type, 200, extra)
      }
    }
    // an unknown page: the app says "not found" in its own words; other clients get JSON
    if (String(req.headers.accept ?? '').includes('text/html')) return sendApp(req, res, 404)
    json(res, 404, { error: `nothing at ${pathname}` })
  }
}
