/**
 * Client-side routes: `/` is the document list, `/d/<docId>` a document (`?share=<secret>` when
 * opened through a share link; the secret stays in the address while on that document).
 * `parseRoute` is pure; `Router` ties it to the History API and tells listeners when the route
 * changes.
 */
import { ObservableV2 } from 'lib0/observable'
import { isDocId } from '../shared/validate.js'

/** A screen of the app. */
export type Route =
  | { readonly name: 'list' }
  | { readonly name: 'doc'; readonly docId: string; readonly share?: string }
  | { readonly name: 'not-found'; readonly path: string }

/** A share link secret as the server accepts it (server/auth/policy.ts). */
const SHARE_SECRET = /^[A-Za-z0-9_-]{1,128}$/

/** The route for a path name and its query string. */
export function parseRoute(pathname: string, search = ''): Route {
  if (pathname === '/' || pathname === '') return { name: 'list' }
  const m = /^\/d\/([^/]+)\/?$/.exec(pathname)
  if (m) {
    let id: string
    try {
      id = decodeURIComponent(m[1]!)
    } catch {
      return { name: 'not-found', path: pathname }
    }
    if (isDocId(id)) {
      const share = new URLSearchParams(search).get('share')
      return share && SHARE_SECRET.test(share) ? { name: 'doc', docId: id, share } : { name: 'doc', docId: id }
    }
  }
  return { name: 'not-found', path: pathname }
}

/** The path of a document's editor, with a share link's secret when given. */
export function docPath(docId: string, share?: string | null): string {
  return `/d/${encodeURIComponent(docId)}${share ? `?share=${encodeURIComponent(share)}` : ''}`
}

/** Events of a Router. */
export type RouterEvents = {
  change: (route: Route) => void
}

/** The current route, following history navigation. */
export class Router extends ObservableV2<RouterEvents> {
  private current: Route
  private readonly onPop = () => this.sync()

  constructor(private readonly win: Window = window) {
    super()
    this.current = parseRoute(win.location.pathname, win.location.search)
    win.addEventListener('popstate', this.onPop)
  }

  /** The current route. */
  get route(): Route {
    return this.current
  }

  /** The current path with its query string. */
  get path(): string {
    return this.win.location.pathname + this.win.location.search
  }

  /** Navigates to a same-origin path; `replace` does not add a history entry. */
  go(path: string, { replace = false } = {}): void {
    if (path === this.win.location.pathname + this.win.location.search) return
    if (replace) this.win.history.replaceState(null, '', path)
    else this.win.history.pushState(null, '', path)
    this.sync()
    this.win.scrollTo(0, 0)
  }

  private sync(): void {
    this.current = parseRoute(this.win.location.pathname, this.win.location.search)
    this.emit('change', [this.current])
  }

  override destroy(): void {
    this.win.removeEventListener('popstate', this.onPop)
    super.destroy()
  }
}
