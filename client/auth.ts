/**
 * Who this page is to the server: the server's mode (open, accounts, token), the signed-in
 * account and its CSRF token (accounts mode), or the JWT the embedding application handed over
 * in the URL (token mode). `AuthStore` keeps that state, signs in and out, and decides, with the
 * pure `screenFor`, whether the app shows a page or the sign-in screen.
 */
import { ObservableV2 } from 'lib0/observable'
import { ROLES_KEY } from './access.js'
import { ApiError, AuthApi, type AccountUser, type AuthMode, type Me, type RequestCredentials, type Role } from './api.js'
import type { KeyValueStore } from './identity.js'
import { PENDING_KEY, UNDELIVERED_KEY } from './collab/pending.js'
import type { Route } from './router.js'
import { webStorage } from './web-storage.js'

/** sessionStorage key of the token-mode JWT (kept per tab, out of the address bar). */
export const TOKEN_KEY = 'tandem.token'
/** localStorage key of the last answer of /api/auth/me (without its CSRF token), for offline starts. */
export const ME_KEY = 'tandem.me'
/**
 * localStorage key a tab changes when it signs in: the browser's session cookie is then a new
 * session, whose CSRF token the other tabs must learn before their next change is accepted.
 */
export const SIGNED_IN_KEY = 'tandem.signed-in'

/** What the app knows about the page's access. `mode` is null until the server (or a cache) said. */
export interface AuthState {
  readonly mode: AuthMode | null
  readonly signup: 'open' | 'closed'
  readonly user: AccountUser | null
  /** Why the page must sign in again (a 401's message), while it still holds. */
  readonly refused: { readonly message: string; readonly path: string } | null
  /** Counts sign-ins: screens keyed on it start afresh with the new account. */
  readonly epoch: number
}

/** What the app shows instead of (or as) the route. */
export type Screen =
  | { readonly name: 'loading' }
  | { readonly name: 'route' }
  | { readonly name: 'sign-in'; readonly message: string | null }
  | { readonly name: 'token-missing'; readonly message: string | null }

/**
 * The screen for `route` given `state`, and `path` (pathname + search) of the page. Accounts mode
 * without an account shows the sign-in screen, except on a document opened through a share link
 * (until that link is refused). Token mode without a valid token explains where tokens come from.
 */
export function screenFor(route: Route, state: AuthState, path: string): Screen {
  if (state.mode === null) return { name: 'loading' }
  if (state.mode === 'open') return { name: 'route' }
  const refused = state.refused && state.refused.path === path ? state.refused.message : null
  if (state.mode === 'token') {
    if (state.user && refused === null) return { name: 'route' }
    return { name: 'token-missing', message: refused || null }
  }
  if (state.user && refused === null) return { name: 'route' }
  const viaLink = !state.user && route.name === 'doc' && !!route.share
  if (viaLink && refused === null) return { name: 'route' }
  // a link that stopped working: say so rather than repeat the server's "sign in"
  return { name: 'sign-in', message: viaLink ? LINK_REFUSED : refused || null }
}

/** Shown on the sign-in screen when a share link was refused. */
export const LINK_REFUSED = 'The link you opened does not work (any more): it may have been revoked. If you have an account, sign in.'

/** The `token` query parameter of a URL's search, if any. */
export function tokenFromSearch(search: string): string | null {
  const token = new URLSearchParams(search).get('token')
  return token && token.trim() ? token.trim() : null
}

/** `search` without its `token` parameter ('' or '?...'). */
export function withoutToken(search: string): string {
  const params = new URLSearchParams(search)
  params.delete('token')
  const rest = params.toString()
  return rest ? `?${rest}` : ''
}

/** The claims of a JWT, read without checking its signature (for UI decisions only; the server checks). */
export function tokenClaims(token: string | null): { name?: unknown; exp?: unknown; docs?: unknown } | null {
  const payload = token?.split('.')[1]
  if (!payload) return null
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='))
    const claims = JSON.parse(decodeURIComponent(escape(json))) as unknown
    return claims && typeof claims === 'object' ? (claims as Record<string, unknown>) : null
  } catch {
    return null
  }
}

/** The role a token grants on `docId` (its own entry, else "*"), read from its claims; null when none. */
export function tokenRole(token: string | null, docId: string): Role | null {
  const docs = tokenClaims(token)?.docs as Record<string, unknown> | undefined
  if (!docs || typeof docs !== 'object') return null
  const role = Object.prototype.hasOwnProperty.call(docs, docId) ? docs[docId] : docs['*']
  return role === 'owner' || role === 'editor' || role === 'viewer' ? role : null
}

/** Whether the page may create documents: anyone in open mode, an account, or a token granting "*" write. */
export function canCreate(state: Pick<AuthState, 'mode' | 'user'>, token: string | null): boolean {
  if (state.mode === null || state.mode === 'open') return true
  if (state.mode === 'accounts') return state.user !== null
  const docs = tokenClaims(token)?.docs as Record<string, unknown> | undefined
  const star = docs && typeof docs === 'object' ? docs['*'] : undefined
  return star === 'owner' || star === 'editor'
}

/** A role in words, for lists and badges. */
export function roleLabel(role: Role): string {
  return role === 'owner' ? 'Owner' : role === 'editor' ? 'Editor' : 'Viewer'
}

/** Events of an AuthStore. */
export type AuthEvents = {
  /** The mode, the account or the refusal changed. */
  change: (state: AuthState) => void
}

/** Where an AuthStore keeps things and how it reaches the server. */
export interface AuthStoreOptions {
  readonly api?: AuthApi
  /** Per tab: the token-mode JWT. */
  readonly session?: KeyValueStore & Pick<Storage, 'removeItem'> | null
  /** Per browser: the last known mode and account, for starting offline. */
  readonly local?: KeyValueStore | null
  readonly window?: Window | null
}

/** The page's access state, observable. */
export class AuthStore extends ObservableV2<AuthEvents> {
  private state_: AuthState = { mode: null, signup: 'closed', user: null, refused: null, epoch: 0 }
  private csrf: string | null = null
  private token_: string | null = null
  /** The state came from the cache (offline start): ask the server again when the network is back. */
  private stale = false
  private loading: Promise<void> | null = null
  readonly api: AuthApi
  private readonly session: (KeyValueStore & Pick<Storage, 'removeItem'>) | null
  private readonly local: KeyValueStore | null
  private readonly win: Window | null
  private readonly onOnline = () => {
    if (this.stale) void this.load()
  }
  private readonly onStorage = (event: StorageEvent) => {
    if (event.key === SIGNED_IN_KEY && event.newValue) void this.signedInElsewhere()
  }

  constructor(options: AuthStoreOptions = {}) {
    super()
    this.win = options.window === undefined ? (typeof window === 'undefined' ? null : window) : options.window
    this.session = options.session === undefined ? webStorage('sessionStorage') : options.session
    this.local = options.local === undefined ? webStorage('localStorage') : options.local
    this.api = options.api ?? new AuthApi('', undefined, { credentials: () => this.credentials })
    try {
      this.token_ = this.session?.getItem(TOKEN_KEY) ?? null
    } catch {
      this.token_ = null
    }
    this.win?.addEventListener('online', this.onOnline)
    this.win?.addEventListener('storage', this.onStorage)
  }

  /** The current state. */
  get state(): AuthState {
    return this.state_
  }

  /** The token-mode JWT, if the page has one. */
  get token(): string | null {
    return this.token_
  }

  /** What API requests and the sync socket present. */
  get credentials(): RequestCredentials {
    return { csrf: this.csrf, token: this.token_ }
  }

  /** Takes a token from the page's URL (token mode); it replaces any earlier one of this tab. */
  adoptToken(token: string | null): void {
    if (!token) return
    this.token_ = token
    try {
      this.session?.setItem(TOKEN_KEY, token)
    } catch {
      // storage refused: the token lasts for this page
    }
  }

  private forgetToken(): void {
    this.token_ = null
    try {
      this.session?.removeItem(TOKEN_KEY)
    } catch {
      // nothing stored
    }
  }

  private set(change: Partial<AuthState>): void {
    this.state_ = { ...this.state_, ...change }
    this.emit('change', [this.state_])
  }

  private remember(me: Me): void {
    try {
      this.local?.setItem(ME_KEY, JSON.stringify({ mode: me.mode, signup: me.signup, user: me.user }))
    } catch {
      // not remembered: an offline start shows what open mode shows
    }
  }

  private cached(): Pick<AuthState, 'mode' | 'signup' | 'user'> | null {
    try {
      const value = JSON.parse(this.local?.getItem(ME_KEY) ?? 'null') as Partial<Me> | null
      if (!value || (value.mode !== 'open' && value.mode !== 'accounts' && value.mode !== 'token')) return null
      const user = value.user && typeof value.user.username === 'string' ? value.user : null
      return { mode: value.mode, signup: value.signup === 'open' ? 'open' : 'closed', user }
    } catch {
      return null
    }
  }

  /** Takes the server's answer; `signedIn`: it follows a sign-in, which starts screens afresh even for the same account. */
  private apply(me: Me, refused: AuthState['refused'] = null, signedIn = false): void {
    this.csrf = me.csrf
    this.stale = false
    this.remember(me)
    const userChanged = me.user?.id !== this.state_.user?.id
    this.set({ mode: me.mode, signup: me.signup, user: me.user, refused, epoch: this.state_.epoch + ((userChanged || signedIn) && me.user ? 1 : 0) })
  }

  /** Another tab signed in: take the new session's token, and reopen what its sign-in closed here. */
  private async signedInElsewhere(): Promise<void> {
    try {
      this.apply(await this.api.me(), null, true)
    } catch {
      // unreachable: the next request that needs the new token asks again (through a 401 or offline)
    }
  }

  /** Asks the server again when the state came from the cache (an offline start); else nothing. */
  async refreshIfStale(): Promise<void> {
    if (this.stale) await this.load()
  }

  /** Asks the server who this page is (again). Offline, falls back to the last known answer. */
  load(): Promise<void> {
    this.loading ??= this.fetchMe().finally(() => (this.loading = null))
    return this.loading
  }

  private async fetchMe(refused: AuthState['refused'] = null): Promise<void> {
    try {
      this.apply(await this.api.me(), refused)
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && this.token_) {
        // only token mode refuses /me: an expired or invalid token. Ask again without it.
        const message = err.message
        this.forgetToken()
        return this.fetchMe({ message: tokenMessage(message), path: this.path() })
      }
      const cached = this.cached()
      this.stale = true
      this.set({ ...(cached ?? { mode: 'open', signup: 'closed', user: null }), refused })
    }
  }

  private path(): string {
    return this.win ? this.win.location.pathname + this.win.location.search : ''
  }

  /**
   * A documents call was answered 401: the session ended, the token expired, or a share link was
   * revoked. Finds out who the page is now and shows the sign-in screen (or the token message)
   * for the current page with `message`.
   */
  async unauthorized(message: string): Promise<void> {
    const token = this.state_.mode === 'token'
    // token mode without any token: the screen explains where tokens come from
    const refused = { message: token ? (this.token_ ? tokenMessage(message) : '') : message, path: this.path() }
    if (token) this.forgetToken()
    this.set({ refused })
    try {
      const me = await this.api.me()
      this.apply(me, refused)
    } catch {
      // keep showing the refusal; the server will tell more once reachable
    }
  }

  /** Creates an account and signs in; rejects with the server's message. */
  async signUp(username: string, password: string): Promise<void> {
    const { user, csrf } = await this.api.signUp(username, password)
    this.signedIn(user, csrf)
  }

  /** Signs in; rejects with the server's message. */
  async signIn(username: string, password: string): Promise<void> {
    const { user, csrf } = await this.api.signIn(username, password)
    this.signedIn(user, csrf)
  }

  private signedIn(user: AccountUser, csrf: string): void {
    this.apply({ mode: 'accounts', signup: this.state_.signup, user, csrf })
    try {
      // a new value each time: storing the same one tells the other tabs nothing
      this.local?.setItem(SIGNED_IN_KEY, `${Date.now()} ${Math.random()}`)
    } catch {
      // the other tabs' changes are refused (CSRF) until they reload
    }
  }

  /** Signs out (the server closes this session's documents) and forgets this browser's document copies. */
  async signOut(): Promise<void> {
    await this.refreshIfStale()
    await this.api.signOut()
    this.apply({ mode: this.state_.mode ?? 'accounts', signup: this.state_.signup, user: null, csrf: null })
    try {
      // roles remembered for offline starts belong to the account that signed out
      this.local?.setItem(ROLES_KEY, '{}')
      // the copies holding unconfirmed changes go below: nothing is left to send, nor to keep
      // away from the next person who signs in (PendingDocs.heldByOther)
      this.local?.setItem(PENDING_KEY, '{}')
      this.local?.setItem(UNDELIVERED_KEY, '{}')
    } catch {
      // nothing remembered
    }
    await forgetAllLocalCopies()
  }

  /** Changes the password; other sessions of the account end. Rejects with the server's message. */
  async changePassword(current: string, next: string): Promise<void> {
    await this.refreshIfStale()
    return this.api.changePassword(current, next)
  }

  /** Creates an account for someone else (admin). */
  async createUser(username: string, password: string): Promise<{ user: AccountUser }> {
    await this.refreshIfStale()
    return this.api.createUser(username, password)
  }

  override destroy(): void {
    this.win?.removeEventListener('online', this.onOnline)
    this.win?.removeEventListener('storage', this.onStorage)
    super.destroy()
  }
}

/** The sentence shown in token mode when the server refused the token. */
export function tokenMessage(serverMessage: string): string {
  const text = serverMessage.trim()
  return `Your access was refused: ${text.charAt(0).toLowerCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
}

/** Deletes every document copy this browser keeps (IndexedDB databases named `tandem:<docId>`). */
export async function forgetAllLocalCopies(): Promise<void> {
  if (typeof indexedDB === 'undefined' || typeof indexedDB.databases !== 'function') return
  try {
    const dbs = await indexedDB.databases()
    await Promise.all(
      dbs
        .filter((db) => db.name?.startsWith('tandem:'))
        .map(
          (db) =>
            new Promise<void>((resolve) => {
              const req = indexedDB.deleteDatabase(db.name!)
              req.onsuccess = req.onerror = req.onblocked = () => resolve()
            }),
        ),
    )
  } catch {
    // best effort: nothing more to do
  }
}
