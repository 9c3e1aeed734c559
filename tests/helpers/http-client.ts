/**
 * A cookie-keeping HTTP client for API tests (one per simulated person), plus WebSocket classes
 * that carry that person's cookie or a share link, for stock y-websocket providers and raw clients.
 */
import WebSocket from 'ws'

/** One person talking to the API: keeps the session cookie and CSRF token. */
export class Person {
  cookie = ''
  csrf = ''

  constructor(
    readonly base: string,
    readonly name = '',
  ) {}

  /**
   * Sends a request; bodies are encoded as JSON, except a string sent with a Content-Type of its
   * own (a file), which goes as it is. Returns status, parsed body and headers.
   */
  async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const raw = typeof body === 'string' && headers['Content-Type'] !== undefined && !/json/i.test(headers['Content-Type'])
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...(this.cookie ? { Cookie: this.cookie } : {}),
        ...(this.csrf ? { 'X-CSRF-Token': this.csrf } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : raw ? (body as string) : JSON.stringify(body),
    })
    const setCookie = res.headers.get('set-cookie')
    if (setCookie) this.cookie = setCookie.split(';')[0]!.endsWith('=') ? '' : setCookie.split(';')[0]!
    const text = await res.text()
    let json: any = null
    try {
      json = text ? JSON.parse(text) : null
    } catch {
      json = text
    }
    if (json && typeof json === 'object' && typeof json.csrf === 'string') this.csrf = json.csrf
    return { status: res.status, body: json, headers: res.headers }
  }

  /** Creates an account and signs in. */
  async signup(username: string, password = 'correct horse battery') {
    const r = await this.request('POST', '/api/auth/signup', { username, password })
    if (r.status !== 201) throw new Error(`signup ${username}: ${r.status} ${JSON.stringify(r.body)}`)
    return r
  }

  /** Signs in. */
  async login(username: string, password = 'correct horse battery') {
    return this.request('POST', '/api/auth/login', { username, password })
  }

  /** A WebSocket class for stock providers that sends this person's cookie. */
  webSocketClass(extraHeaders: Record<string, string> = {}): typeof WebSocket {
    const cookie = this.cookie
    return class extends WebSocket {
      constructor(url: string, protocols?: string | string[]) {
        super(url, protocols, { headers: { ...(cookie ? { Cookie: cookie } : {}), ...extraHeaders } })
      }
    } as typeof WebSocket
  }
}

/** Tries a WebSocket upgrade; resolves with the HTTP status of a refusal or 101 when it opened. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}, options: WebSocket.ClientOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...options })
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      res.resume()
      ws.terminate()
    })
    ws.on('error', (err) => reject(err))
  })
}
