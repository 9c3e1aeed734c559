/**
 * `<tandem-doc-list>`: the documents this person may open (the server filters), most recently
 * edited first, with their titles, when they were last edited and (outside open mode) the
 * person's role. Create (opens the new document), rename in place (owners and editors), delete
 * after a confirmation (owners), and search by title or text. Above the list, changes made in this
 * browser that could not be sent (`<tandem-undelivered>`). Uses the API client, the access state
 * and the router from context.
 *
 * Slots: none. Events: none (navigates through the router). CSS parts: `list`, `item`.
 */
import { ContextConsumer } from '@lit/context'
import { html, LitElement, nothing } from 'lit'
import { repeat } from 'lit/directives/repeat.js'
import { MAX_TITLE_LENGTH } from '../../../shared/doc-fields.js'
import { newDocId } from '../../../shared/validate.js'
import { canDelete, canRename } from '../../access.js'
import { ApiError, type DocSummary } from '../../api.js'
import { canCreate, roleLabel } from '../../auth.js'
import { SENT_EVENT } from '../../collab/background-sync.js'
import { forgetLocalCopy } from '../../collab/session.js'
import { apiContext, authContext, routerContext } from '../../context.js'
import { docPath } from '../../router.js'
import type { TandemConfirmDialog } from '../confirm-dialog/confirm-dialog.js'
import { icons } from '../icons.js'
import { docListStyles } from './doc-list.styles.js'
import { absoluteTime, relativeTime } from './time.js'

/** Shown for documents without a title. */
export const UNTITLED = 'Untitled'

/** `snippet` with the first case-insensitive occurrence of `query` marked (a text match's words, from the server). */
function highlight(snippet: string, query: string) {
  const at = query ? snippet.toLowerCase().indexOf(query.toLowerCase()) : -1
  if (at < 0) return snippet
  return html`${snippet.slice(0, at)}<mark>${snippet.slice(at, at + query.length)}</mark>${snippet.slice(at + query.length)}`
}

/** Files Import offers to pick: Markdown, plain text and web pages. */
const IMPORT_ACCEPT = '.md,.markdown,.mdown,.mkd,.txt,.html,.htm,text/markdown,text/plain,text/html'

export class TandemDocList extends LitElement {
  static override styles = docListStyles
  static override properties = {
    docs: { state: true },
    query: { state: true },
    loading: { state: true },
    error: { state: true },
    renaming: { state: true },
    busy: { state: true },
    announcement: { state: true },
    now: { state: true },
  }

  declare docs: DocSummary[] | null
  declare query: string
  declare loading: boolean
  declare error: string | null
  /** The error of the last failed load of the list: Try again reloads it (another error is dismissed). */
  private listError: string | null = null
  /** Id of the document being renamed. */
  declare renaming: string | null
  /** Id of a document with a request in flight, or 'new'. */
  declare busy: string | null
  /** Polite message for screen readers (and the sighted) after an action. */
  declare announcement: string
  declare now: number

  private readonly api = new ContextConsumer(this, { context: apiContext })
  private readonly router = new ContextConsumer(this, { context: routerContext })
  private readonly auth = new ContextConsumer(this, { context: authContext })
  private searchTimer: ReturnType<typeof setTimeout> | undefined
  private inFlight: AbortController | null = null
  private clock: ReturnType<typeof setInterval> | undefined
  private readonly onVisible = () => {
    if (document.visibilityState === 'visible') void this.load()
  }
  /** Back online: "cannot be reached" is no longer true, and documents may have changed meanwhile. */
  private readonly onOnline = () => void this.load()
  /** Changes kept in this browser reached the server: a document made offline is there now. */
  private readonly onSent = () => void this.load()

  constructor() {
    super()
    this.docs = null
    this.query = ''
    this.loading = false
    this.error = null
    this.renaming = null
    this.busy = null
    this.announcement = ''
    this.now = Date.now()
  }

  override connectedCallback(): void {
    super.connectedCallback()
    document.addEventListener('visibilitychange', this.onVisible)
    window.addEventListener('online', this.onOnline)
    window.addEventListener(SENT_EVENT, this.onSent)
    // keep "5 minutes ago" true while the list stays open
    this.clock = setInterval(() => (this.now = Date.now()), 30_000)
    // the API client arrived from context in super.connectedCallback()
    void this.load()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    document.removeEventListener('visibilitychange', this.onVisible)
    window.removeEventListener('online', this.onOnline)
    window.removeEventListener(SENT_EVENT, this.onSent)
    clearInterval(this.clock)
    clearTimeout(this.searchTimer)
    this.inFlight?.abort()
  }

  /** Reloads the list for the current search. */
  async load(): Promise<void> {
    this.inFlight?.abort()
    const controller = new AbortController()
    this.inFlight = controller
    this.loading = true
    try {
      const docs = await this.api.value!.list(this.query, controller.signal)
      if (controller.signal.aborted) return
      this.docs = docs
      this.error = this.listError = null
      this.now = Date.now()
    } catch (err) {
      if (controller.signal.aborted) return
      this.error = this.listError = (err as Error).message
    } finally {
      if (this.inFlight === controller) {
        this.loading = false
        this.inFlight = null
      }
    }
  }

  private onSearch(event: InputEvent): void {
    this.query = (event.target as HTMLInputElement).value
    clearTimeout(this.searchTimer)
    this.searchTimer = setTimeout(() => void this.load(), 150)
  }

  private async create(): Promise<void> {
    if (this.busy) return
    this.busy = 'new'
    try {
      const doc = await this.api.value!.create('')
      this.router.value!.go(docPath(doc.id))
    } catch (err) {
      if (err instanceof ApiError && err.offline && this.mode === 'open') {
        // offline in open mode: a fresh id works too; the server records the document on its first sync
        this.router.value!.go(docPath(newDocId()))
        return
      }
      this.error = (err as Error).message
    } finally {
      this.busy = null
    }
  }

  private pickFile(): void {
    const input = this.renderRoot.querySelector<HTMLInputElement>('input.file')!
    input.value = ''
    input.click()
  }

  /** Creates a document holding the chosen file and opens it. */
  private async importFile(event: Event): Promise<void> {
    const file = (event.target as HTMLInputElement).files?.[0]
    if (!file || this.busy) return
    this.busy = 'import'
    this.error = null
    try {
      const doc = await this.api.value!.importFile(file)
      this.router.value!.go(docPath(doc.id))
    } catch (err) {
      this.error = `“${file.name}” was not imported: ${(err as Error).message}`
    } finally {
      this.busy = null
    }
  }

  /** The server's mode (null: not known, as in open mode). */
  private get mode() {
    return this.auth.value?.state.mode ?? null
  }

  private startRename(doc: DocSummary): void {
    this.renaming = doc.id
    this.error = null
    void this.updateComplete.then(() => {
      const input = this.renderRoot.querySelector<HTMLInputElement>(`#rename-${CSS.escape(doc.id)}`)
      input?.focus()
      input?.select()
    })
  }

  private async saveRename(doc: DocSummary, event: Event): Promise<void> {
    event.preventDefault()
    const input = this.renderRoot.querySelector<HTMLInputElement>(`#rename-${CSS.escape(doc.id)}`)
    const title = input?.value ?? ''
    if (title.trim() === doc.title) {
      this.cancelRename(doc)
      return
    }
    this.busy = doc.id
    try {
      const updated = await this.api.value!.rename(doc.id, title)
      this.docs = (this.docs ?? []).map((d) => (d.id === doc.id ? updated : d))
      this.renaming = null
      this.announcement = `Renamed to “${updated.title || UNTITLED}”.`
      this.focusItem(doc.id, '.rename')
    } catch (err) {
      this.busy = null
      if (err instanceof ApiError && (err.status === 403 || err.status === 404)) {
        // the list was stale: the document went (deleted by someone else, or in another tab), or
        // the person's role changed. Show the list as it is now, with why; the focus goes to the
        // document (or the search)
        this.renaming = null
        await this.load()
        this.error = err.status === 404 ? `“${doc.title || UNTITLED}” was deleted, so it was not renamed.` : err.message
        void this.updateComplete.then(() => {
          const link = this.renderRoot.querySelector<HTMLElement>(`li[data-id="${CSS.escape(doc.id)}"] .open`)
          ;(link ?? this.renderRoot.querySelector<HTMLElement>('#search'))?.focus()
        })
        return
      }
      this.error = (err as Error).message
      // the field was disabled while saving, which took the focus away: give it back to try again
      void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLInputElement>(`#rename-${CSS.escape(doc.id)}`)?.focus())
    } finally {
      this.busy = null
    }
  }

  private cancelRename(doc: DocSummary): void {
    this.renaming = null
    this.focusItem(doc.id, '.rename')
  }

  private focusItem(id: string, selector: string): void {
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLElement>(`li[data-id="${CSS.escape(id)}"] ${selector}`)?.focus(),
    )
  }

  private async deleteDoc(doc: DocSummary): Promise<void> {
    const dialog = this.renderRoot.querySelector<TandemConfirmDialog>('tandem-confirm-dialog')!
    const title = doc.title || UNTITLED
    const ok = await dialog.ask({
      title: 'Delete this document?',
      message: `“${title}” will be deleted for everyone, including people who have it open. This cannot be undone.`,
      confirmLabel: 'Delete',
      danger: true,
    })
    if (!ok) {
      this.focusItem(doc.id, '.delete')
      return
    }
    this.busy = doc.id
    try {
      await this.api.value!.remove(doc.id)
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 404)) {
        this.error = (err as Error).message
        this.busy = null
        return
      }
    }
    void forgetLocalCopy(doc.id)
    const index = (this.docs ?? []).findIndex((d) => d.id === doc.id)
    this.docs = (this.docs ?? []).filter((d) => d.id !== doc.id)
    this.busy = null
    this.announcement = `Deleted “${title}”.`
    const next = this.docs[Math.min(index, this.docs.length - 1)]
    if (next) this.focusItem(next.id, '.open')
    else this.renderRoot.querySelector<HTMLElement>('.new')?.focus()
  }

  private renderItem(doc: DocSummary) {
    const title = doc.title || UNTITLED
    const busy = this.busy === doc.id
    if (this.renaming === doc.id) {
      return html`<li part="item" data-id=${doc.id} class="renaming">
        <form @submit=${(e: Event) => this.saveRename(doc, e)} @keydown=${(e: KeyboardEvent) => e.key === 'Escape' && this.cancelRename(doc)}>
          <label class="visually-hidden" for="rename-${doc.id}">New title for “${title}”</label>
          <input id="rename-${doc.id}" type="text" .value=${doc.title} maxlength=${MAX_TITLE_LENGTH} placeholder=${UNTITLED} ?disabled=${busy} />
          <button class="primary" type="submit" ?disabled=${busy}>Save</button>
          <button type="button" @click=${() => this.cancelRename(doc)}>Cancel</button>
        </form>
      </li>`
    }
    // open mode: everyone owns everything, so roles say nothing
    const role = this.mode === 'open' || this.mode === null ? null : (doc.role ?? null)
    const rename = this.mode === 'open' || this.mode === null || canRename(doc.role)
    const remove = this.mode === 'open' || this.mode === null || canDelete(doc.role)
    return html`<li part="item" data-id=${doc.id} data-role=${doc.role ?? nothing} aria-busy=${busy ? 'true' : 'false'}>
      <a class="open" href=${docPath(doc.id)}>
        <span class="doc-icon" aria-hidden="true">${icons.doc}</span>
        <span class="text">
          <span class="title ${doc.title ? '' : 'untitled'}">${title}</span>
          ${doc.snippet ? html`<span class="snippet">${highlight(doc.snippet, this.query.trim())}</span>` : nothing}
          <span class="meta"
            >Edited <time datetime=${new Date(doc.updatedAt).toISOString()} title=${absoluteTime(doc.updatedAt)}>${relativeTime(doc.updatedAt, this.now)}</time
            >${role ? html`<span class="visually-hidden">, you are </span><span class="role role-${role}">${roleLabel(role)}</span>` : nothing}</span
          >
        </span>
      </a>
      <span class="actions">
        ${rename ? html`<button class="quiet rename" aria-label="Rename “${title}”" title="Rename" ?disabled=${busy} @click=${() => this.startRename(doc)}>${icons.pencil}</button>` : nothing}
        ${remove ? html`<button class="quiet delete" aria-label="Delete “${title}”" title="Delete" ?disabled=${busy} @click=${() => this.deleteDoc(doc)}>${icons.trash}</button>` : nothing}
      </span>
    </li>`
  }

  private renderBody() {
    if (this.docs === null) {
      if (this.error) return nothing
      return html`<p class="empty" aria-busy="true">Loading documents…</p>`
    }
    if (this.docs.length === 0) {
      return this.query.trim()
        ? html`<p class="empty">No document has a title or text containing “${this.query.trim()}”.</p>`
        : html`<div class="empty first">
            <p><strong>No documents yet.</strong></p>
            ${this.mode === 'accounts'
              ? html`<p>Create one and share it from the editor; documents others share with you appear here too.</p>`
              : this.mode === 'token'
                ? html`<p>Documents your access token opens appear here.</p>`
                : html`<p>Create one and share its address: everyone with the link edits it together, live.</p>`}
          </div>`
    }
    return html`<ul part="list" class="list" aria-label="Documents, most recently edited first">
      ${repeat(this.docs, (d) => d.id, (d) => this.renderItem(d))}
    </ul>`
  }

  /** Whether "New document" is offered (token mode: only with a token granting "*" write). */
  private get mayCreate(): boolean {
    const auth = this.auth.value
    return !auth || canCreate(auth.state, auth.token)
  }

  override render() {
    return html`
      <div class="page">
        <div class="head">
          <h1>Documents</h1>
          ${this.mayCreate
            ? html`<div class="create">
                <button class="import" aria-label="Import a file" title="Import a Markdown, text or web page (HTML) file as a new document" @click=${this.pickFile} ?disabled=${this.busy === 'import'}>
                  ${icons.upload}<span>${this.busy === 'import' ? 'Importing…' : 'Import'}</span>
                </button>
                <input class="file" type="file" accept=${IMPORT_ACCEPT} hidden @change=${this.importFile} />
                <button class="primary new" aria-label="New document" @click=${this.create} ?disabled=${this.busy === 'new'}>${icons.plus}<span>New document</span></button>
              </div>`
            : nothing}
        </div>
        <div class="search" role="search">
          ${icons.search}
          <label class="visually-hidden" for="search">Search documents by title or text</label>
          <input id="search" type="search" placeholder="Search titles and text" .value=${this.query} @input=${this.onSearch} autocomplete="off" />
        </div>
        ${this.error
          ? html`<div class="error" role="alert">
              <span>${this.error}</span>
              ${this.error === this.listError
                ? html`<button @click=${() => ((this.error = null), void this.load())}>Try again</button>`
                : html`<button @click=${() => (this.error = null)}>Dismiss</button>`}
            </div>`
          : nothing}
        <tandem-undelivered></tandem-undelivered>
        ${this.renderBody()}
        <p class="visually-hidden" role="status" aria-live="polite">${this.announcement}</p>
      </div>
      <tandem-confirm-dialog></tandem-confirm-dialog>
    `
  }
}
