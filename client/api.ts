/**
 * The browser's clients of the server's JSON API: documents (/api/docs), sharing
 * (/api/docs/:id/access) and accounts (/api/auth). Every request carries what the page has to
 * prove who it is: the CSRF token on state-changing calls (the session cookie travels by itself),
 * a bearer token in token mode, and a share link's secret on calls about that document.
 * Errors carry the server's message so the UI can show it as is.
 */

/** A person's role on one document (server/auth/roles.ts). */
export type Role = 'owner' | 'editor' | 'viewer'

/** A role that can be given to someone else or to a link. */
export type GrantableRole = 'editor' | 'viewer'

/** A document as the API lists it; `role` is the caller's (always present from this server). */
export interface DocSummary {
  readonly id: string
  readonly title: string
  readonly createdAt: number
  readonly updatedAt: number
  readonly role?: Role | null
  /** In a search that found it by its text, not its title: the words around the match. */
  readonly snippet?: string
}

/** A share link as its document's owner sees it; `url` is a path with the `share` parameter. */
export interface ShareLinkInfo {
  readonly id: string
  readonly role: GrantableRole
  readonly createdAt: number
  readonly url: string
}

/** Who has access to a document. `links` is empty unless the caller owns it. */
export interface DocAccess {
  readonly role: Role
  readonly owner: string
  readonly members: ReadonlyArray<{ readonly username: string; readonly role: Role }>
  readonly links: readonly ShareLinkInfo[]
}

/** The signed-in account (in token mode: the token's subject and name). */
export interface AccountUser {
  readonly id: string
  readonly username: string
  readonly admin: boolean
}

/** How the server runs (`open`, `accounts` or `token`). */
export type AuthMode = 'open' | 'accounts' | 'token'

/** GET /api/auth/me. */
export interface Me {
  readonly mode: AuthMode
  readonly signup: 'open' | 'closed'
  readonly user: AccountUser | null
  readonly csrf: string | null
}

/** A failed API call: `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    private readonly unreachable = status === 0,
    /** Seconds the server asked to wait before sending again (its Retry-After), when it did. */
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'ApiError'
  }

  /**
   * True when the server was unreachable, not when it refused: no network, or a gateway's 502,
   * 503 or 504 standing in for it (a reverse proxy while Tandem is down).
   */
  get offline(): boolean {
    return this.unreachable
  }
}

/**
 * The error for a failed answer: the server's own message when it sent one; a gateway's 502,
 * 503 or 504 page (no Tandem JSON) means the server is not there, as without a network.
 */
function answerError(status: number, payload: unknown, retryAfter: string | null = null): ApiError {
  const message = (payload as { error?: unknown } | null)?.error
  const seconds = retryAfter !== null && /^\d{1,6}$/.test(retryAfter.trim()) ? Number(retryAfter) : null
  if (typeof message === 'string') return new ApiError(status, sentence(message), false, seconds)
  if (status === 502 || status === 503 || status === 504) return new ApiError(status, 'The server cannot be reached right now. Try again in a moment.', true)
  return new ApiError(status, `The server answered ${status}.`)
}

/** What the page presents to prove who it is (read before every request). */
export interface RequestCredentials {
  /** The login session's CSRF token (accounts mode, signed in). */
  readonly csrf?: string | null
  /** A JWT from the embedding application (token mode). */
  readonly token?: string | null
}

/** Options of an API client. */
export interface ApiOptions {
  /** Current credentials; read at every request. */
  readonly credentials?: () => RequestCredentials
  /** Called when a documents call is answered 401 (signed out, or a token that expired). */
  readonly onUnauthorized?: (error: ApiError) => void
  /** Awaited before a state-changing call (lets the credentials catch up after an offline start). */
  readonly beforeChange?: () => Promise<void>
}

/** Per-call options. */
export interface CallOptions {
  readonly signal?: AbortSignal
  /** A share link's secret, sent as X-Tandem-Share. */
  readonly share?: string | null
  /** The answer is bytes (a Uint8Array), not JSON; errors are JSON as ever. */
  readonly bytes?: boolean
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** The request headers for a call: JSON, CSRF on state-changing calls, bearer token, share link. */
export function requestHeaders(method: string, hasBody: boolean, credentials: RequestCredentials, share?: string | null): Record<string, string> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (hasBody) headers['Content-Type'] = 'application/json'
  if (UNSAFE.has(method) && credentials.csrf) headers['X-CSRF-Token'] = credentials.csrf
  if (credentials.token) headers.Authorization = `Bearer ${credentials.token}`
  if (share) headers['X-Tandem-Share'] = share
  return headers
}

/** A request body sent as it is with its own media type (a file to import), not as JSON. */
export class RawBody {
  constructor(
    readonly data: Blob | string,
    readonly type: string,
  ) {}
}

/** A stored version of a document: the whole document at `time` (ms since 1970). */
export interface DocVersion {
  readonly seq: number
  readonly time: number
}

/** Shared request plumbing of the API clients. */
class ApiClient {
  constructor(
    private readonly base: string,
    private readonly fetchImpl: typeof fetch,
    private readonly options: ApiOptions,
  ) {}

  /** Sends one request; `reportUnauthorized` passes a 401 to the `onUnauthorized` hook. */
  protected async call<T>(method: string, path: string, body?: unknown, call: CallOptions = {}, reportUnauthorized = false): Promise<T> {
    if (UNSAFE.has(method)) await this.options.beforeChange?.()
    let res: Response
    try {
      const raw = body instanceof RawBody ? body : null
      const headers = requestHeaders(method, body !== undefined && raw === null, this.options.credentials?.() ?? {}, call.share)
      if (raw) headers['Content-Type'] = raw.type
      res = await this.fetchImpl(`${this.base}/api${path}`, {
        method,
        headers,
        body: raw ? raw.data : body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        signal: call.signal,
      })
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      throw new ApiError(0, 'The server cannot be reached. Check your connection.')
    }
    if (res.status === 204) return undefined as T
    if (res.ok && call.bytes) return new Uint8Array(await res.arrayBuffer()) as T
    let payload: unknown = null
    try {
      payload = await res.json()
    } catch {
      // not JSON (a proxy's error page): fall through with the status
    }
    if (!res.ok) {
      const error = answerError(res.status, payload, res.headers.get('Retry-After'))
      if (res.status === 401 && reportUnauthorized) this.options.onUnauthorized?.(error)
      throw error
    }
    return payload as T
  }
}

/** A server message as a sentence: capital first letter, final full stop. */
export function sentence(message: string): string {
  const text = message.trim()
  if (!text) return text
  const first = text[0]!.toUpperCase() + text.slice(1)
  return /[.!?]$/.test(first) ? first : `${first}.`
}

const doc = (id: string) => `/docs/${encodeURIComponent(id)}`

/** Times an image upload is sent while the server says it is busy (503 with Retry-After). */
const UPLOAD_ATTEMPTS = 30

/** Resolves after `ms`; rejects when `signal` aborts. */
function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** The document and sharing API. */
export class DocsApi extends ApiClient {
  constructor(base = '', fetchImpl: typeof fetch = (...args) => fetch(...args), options: ApiOptions = {}) {
    super(base, fetchImpl, options)
  }

  /** Documents the caller may open, most recently edited first; `query` keeps those whose title or text holds it. */
  async list(query = '', signal?: AbortSignal): Promise<DocSummary[]> {
    const q = query.trim()
    const { docs } = await this.call<{ docs: DocSummary[] }>('GET', `/docs${q ? `?q=${encodeURIComponent(q)}` : ''}`, undefined, { signal }, true)
    return docs
  }

  /** Creates a document (the caller owns it). */
  create(title = ''): Promise<DocSummary> {
    return this.call('POST', '/docs', { title }, {}, true)
  }

  /**
   * Creates a document holding a Markdown, web page or plain text file (by its extension: .md,
   * .markdown, .mdown and .mkd are Markdown, .html and .htm web pages, the server converts them
   * all). The server titles it after the file's own title, or its name.
   */
  importFile(file: File): Promise<DocSummary> {
    const type = /\.(md|markdown|mdown|mkd)$/i.test(file.name) ? 'text/markdown' : /\.html?$/i.test(file.name) ? 'text/html' : 'text/plain'
    return this.call('POST', `/docs?filename=${encodeURIComponent(file.name)}`, new RawBody(file, `${type}; charset=utf-8`), {}, true)
  }

  /**
   * Uploads an image into a document (editors and owners): the file as it is, PNG, JPEG, GIF or
   * WebP. Resolves with its site-relative URL; the same bytes uploaded again give the same one.
   */
  async uploadImage(id: string, image: Blob, options: CallOptions = {}): Promise<{ name: string; url: string; type: string; size: number }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.call('POST', `${doc(id)}/images`, new RawBody(image, image.type), options, true)
      } catch (err) {
        // the server takes a few uploads at a time and tells the rest when to send again (503,
        // Retry-After): ten images pasted at once all arrive, a few at a time
        if (!(err instanceof ApiError) || err.status !== 503 || err.retryAfter === null || attempt >= UPLOAD_ATTEMPTS) throw err
        // spread a little, so that the uploads told to wait do not all come back together
        await wait(err.retryAfter * 1000 * (1 + Math.random() / 2), options.signal)
      }
    }
  }

  /** A document's stored versions, newest first (editors and owners). */
  async versions(id: string, options: CallOptions = {}): Promise<DocVersion[]> {
    const { versions } = await this.call<{ versions: DocVersion[] }>('GET', `${doc(id)}/versions`, undefined, options, true)
    return versions
  }

  /** One version of a document: the whole document as it was, one Yjs update. */
  version(id: string, seq: number, options: CallOptions = {}): Promise<Uint8Array> {
    return this.call('GET', `${doc(id)}/versions/${seq}`, undefined, { ...options, bytes: true }, true)
  }

  /** One document with the caller's role; rejects with 404 when it does not exist or is not theirs. */
  get(id: string, options: CallOptions = {}): Promise<DocSummary> {
    return this.call('GET', doc(id), undefined, options, true)
  }

  /** Renames a document (open editors see the new title at once). */
  rename(id: string, title: string, options: CallOptions = {}): Promise<DocSummary> {
    return this.call('PATCH', doc(id), { title }, options, true)
  }

  /** Deletes a document for everyone. */
  remove(id: string): Promise<void> {
    return this.call('DELETE', doc(id), undefined, {}, true)
  }

  /** Who has access to a document (accounts mode). */
  access(id: string, options: CallOptions = {}): Promise<DocAccess> {
    return this.call('GET', `${doc(id)}/access`, undefined, options, true)
  }

  /** Gives `username` a role on a document, or changes it (owners only). */
  setMember(id: string, username: string, role: GrantableRole): Promise<{ username: string; role: GrantableRole }> {
    return this.call('PUT', `${doc(id)}/access/members/${encodeURIComponent(username)}`, { role }, {}, true)
  }

  /** Changes the role of someone who is a member (owners only); 404 when they no longer are. */
  changeMember(id: string, username: string, role: GrantableRole): Promise<{ username: string; role: GrantableRole }> {
    return this.call('PATCH', `${doc(id)}/access/members/${encodeURIComponent(username)}`, { role }, {}, true)
  }

  /** Takes a member's access away (owners; or members themselves). */
  removeMember(id: string, username: string): Promise<void> {
    return this.call('DELETE', `${doc(id)}/access/members/${encodeURIComponent(username)}`, undefined, {}, true)
  }

  /** Creates a share link granting `role` to whoever holds it (owners only). */
  createLink(id: string, role: GrantableRole): Promise<ShareLinkInfo> {
    return this.call('POST', `${doc(id)}/access/links`, { role }, {}, true)
  }

  /** Revokes a share link; sockets opened with it close at once. */
  revokeLink(id: string, linkId: string): Promise<void> {
    return this.call('DELETE', `${doc(id)}/access/links/${encodeURIComponent(linkId)}`, undefined, {}, true)
  }
}

/** The account API (/api/auth). Its 401s are answers (a wrong password), never "sign in again". */
export class AuthApi extends ApiClient {
  constructor(base = '', fetchImpl: typeof fetch = (...args) => fetch(...args), options: ApiOptions = {}) {
    super(base, fetchImpl, options)
  }

  /** The server's mode and who this page is signed in as. */
  me(signal?: AbortSignal): Promise<Me> {
    return this.call('GET', '/auth/me', undefined, { signal })
  }

  /** Creates an account and signs in (sets the session cookie). */
  signUp(username: string, password: string): Promise<{ user: AccountUser; csrf: string }> {
    return this.call('POST', '/auth/signup', { username, password })
  }

  /** Signs in (sets the session cookie). */
  signIn(username: string, password: string): Promise<{ user: AccountUser; csrf: string }> {
    return this.call('POST', '/auth/login', { username, password })
  }

  /** Signs out; the session's open documents close. */
  signOut(): Promise<void> {
    return this.call('POST', '/auth/logout')
  }

  /** Changes the password; every other session of the account ends. */
  changePassword(current: string, next: string): Promise<void> {
    return this.call('POST', '/auth/password', { current, next })
  }

  /** Creates an account for someone else (the admin only). */
  createUser(username: string, password: string): Promise<{ user: AccountUser }> {
    return this.call('POST', '/auth/users', { username, password })
  }
}
