/**
 * Small helpers for HTTP answers: JSON bodies, errors with a clear message, and reading a
 * bounded request body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'

/** An error that becomes an HTTP answer with this status and message. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
    this.name = 'HttpError'
  }
}

/** Sends `body` as JSON with `status`. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  })
  res.end(text)
}

/** Reads a request body of at most `limit` bytes; rejects with 413 beyond it. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new HttpError(413, `request body over ${limit} bytes`)
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > limit) throw new HttpError(413, `request body over ${limit} bytes`)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks)
}

/**
 * Reads and parses a JSON body; rejects with 400 when it is not UTF-8 or not JSON, 415 when not
 * declared as JSON. A leading byte-order mark is skipped (RFC 8259 section 8.1 allows it).
 */
export async function readJson(req: IncomingMessage, limit = 64 * 1024): Promise<unknown> {
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, 'send a JSON body with Content-Type: application/json')
  const body = await readBody(req, limit)
  let text: string
  try {
    // fatal: a byte that is no UTF-8 would otherwise become U+FFFD in a stored title or name
    text = utf8.decode(body)
  } catch {
    throw new HttpError(400, 'request body is not UTF-8')
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new HttpError(400, 'request body is not valid JSON')
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true })
