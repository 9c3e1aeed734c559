/**
 * `<tandem-doc-editor doc-id="...">`: one document, open for editing together. Opens a
 * DocSession (Y.Doc + y-websocket + awareness + SaveTracker + IndexedDB) and provides it to its
 * children through @lit/context; renders the header (title, connection and save status, who is
 * here, Share), the toolbar, and a ProseMirror view bound to the document with y-prosemirror.
 *
 * Outside open mode it first asks the API for this person's role (with the share link's secret,
 * or the token): a viewer gets a read-only editor (not editable, toolbar off, title read-only)
 * with a "View only" badge saying why; presence still works. When the server says the role
 * changed (close 4003), or refuses this browser's changes as read-only, it asks again and
 * switches (saying that refused changes were not saved); when access ends (4403, 4401) it says so and
 * stops. If the socket keeps failing while the network is up, it asks the API why. When the
 * server ended the session over a change from this browser (4413, 1009), the banner offers to
 * copy the text and to discard this browser's copy and reopen the document from the server.
 * Images pasted, dropped or picked upload through the API (client/editor/images.ts); what went
 * wrong with one shows in a notice under the toolbar.
 *
 * The view lives in this element's shadow root; y-prosemirror needs `ShadowRoot.createRange`,
 * which client/shims.ts installs (see DESIGN.md).
 *
 * Properties: `docId` (attribute `doc-id`), `share` (a share link's secret, or null).
 * Slots: none. Events: none. CSS parts: `header`, `title`, `page`, `banner`, `view-only`, `image-notice`.
 */
import { ContextConsumer, ContextProvider } from '@lit/context'
import { html, LitElement, nothing, type PropertyValues } from 'lit'
import { Selection, type EditorState } from 'prosemirror-state'
import { EditorView } from 'prosemirror-view'
import { ySyncPluginKey, yUndoPluginKey } from 'y-prosemirror'
import type * as Y from 'yjs'
import { MAX_TITLE_LENGTH } from '../../../shared/doc-fields.js'
import { Close } from '../../../shared/protocol.js'
import { canWrite, RoleMemory, viewOnlyReason } from '../../access.js'
import { copyToClipboard, documentText } from '../../clipboard.js'
import { ApiError, type Role } from '../../api.js'
import { tokenRole, type AuthStore } from '../../auth.js'
import { holdDocLock } from '../../collab/doc-lock.js'
import { PendingDocs, trackPending } from '../../collab/pending.js'
import { DocSession, LOCAL_ORIGIN, LocalCopyInUse } from '../../collab/session.js'
import { apiContext, authContext, identityContext, sessionContext } from '../../context.js'
import { applyInput, mapOffset, type DeltaOp } from '../../editor/title.js'
import { afterPendingInput } from '../../editor/pending-input.js'
import { OFFLINE_MESSAGE, type ImageHost } from '../../editor/images.js'
import { createEditorState, nodeViewsWith } from '../../editor/setup.js'
import type { Identity, IdentityStore } from '../../identity.js'
import { webStorage } from '../../web-storage.js'
import type { DownloadSource } from '../download-menu/download-menu.js'
import { icons } from '../icons.js'
import { versionTime, type RestoreDetail, type TandemHistoryDialog } from '../history-dialog/history-dialog.js'
import type { TandemShareDialog } from '../share-dialog/share-dialog.js'
import type { TandemToolbar } from '../toolbar/toolbar.js'
import { docEditorStyles } from './doc-editor.styles.js'

/** The sync endpoint of the server this page came from. */
export function syncUrl(loc: Pick<Location, 'protocol' | 'host'> = location): string {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/sync`
}

export class TandemDocEditor extends LitElement {
  static override styles = docEditorStyles
  static override properties = {
    docId: { attribute: 'doc-id' },
    share: { attribute: false },
    role: { state: true },
    denied: { state: true },
    editorState: { state: true },
    ended: { state: true },
    endCode: { state: true },
    loaded: { state: true },
    restored: { state: true },
    refused: { state: true },
    discarding: { state: true },
    recovery: { state: true },
    imageNotice: { state: true },
  }

  /** The document's id (attribute `doc-id`). */
  declare docId: string
  /** The secret of the share link the page was opened with, or null. */
  declare share: string | null
  /** This person's role on the document; null until known. */
  declare role: Role | null
  /** Why the document cannot be opened at all (no such document, no access), if so. */
  declare denied: string | null
  /** The close code that ended the session, if it ended. */
  declare endCode: number | null
  /** The current ProseMirror state (drives the toolbar). */
  declare editorState: EditorState | null
  /** Why the server ended the session for good, if it did. */
  declare ended: string | null
  /** The first content (local copy or server) has arrived. */
  declare loaded: boolean
  /** Said (politely) after a version was restored, or when this person's role changed live. */
  declare restored: string
  /** The server refused this browser's changes as read-only (they were not saved). */
  declare refused: boolean
  /** The local copy is being discarded (after the person asked). */
  declare discarding: boolean
  /** What became of "Copy my text" or "Discard ...", for the ended banner; null before either. */
  declare recovery: string | null
  /** Why an image could not be added (upload failed, offline, not an image); '' for nothing to say. */
  declare imageNotice: string

  /** The open session, while connected to the page. */
  session: DocSession | null = null
  /** The ProseMirror view, once rendered. */
  view: EditorView | null = null

  private readonly sessionProvider = new ContextProvider(this, { context: sessionContext, initialValue: undefined })
  private readonly api = new ContextConsumer(this, { context: apiContext })
  private readonly auth = new ContextConsumer(this, { context: authContext })
  private identityStore: IdentityStore | undefined
  private readonly onIdentity = (identity: Identity) => this.session?.setIdentity(identity)
  private readonly roles = new RoleMemory(webStorage('localStorage'))
  /** Documents with changes the server has not confirmed, sent in the background once it can. */
  private readonly pending = new PendingDocs(webStorage('localStorage'))
  /** Lets go of what startSession took: the pending tracking and the open-document lock. */
  private releaseSession: (() => void) | null = null
  /** Aborts the role request of the current document. */
  private opening: AbortController | null = null
  /** The role came from memory (offline): ask the server once it is reachable. */
  private roleUnverified = false
  /**
   * The server closed with 4003: ask for the role once more when the socket is back. A change
   * made while it was down closed nothing, and the socket opened with the role after it.
   */
  private verifyOnConnect = false
  private checking = false
  private recheck = false
  private lastCheck = 0
  /** The document `open()` was last called for (until `close()`). */
  private openedFor: string | null = null
  /** The owner's username, for the badge (once the sharing list was loaded). */
  private owner: string | null = null
  /** Focus the text once the view is mounted (it reopened from the banner, whose button is gone). */
  private focusOnMount = false
  /** Whether this opening already looked for an empty document to put the caret in its title (offerTitle). */
  private titleOffered = false

  constructor() {
    super()
    this.docId = ''
    this.share = null
    this.role = null
    this.denied = null
    this.endCode = null
    this.editorState = null
    this.ended = null
    this.loaded = false
    this.restored = ''
    this.refused = false
    this.discarding = false
    this.recovery = null
    this.imageNotice = ''
    new ContextConsumer(this, {
      context: identityContext,
      subscribe: true,
      callback: (store) => {
        this.identityStore?.off('change', this.onIdentity)
        this.identityStore = store
        store.on('change', this.onIdentity)
        this.session?.setIdentity(store.identity)
      },
    })
  }

  private readonly onStatus = () => {
    const session = this.session
    if (!session) return
    const ended = session.ended?.message ?? null
    if (ended !== this.ended) {
      this.ended = ended
      this.endCode = session.ended?.code ?? null
      this.applyEditable()
    }
    this.refused = session.refused
    if (!this.loaded && (session.localLoaded || session.connection === 'connected')) this.loaded = true
    if (session.connection === 'connected' && !this.titleOffered) {
      this.titleOffered = true
      this.offerTitle()
    }
    if (session.connection === 'connected' && this.verifyOnConnect) {
      this.verifyOnConnect = false
      void this.checkAccess()
    } else if (session.connection === 'connected' && this.roleUnverified) this.maybeCheckAccess()
    else if (session.connection !== 'connected' && !session.ended && session.provider.wsUnsuccessfulReconnects >= 3) this.maybeCheckAccess()
  }

  /**
   * A document that is still empty when it first syncs (one just made with "New document") gets
   * the caret in its title, where one starts; Enter then moves on to the body. Nothing is taken
   * from the person: only when nothing else on the page has focus.
   */
  private offerTitle(): void {
    const input = this.titleInput
    const doc = this.view?.state.doc
    if (!input || !doc || !this.writable || this.session!.title.length > 0) return
    if (doc.childCount > 1 || doc.textContent !== '' || doc.firstChild?.type.name !== 'paragraph') return
    const active = document.activeElement
    if (active !== null && active !== document.body) return
    input.focus()
  }

  /** The server closed with 4003: the role changed; ask which it is now. */
  private readonly onAccessChanged = () => {
    this.verifyOnConnect = true
    void this.checkAccess()
  }

  private readonly onBeforeUnload = (event: BeforeUnloadEvent) => {
    const session = this.session
    if (!session || session.ended || session.readOnly || !session.unsaved) return
    // changes the server has not confirmed: ask before leaving
    event.preventDefault()
    event.returnValue = ''
  }

  private readonly onTitleChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
    const value = this.session?.title.toString() ?? ''
    this.updateDocumentTitle(value)
    if (transaction.origin === LOCAL_ORIGIN) return
    const input = this.titleInput
    if (!input || input.value === value) return
    if (this.shadowRoot?.activeElement === input) {
      const delta = event.delta as DeltaOp[]
      const start = mapOffset(input.selectionStart ?? 0, delta, true)
      const end = mapOffset(input.selectionEnd ?? 0, delta, true)
      input.value = value
      input.setSelectionRange(start, end)
    } else {
      input.value = value
    }
  }

  override connectedCallback(): void {
    super.connectedCallback()
    window.addEventListener('beforeunload', this.onBeforeUnload)
    if (this.docId && this.openedFor === null) this.open()
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('beforeunload', this.onBeforeUnload)
    // the store outlives this element: its listener would keep the whole editor alive. The
    // context callback subscribes again if the element is connected again.
    this.identityStore?.off('change', this.onIdentity)
    this.identityStore = undefined
    this.close()
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('docId') && this.isConnected && this.openedFor !== this.docId) {
      this.close()
      if (this.docId) this.open()
    }
  }

  protected override updated(): void {
    if (this.session && !this.view) this.mountView()
  }

  private get authStore(): AuthStore | undefined {
    return this.auth.value
  }

  /** The server's mode (null when unknown: offline without a remembered answer). */
  private get mode() {
    return this.authStore?.state.mode ?? null
  }

  /** Finds out this person's role (outside open mode), then opens the session. */
  private open(): void {
    this.openedFor = this.docId
    this.titleOffered = false
    this.ended = null
    this.endCode = null
    this.denied = null
    this.loaded = false
    this.restored = ''
    this.refused = false
    this.discarding = false
    this.recovery = null
    this.owner = null
    const mode = this.mode
    if (mode !== 'accounts' && mode !== 'token') {
      // open mode: everyone owns everything (and offline the document opens from this browser)
      this.role = 'owner'
      this.startSession()
      return
    }
    this.role = null
    const controller = new AbortController()
    this.opening = controller
    void this.fetchRole(controller.signal).then((result) => {
      if (controller.signal.aborted || this.opening !== controller) return
      this.opening = null
      if (result.kind === 'role') {
        this.role = result.role
        this.startSession()
      } else if (result.kind === 'offline') {
        // unreachable: open from this browser's copy with the role it had last time, and ask later
        this.role = this.roles.get(this.docId, this.share) ?? 'editor'
        this.roleUnverified = true
        this.startSession()
      } else if (result.kind === 'denied') {
        this.denied = result.message
      }
      // 'unauthorized': the app shows the sign-in screen (or the token message) instead
    })
  }

  /** Asks the API for this person's role on the document. */
  private async fetchRole(signal?: AbortSignal): Promise<{ kind: 'role'; role: Role } | { kind: 'offline' } | { kind: 'denied'; message: string } | { kind: 'unauthorized' }> {
    const api = this.api.value
    if (!api) return { kind: 'offline' }
    try {
      const doc = await api.get(this.docId, { share: this.share, signal })
      const role = doc.role ?? 'viewer'
      this.roles.set(this.docId, this.share, role)
      return { kind: 'role', role }
    } catch (err) {
      if ((err as Error).name === 'AbortError') return { kind: 'offline' }
      if (!(err instanceof ApiError) || err.offline || err.status >= 500) return { kind: 'offline' }
      if (err.status === 401) return { kind: 'unauthorized' }
      if (err.status === 404 && this.mode === 'token') {
        // the token grants it but nobody has opened it yet: the first sync creates it
        const role = tokenRole(this.authStore?.token ?? null, this.docId)
        if (role) return { kind: 'role', role }
      }
      this.roles.set(this.docId, this.share, null)
      if (err.status === 404) {
        return { kind: 'denied', message: this.share ? 'This link does not open any document. It may have been revoked, or the document deleted.' : 'There is no such document, or it has not been shared with you.' }
      }
      return { kind: 'denied', message: err.message }
    }
  }

  /** Re-checks the role after the server said it changed or the socket kept failing. */
  private async checkAccess(): Promise<void> {
    if (!this.session || this.session.ended) return
    if (this.checking) {
      // the role may have changed again after the request in flight was answered
      this.recheck = true
      return
    }
    const mode = this.mode
    if (mode !== 'accounts' && mode !== 'token') return
    this.checking = true
    this.lastCheck = Date.now()
    try {
      const result = await this.fetchRole()
      const session = this.session
      if (!session || session.ended) return
      if (result.kind === 'role') {
        this.roleUnverified = false
        const could = canWrite(this.role)
        this.role = result.role
        this.applyEditable()
        // the badge shows it; a screen reader user typing on is told too
        if (could !== canWrite(this.role)) {
          this.restored = canWrite(this.role)
            ? 'Your access changed: you can edit this document again.'
            : 'Your access changed: you can now only view this document.'
        }
      } else if (result.kind === 'denied') {
        session.end(Close.Forbidden.code)
      } else if (result.kind === 'unauthorized') {
        session.end(Close.Unauthorized.code)
      }
    } finally {
      this.checking = false
      if (this.recheck) {
        this.recheck = false
        void this.checkAccess()
      }
    }
  }

  /** Asks the API again (the socket keeps failing, or the role is a guess): at most every 10 s, with a network. */
  private maybeCheckAccess(): void {
    if (navigator.onLine === false || Date.now() - this.lastCheck < 10_000) return
    void this.checkAccess()
  }

  /** Learns the owner's name for the "View only" badge. */
  private async loadOwner(): Promise<void> {
    try {
      this.owner = (await this.api.value!.access(this.docId)).owner
      this.requestUpdate()
    } catch {
      // the badge says "the owner" instead
    }
  }

  /** Whether this person may change the document now. */
  get writable(): boolean {
    return this.ended === null && canWrite(this.role)
  }

  private applyEditable(): void {
    this.session?.setReadOnly(!canWrite(this.role))
    // a new function makes ProseMirror re-read it and update contenteditable
    this.view?.setProps({ editable: () => this.writable })
    // viewers do not see history (a version may hold what was deleted since), and cannot restore
    if (!this.writable && this.renderRoot?.querySelector<TandemHistoryDialog>('tandem-history-dialog')?.close()) this.view?.focus()
  }

  private startSession(): void {
    const identity = this.identityStore?.identity ?? { name: 'Anonymous', color: '#37474f' }
    const token = this.mode === 'token' ? this.authStore?.token : null
    const params: Record<string, string> = this.share ? { share: this.share } : token ? { token } : {}
    const account = this.authStore?.state.user?.id ?? null
    // this browser's copy holds someone else's unconfirmed changes (their session ended before
    // they went out): this person edits without the copy, which waits for its author
    const othersCopy = this.pending.heldByOther(this.docId, account)
    const session = new DocSession({
      docId: this.docId,
      serverUrl: syncUrl(),
      identity,
      params,
      endContext: { mode: this.mode, viaLink: !!this.share && !this.authStore?.state.user },
      ...(othersCopy ? { persist: false } : {}),
      // deleted or no longer shared: changes the server never took stay here (the list offers them)
      keepCopy: () => this.pending.keeps(session.docId),
    })
    session.setReadOnly(!canWrite(this.role))
    if (this.role === 'viewer' && this.mode === 'accounts' && !this.share) void this.loadOwner()
    this.session = session
    // without a copy here nothing could be sent later: the other person's entry stays as it is
    const untrack = othersCopy ? () => {} : trackPending(session, this.pending, { account, share: this.share })
    // the background sync leaves this document to this editor while it is open
    const unlock = holdDocLock(this.docId)
    this.releaseSession = () => {
      untrack()
      unlock()
    }
    session.on('status', this.onStatus)
    session.on('local', this.onStatus)
    session.on('access', this.onAccessChanged)
    session.title.observe(this.onTitleChange)
    this.sessionProvider.setValue(session)
    this.requestUpdate()
  }

  private close(): void {
    this.openedFor = null
    this.opening?.abort()
    this.opening = null
    this.view?.destroy()
    this.view = null
    const session = this.session
    if (!session) return
    session.title.unobserve(this.onTitleChange)
    session.off('status', this.onStatus)
    session.off('local', this.onStatus)
    session.off('access', this.onAccessChanged)
    const release = this.releaseSession
    this.releaseSession = null
    this.session = null
    this.sessionProvider.setValue(undefined)
    session.destroy()
    // once this tab lets go of its copy: the background sync may take over what is unconfirmed
    release?.()
  }

  private get titleInput(): HTMLInputElement | null {
    return this.renderRoot.querySelector<HTMLInputElement>('input.title')
  }

  private get toolbar(): TandemToolbar | null {
    return this.renderRoot.querySelector('tandem-toolbar')
  }

  /** An image URL as the page's <img> loads it: with the share link's secret or the token, which it cannot send as a header. */
  private readonly imageUrl = (src: string): string => {
    const token = this.mode === 'token' ? this.authStore?.token : null
    if (this.share) return `${src}?share=${encodeURIComponent(this.share)}`
    return token ? `${src}?token=${encodeURIComponent(token)}` : src
  }

  /** How the editor uploads images into this document and says what went wrong. */
  private imageHost(docId: string): ImageHost {
    return {
      docId,
      notify: (message) => {
        if (this.docId === docId) this.imageNotice = message
      },
      fetch: async (src) => {
        let res: Response
        try {
          // with the token, which a fetch of an image path sends as the <img> does (a share link's
          // secret is this document's, and opens no other)
          res = await fetch(this.imageUrl(src), { credentials: 'same-origin' })
        } catch {
          throw new Error(OFFLINE_MESSAGE)
        }
        if (!res.ok) throw new Error(res.status === 404 || res.status === 403 || res.status === 401 ? 'you may not read it, or it is gone.' : `the server answered ${res.status}.`)
        return res.blob()
      },
      upload: async (file) => {
        const api = this.api.value
        if (!api) throw new Error(OFFLINE_MESSAGE)
        try {
          return (await api.uploadImage(docId, file, { share: this.share })).url
        } catch (err) {
          if (err instanceof ApiError && err.offline) throw new Error(OFFLINE_MESSAGE)
          throw new Error(`${file instanceof File && file.name ? file.name : 'The image'} could not be added: ${(err as Error).message}`)
        }
      },
    }
  }

  private mountView(): void {
    const mount = this.renderRoot.querySelector<HTMLElement>('.editor-mount')
    const session = this.session
    if (!mount || !session) return
    this.imageNotice = ''
    const state = createEditorState({
      images: this.imageHost(session.docId),
      fragment: session.content,
      awareness: session.awareness,
      editLink: () => this.toolbar?.openLinkEditor(),
      holdRemoteChanges: () => session.holdRemoteChanges(),
      beforeRemoteChange: (listener) => session.beforeRemoteChange(listener),
    })
    const host = this
    const view = new EditorView(mount, {
      state,
      nodeViews: nodeViewsWith(this.imageUrl),
      editable: () => this.writable,
      attributes: {
        'aria-label': 'Document text',
        'aria-multiline': 'true',
        role: 'textbox',
        spellcheck: 'true',
        class: 'content',
      },
      // called with the view as `this`, already while the constructor runs (y-prosemirror's first render)
      dispatchTransaction(this: EditorView, tr) {
        // y-prosemirror may still dispatch from a Yjs or awareness event while the view closes
        if (this.isDestroyed) return
        // a redraw of remote cursors reads an arrow key's pending caret move first (see pending-input.ts)
        const next = this.state.apply(afterPendingInput(this, tr))
        this.updateState(next)
        host.editorState = next
      },
    })
    this.view = view
    this.editorState = view.state
    if (this.focusOnMount) {
      this.focusOnMount = false
      view.focus()
    }
    const title = session.title.toString()
    if (this.titleInput) this.titleInput.value = title
    this.updateDocumentTitle(title)
    this.onStatus()
  }

  private updateDocumentTitle(title: string): void {
    document.title = `${title.trim() || 'Untitled'} · Tandem`
  }

  private onTitleInput(event: InputEvent): void {
    const input = event.target as HTMLInputElement
    if (!this.session || !this.writable) return
    // one line: a pasted newline becomes a space
    if (/[\r\n]/.test(input.value)) input.value = input.value.replace(/[\r\n]+/g, ' ')
    applyInput(this.session.title, input.value, LOCAL_ORIGIN, input.selectionEnd ?? undefined)
    this.updateDocumentTitle(input.value)
  }

  private onTitleKey(event: KeyboardEvent): void {
    if (event.key === 'Enter' || (event.key === 'ArrowDown' && !event.shiftKey)) {
      event.preventDefault()
      this.view?.focus()
    }
  }

  /** The document body as plain text, blocks on their own lines (for tests and the console). */
  contentText(): string {
    const doc = this.view?.state.doc
    return doc ? doc.textBetween(0, doc.content.size, '\n', '\n') : ''
  }

  /**
   * Where the selection is in the document body, with the first and last places a caret can go
   * (for tests and the console); null before the editor exists.
   */
  selectionInfo(): { from: number; to: number; start: number; end: number } | null {
    const state = this.view?.state
    if (!state) return null
    const { from, to } = state.selection
    return { from, to, start: Selection.atStart(state.doc).from, end: Selection.atEnd(state.doc).from }
  }

  /** The document body as ProseMirror JSON (for tests and the console). */
  contentJSON(): unknown {
    return this.view?.state.doc.toJSON() ?? null
  }

  private async openSharing(): Promise<void> {
    const dialog = this.renderRoot.querySelector<TandemShareDialog>('tandem-share-dialog')
    if (!dialog) return
    dialog.docTitle = this.session?.title.toString() ?? ''
    await dialog.show()
  }

  private async openHistory(): Promise<void> {
    await this.renderRoot.querySelector<TandemHistoryDialog>('tandem-history-dialog')?.show()
  }

  /** Puts a version in place as one change of this person's: everyone sees it, Ctrl+Z takes it back. */
  private readonly onRestore = (event: CustomEvent<RestoreDetail>) => {
    const view = this.view
    const session = this.session
    if (!view || !session || !this.writable) return
    const { title, body, time } = event.detail
    // one step of this person's history, the title with the text: the title joins the undo
    // manager's scope, and its change is made as the editor's own (the origin the undo manager
    // tracks; the title field's typing has another and stays out of it) within the same capture
    const undoManager = (yUndoPluginKey.getState(view.state) as { undoManager?: Y.UndoManager } | undefined)?.undoManager
    undoManager?.addToScope(session.title)
    undoManager?.stopCapturing()
    view.dispatch(view.state.tr.replaceWith(0, view.state.doc.content.size, body.content).scrollIntoView())
    if (title !== session.title.toString()) applyInput(session.title, title, undoManager ? ySyncPluginKey : LOCAL_ORIGIN)
    undoManager?.stopCapturing()
    // the title field follows changes made elsewhere, and this one was not made in it
    if (this.titleInput) this.titleInput.value = session.title.toString()
    this.restored = `Restored the version of ${versionTime(time)}. Undo (Ctrl+Z) takes it back.`
    view.focus()
  }

  private signInAgain(): void {
    // the app shows the sign-in screen once it learns nobody is signed in; this page then reopens
    void this.authStore?.load()
  }

  /**
   * Copies the title and text to the clipboard, so changes the server refused are not lost when
   * the person discards them (see ../../clipboard.ts).
   */
  /** What the Download menu saves: the title and the body as this browser shows them. */
  private readonly downloadSource: DownloadSource = () =>
    this.view && this.session ? { title: this.session.title.toString(), body: this.view.state.doc, imageUrl: this.imageUrl } : null

  private async copyText(): Promise<void> {
    const copied = await copyToClipboard(documentText(this.session?.title.toString() ?? '', this.contentText()), this.renderRoot)
    this.recovery = copied ? 'Your text was copied. Paste it somewhere safe before you discard it.' : 'Your text could not be copied. Select it in the page and copy it yourself.'
  }

  /**
   * Deletes this browser's copy (with the change the server refused) and opens the document
   * again from the server. Without this, every visit would resend the refused change and be
   * closed again, for good.
   */
  private async discardAndReload(): Promise<void> {
    const session = this.session
    if (!session || this.discarding) return
    this.discarding = true
    this.recovery = null
    try {
      await session.discardLocalCopy()
    } catch (err) {
      if (this.session === session) {
        this.recovery =
          err instanceof LocalCopyInUse
            ? 'This document is open in another tab of this browser. Close it there, then try again.'
            : "This browser's copy could not be deleted. Try again, or clear this site's data in the browser settings."
      }
      return
    } finally {
      this.discarding = false
    }
    // the person may have gone to another document meanwhile
    if (this.session !== session) return
    this.close()
    this.focusOnMount = true
    this.open()
  }

  /** The part of the ended banner offering a way out when the server refused this browser's change. */
  private renderDiscard() {
    return html`<p class="recover">
        Your changes that are not on the server are only in this browser, and each visit would send them again. To edit this document again,
        reload it from the server: this discards them, so copy your text first if you want to keep it.
      </p>
      <div class="actions">
        <button @click=${this.copyText}>Copy my text</button>
        <button class="primary" ?disabled=${this.discarding} @click=${this.discardAndReload}>
          ${this.discarding ? 'Discarding...' : 'Discard my unsaved changes and reload'}
        </button>
        <a href="/">Back to your documents</a>
      </div>
      <p class="recover-status" role="status">${this.recovery ?? ''}</p>`
  }

  private renderViewOnly() {
    if (this.ended || !this.session) return nothing
    const reason = viewOnlyReason(this.role, { mode: this.mode, viaLink: !!this.share && !this.authStore?.state.user, owner: this.owner })
    if (!reason) return nothing
    const refused = this.refused
      ? html`<span class="refused" role="alert">Your latest changes could not be saved because your access changed. They are kept in this browser only.</span>`
      : nothing
    return html`<p class="view-only" part="view-only" role="note"><span class="badge">View only</span><span class="why">${reason}</span>${refused}</p>`
  }

  private renderEnded() {
    if (!this.ended) return nothing
    const signIn = this.endCode === Close.Unauthorized.code && this.mode === 'accounts'
    return html`<div class="banner" part="banner" role="alert">
      <strong>${this.ended}</strong>
      ${this.session?.endedByOwnChange
        ? this.renderDiscard()
        : signIn
          ? html`<button class="primary" @click=${this.signInAgain}>Sign in again</button>`
          : this.endCode === Close.AppOutdated.code
            ? html`<button class="primary" @click=${() => location.reload()}>Reload</button>`
            : html`<a href="/">Back to your documents</a>`}
    </div>`
  }

  override render() {
    if (this.denied) {
      return html`<section class="denied" role="alert">
        <h1>This document cannot be opened</h1>
        <p>${this.denied}</p>
        <tandem-undelivered doc-id=${this.docId}></tandem-undelivered>
        <p><a href="/">Go to your documents</a></p>
      </section>`
    }
    const sharing = this.mode === 'accounts' && this.role !== null && this.authStore?.state.user != null && !this.ended
    return html`
      <div class="header" part="header">
        <label class="visually-hidden" for="title">Document title</label>
        <input
          id="title"
          class="title"
          part="title"
          type="text"
          placeholder="Untitled"
          maxlength=${MAX_TITLE_LENGTH}
          autocomplete="off"
          spellcheck="true"
          ?readonly=${!this.writable}
          @input=${this.onTitleInput}
          @keydown=${this.onTitleKey}
        />
        <div class="people-status">
          <tandem-connection-status></tandem-connection-status>
          <tandem-presence-list></tandem-presence-list>
          <tandem-download-menu .source=${this.loaded ? this.downloadSource : null}></tandem-download-menu>
          ${this.writable && this.loaded ? html`<button class="history" aria-label="Version history" title="Version history" @click=${this.openHistory}>${icons.history}<span>History</span></button>` : nothing}
          ${sharing ? html`<button class="share" aria-label="Share" title="Share" @click=${this.openSharing}>${icons.share}<span>Share</span></button>` : nothing}
        </div>
        ${this.renderViewOnly()}
      </div>
      ${this.renderEnded()}
      <tandem-toolbar .view=${this.view} .state=${this.editorState} ?disabled=${!this.writable}></tandem-toolbar>
      ${this.imageNotice
        ? html`<p class="image-notice" part="image-notice" role="alert">
            <span>${this.imageNotice}</span>
            <button class="quiet" aria-label="Dismiss" title="Dismiss" @click=${() => (this.imageNotice = '')}>${icons.close}</button>
          </p>`
        : nothing}
      <div class="page" part="page" ?data-loading=${!this.loaded} ?data-read-only=${!this.writable}>
        <div class="editor-mount"></div>
      </div>
      ${sharing ? html`<tandem-share-dialog doc-id=${this.docId} .share=${this.share}></tandem-share-dialog>` : nothing}
      <tandem-history-dialog doc-id=${this.docId} .share=${this.share} .imageUrl=${this.imageUrl} @restore=${this.onRestore}></tandem-history-dialog>
      <p class="visually-hidden" role="status">${this.restored}</p>
    `
  }
}
