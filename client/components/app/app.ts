/**
 * `<tandem-app>`: the application shell. Owns the router, the access state (AuthStore), the
 * local identity and the API client and provides them to every component through @lit/context;
 * shows the document list at `/` and a document at `/d/<docId>`. In accounts mode it shows the
 * sign-in screen in place of the page while nobody is signed in (or when the API says 401), so
 * signing in lands where the person was going; in token mode it explains a missing or refused
 * token. Same-origin links anywhere inside (even in shadow roots) navigate without a page load.
 *
 * While the app runs it sends, in the background, changes this browser kept for documents that
 * are not open (../../collab/background-sync.ts): at start, when the network comes back, and
 * after leaving a document.
 *
 * A `token` in the address (token mode) is taken into this tab's sessionStorage and removed from
 * the address bar, so it is not copied along with the address or kept in the history.
 *
 * Slots: none. Events: none. CSS parts: `header`, `main`.
 */
import { ContextProvider } from '@lit/context'
import { html, LitElement, nothing } from 'lit'
import { keyed } from 'lit/directives/keyed.js'
import { DocsApi } from '../../api.js'
import { AuthStore, LINK_REFUSED, screenFor, tokenFromSearch, withoutToken, type AuthState, type Screen } from '../../auth.js'
import { BackgroundSync } from '../../collab/background-sync.js'
import { PendingDocs } from '../../collab/pending.js'
import { apiContext, authContext, identityContext, routerContext } from '../../context.js'
import { IdentityStore } from '../../identity.js'
import { Router, type Route } from '../../router.js'
import { syncUrl } from '../doc-editor/doc-editor.js'
import { icons } from '../icons.js'
import { appStyles } from './app.styles.js'

export class TandemApp extends LitElement {
  static override styles = appStyles
  static override properties = {
    route: { state: true },
    authState: { state: true },
    signingIn: { state: true },
  }

  declare route: Route
  declare authState: AuthState
  /** The person asked to sign in from a page that does not need it (a share link). */
  declare signingIn: boolean
  /** The router (public for tests and the dev console). */
  readonly router: Router
  readonly identity: IdentityStore
  readonly auth: AuthStore
  readonly api: DocsApi
  /** Sends changes kept in this browser for documents that are not open (public for tests). */
  readonly background: BackgroundSync

  constructor() {
    super()
    this.auth = new AuthStore()
    const token = tokenFromSearch(location.search)
    if (token) {
      this.auth.adoptToken(token)
      history.replaceState(history.state, '', location.pathname + withoutToken(location.search) + location.hash)
    }
    this.router = new Router()
    this.identity = new IdentityStore()
    this.api = new DocsApi('', undefined, {
      credentials: () => this.auth.credentials,
      onUnauthorized: (error) => void this.auth.unauthorized(error.message),
      beforeChange: () => this.auth.refreshIfStale(),
    })
    this.background = new BackgroundSync({ pending: new PendingDocs(), api: this.api, auth: this.auth, serverUrl: syncUrl() })
    this.route = this.router.route
    this.authState = this.auth.state
    this.signingIn = false
    new ContextProvider(this, { context: routerContext, initialValue: this.router })
    new ContextProvider(this, { context: identityContext, initialValue: this.identity })
    new ContextProvider(this, { context: authContext, initialValue: this.auth })
    new ContextProvider(this, { context: apiContext, initialValue: this.api })
  }

  private readonly onRoute = (route: Route) => {
    this.route = route
    this.signingIn = false
    // the document just left may hold changes the server has not confirmed
    this.background.run()
  }

  private readonly onAuth = (state: AuthState) => {
    if (state.user && state.user.id !== this.authState.user?.id) this.signingIn = false
    this.authState = state
    this.identity.useAccount(state.user?.username ?? null)
    // the mode became known, or someone signed in: their pending changes can go
    this.background.run()
  }

  /** What the main area shows now. */
  get screen(): Screen {
    if (this.signingIn && this.authState.mode === 'accounts' && !this.authState.user) return { name: 'sign-in', message: null }
    return screenFor(this.route, this.authState, this.router.path)
  }

  /** Same-origin link clicks become history navigation. */
  private readonly onClick = (event: MouseEvent) => {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
    const anchor = event.composedPath().find((n): n is HTMLAnchorElement => n instanceof HTMLAnchorElement && n.hasAttribute('href'))
    if (!anchor || (anchor.target && anchor.target !== '_self') || anchor.hasAttribute('download')) return
    // links inside the document text are content, not navigation
    if (anchor.closest('.ProseMirror')) return
    const url = new URL(anchor.href, location.href)
    if (url.origin !== location.origin) return
    event.preventDefault()
    this.router.go(url.pathname + url.search)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.router.on('change', this.onRoute)
    this.auth.on('change', this.onAuth)
    this.addEventListener('click', this.onClick)
    void this.auth.load()
    this.background.start()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.router.off('change', this.onRoute)
    this.auth.off('change', this.onAuth)
    this.removeEventListener('click', this.onClick)
    this.background.stop()
  }

  protected override updated(): void {
    const screen = this.screen.name
    if (screen === 'sign-in') document.title = 'Sign in · Tandem'
    else if (screen === 'token-missing') document.title = 'Access needed · Tandem'
    else if (screen === 'loading') document.title = 'Tandem'
    else if (this.route.name === 'list') document.title = 'Documents · Tandem'
    else if (this.route.name === 'not-found') document.title = 'Not found · Tandem'
  }

  private renderMain() {
    const screen = this.screen
    switch (screen.name) {
      case 'loading':
        return html`<p class="loading" aria-busy="true">Loading…</p>`
      case 'sign-in':
        return html`${this.renderLinkUndelivered(screen.message)}<tandem-sign-in
          .message=${screen.message}
          .signup=${this.authState.signup}
          ?cancellable=${this.signingIn}
          @cancel=${() => (this.signingIn = false)}
        ></tandem-sign-in>`
      case 'token-missing':
        return html`<section class="notice" role="alert">
          <h1>This page needs an access token</h1>
          ${screen.message ? html`<p><strong>${screen.message}</strong></p>` : nothing}
          <p>
            This Tandem server lets people in through another application, which opens documents for them with a
            short-lived access token. Go back to that application and open the document from there again.
          </p>
        </section>`
      default:
        return this.renderRoute()
    }
  }

  /**
   * A share link that stopped working replaces its document with the sign-in screen: what its
   * visitor wrote there and could not send is offered above it.
   */
  private renderLinkUndelivered(message: string | null) {
    const route = this.route
    if (message !== LINK_REFUSED || route.name !== 'doc') return nothing
    return html`<tandem-undelivered class="undelivered" doc-id=${route.docId}></tandem-undelivered>`
  }

  private renderRoute() {
    const route = this.route
    switch (route.name) {
      case 'list':
        // a new list after each sign-in (here or in another tab): it shows that account's documents
        return keyed(this.authState.epoch, html`<tandem-doc-list></tandem-doc-list>`)
      case 'doc':
        // a new editor (and session) per document, per link, and after each sign-in
        return keyed(
          `${route.docId}\n${route.share ?? ''}\n${this.authState.epoch}`,
          html`<tandem-doc-editor doc-id=${route.docId} .share=${route.share ?? null}></tandem-doc-editor>`,
        )
      default:
        return html`<section class="not-found">
          <h1>Page not found</h1>
          <p>There is nothing at <code>${route.path}</code>.</p>
          <p><a href="/">Go to your documents</a></p>
        </section>`
    }
  }

  override render() {
    return html`
      <a class="skip" href="#main" @click=${(e: Event) => this.skip(e)}>Skip to content</a>
      <header part="header">
        <a class="brand" href="/" aria-label="Tandem: all documents">
          <span class="logo" aria-hidden="true">${icons.doc}</span>
          <span class="name">Tandem</span>
        </a>
        ${this.route.name === 'doc' ? html`<a class="all" href="/">${icons.back}<span>All documents</span></a>` : nothing}
        <span class="spacer"></span>
        ${this.renderAccount()}
      </header>
      <main id="main" part="main" tabindex="-1">${this.renderMain()}</main>
    `
  }

  private renderAccount() {
    const state = this.authState
    const screen = this.screen.name
    if (state.mode === 'accounts' && !state.user) {
      // a share link's visitor: a name for presence, and a way to sign in
      if (screen !== 'route') return nothing
      return html`<tandem-identity></tandem-identity>
        <button class="sign-in" @click=${() => (this.signingIn = true)}>Sign in</button>`
    }
    if (screen === 'token-missing' || screen === 'loading') return nothing
    return html`<tandem-identity></tandem-identity>`
  }

  private skip(event: Event): void {
    event.preventDefault()
    event.stopPropagation()
    this.renderRoot.querySelector<HTMLElement>('main')?.focus()
  }
}
