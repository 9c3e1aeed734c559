/**
 * One open document in the browser: the Y.Doc, its y-websocket provider (room = document id,
 * with the share link or token as URL parameters), awareness (who is here, where their cursors
 * are), the SaveTracker ("All changes saved" from the server's acknowledgement) and an IndexedDB
 * copy so editing goes on offline and survives a reload. Components reach it through
 * @lit/context (see ../context.ts).
 *
 * The server ends a session for good with a 44xx close code (deleted, access revoked, signed
 * out) or 1009 (a change too large to send); a changed role closes with 4003 and the provider
 * comes straight back, which the session reports as an `access` event so the editor can ask for
 * its new role. When the server refuses this browser's changes (permission denied: the
 * connection is read-only, e.g. the role was lowered while offline) they stay in this browser,
 * are marked `refused` (never "saved"), and the session reports `access` too.
 */
import type * as decoding from 'lib0/decoding'
import { ObservableV2 } from 'lib0/observable'
import { readAuthMessage } from 'y-protocols/auth'
import { IndexeddbPersistence, clearDocument } from 'y-indexeddb'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { CONTENT, TITLE } from '../../shared/doc-fields.js'
import { Close, MessageType } from '../../shared/protocol.js'
import { SCHEMA_PARAM, SCHEMA_VERSION } from '../../shared/schema-version.js'
import type { AuthMode } from '../api.js'
import type { Identity } from '../identity.js'
import { RemoteUpdateHold } from './hold.js'
import { announceOwnPresenceOnly } from './own-presence.js'
import { rejoinPresenceOnReconnect } from './rejoin-presence.js'
import { keepConcurrentText } from './rescue.js'
import { dropTwinRewrites } from './twin-rewrites.js'
import { SaveTracker, type SaveState } from './saved.js'

/** How the session reaches the server. `offline` covers "trying again in a moment" too. */
export type ConnectionState = 'connecting' | 'connected' | 'offline'

/** Why the server ended the session for good (a 44xx close code, or 1009), in words for the user. */
export interface SessionEnd {
  readonly code: number
  readonly reason: string
  readonly message: string
}

/** Origin of local Yjs transactions made outside ProseMirror (the title input). */
export const LOCAL_ORIGIN = Symbol('tandem-local')

/** IndexedDB database name of a document's local copy. */
export function localCacheName(docId: string): string {
  return `tandem:${docId}`
}

/** Forgets the local copy of a document (after it was deleted). */
export function forgetLocalCopy(docId: string): Promise<void> {
  if (typeof indexedDB === 'undefined') return Promise.resolve()
  return clearDocument(localCacheName(docId)).catch(() => {})
}

/**
 * The title and text of this browser's copy of a document (for changes that can no longer be
 * sent). Opens the copy without any connection and closes it again.
 */
export async function readLocalCopy(docId: string): Promise<{ title: string; text: string }> {
  const doc = new Y.Doc()
  const local = new IndexeddbPersistence(localCacheName(docId), doc)
  try {
    await local.whenSynced
    return { title: doc.getText(TITLE).toString(), text: plainText(doc.getXmlFragment(CONTENT)) }
  } finally {
    await local.destroy().catch(() => {})
    doc.destroy()
  }
}

/** The text of a document body without formatting: a line per block (paragraph, heading, item). */
export function plainText(fragment: Y.XmlFragment): string {
  const lines: string[] = []
  const walk = (parent: Y.XmlFragment | Y.XmlElement) => {
    for (const child of parent.toArray()) {
      if (!(child instanceof Y.XmlElement)) continue
      const inline = child.toArray()
      // a text block holds text (or nothing); a container (list, quote) holds blocks
      if (inline.length === 0 || inline.some((c) => c instanceof Y.XmlText)) lines.push(inline.map(inlineText).join(''))
      else walk(child)
    }
  }
  walk(fragment)
  return lines.join('\n')
}

function inlineText(node: Y.XmlElement | Y.XmlText | Y.XmlHook): string {
  if (node instanceof Y.XmlText) {
    return (node.toDelta() as Array<{ insert: unknown }>).map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('')
  }
  return node instanceof Y.XmlElement && node.nodeName === 'hard_break' ? '\n' : ''
}

/** Thrown by DocSession.discardLocalCopy while another tab has the document open. */
export class LocalCopyInUse extends Error {
  constructor() {
    super('Another tab has this document open')
    this.name = 'LocalCopyInUse'
  }
}

/** How the document was opened, for the words of an end. */
export interface EndContext {
  readonly mode?: AuthMode | null
  /** Opened through a share link (and not through the person's own access). */
  readonly viaLink?: boolean
}

/** The sentence shown for a permanent close code. */
export function endMessage(code: number, context: EndContext = {}): string {
  switch (code) {
    case Close.DocumentDeleted.code:
      return 'This document was deleted. Changes can no longer be saved.'
    case Close.Unauthorized.code:
      if (context.mode === 'token') return 'Your access to this document has expired. Open it again from the application that brought you here.'
      if (context.mode === 'accounts') return 'You were signed out, so this document was closed. Sign in again to go on.'
      return 'You are not signed in, so this document cannot be opened.'
    case Close.Forbidden.code:
      if (context.viaLink) return 'The link you opened this document with no longer works: its owner revoked it.'
      return 'You no longer have access to this document.'
    case Close.DocumentTooLarge.code:
      return 'This document reached its size limit; new changes are not saved.'
    case Close.MessageTooBig.code:
      return 'This change is too large to send to the server, so it was not saved. It is kept in this browser only.'
    case Close.AppOutdated.code:
      return 'Tandem was updated on the server. Reload the page to go on editing.'
    default:
      return `The server closed this document (code ${code}).`
  }
}

/**
 * Whether to reconnect after the server closed: not after a permanent 44xx code, nor after 1009
 * (message too big): the provider would resend the same change on every sync, be closed again,
 * and loop for ever (each sync resets its backoff).
 */
export function shouldReconnect(event: { code: number }): boolean {
  return !(event.code >= 4400 && event.code < 4500) && event.code !== Close.MessageTooBig.code
}

/** Events of a DocSession. */
export type SessionEvents = {
  /** Connection, save state or end changed. */
  status: () => void
  /** Someone joined, left, or changed name or colour. */
  presence: () => void
  /** The local copy was loaded from IndexedDB (or there is none). */
  local: () => void
  /**
   * This person's role may have changed: the server closed with 4003 (the provider is
   * reconnecting), or it refused local changes as read-only.
   */
  access: () => void
}

/** Options of a DocSession. */
export interface SessionOptions {
  readonly docId: string
  /** `ws(s)://host/sync`. */
  readonly serverUrl: string
  /** The name and colour shown to the others; without it nobody sees this browser (a background sync). */
  readonly identity?: Identity
  /** Keep a local copy in IndexedDB (default: when IndexedDB exists). */
  readonly persist?: boolean
  /** Window to watch for online/offline and to read navigator.onLine from. */
  readonly window?: Window
  /** URL parameters of the sync socket: `share` (a share link's secret) or `token` (a JWT). */
  readonly params?: Readonly<Record<string, string>>
  /** How the document was opened, for the words shown when the server ends the session. */
  readonly endContext?: EndContext
  /**
   * Asked when the document was deleted or access to it ended: true keeps this browser's copy,
   * which holds changes the server never took (the person is told and may copy them).
   */
  readonly keepCopy?: () => boolean
}

/** A document open in this tab. */
export class DocSession extends ObservableV2<SessionEvents> {
  readonly docId: string
  readonly doc: Y.Doc
  readonly provider: WebsocketProvider
  readonly saves: SaveTracker
  /** The rich-text body, bound to ProseMirror. */
  readonly content: Y.XmlFragment
  /** The title, bound to the title input. */
  readonly title: Y.Text
  private readonly local: IndexeddbPersistence | null
  private readonly remoteHold: RemoteUpdateHold
  private localReady = false
  /** The browser refused the IndexedDB copy (site data blocked, some private modes). */
  private localRefused = false
  /** Whether local changes are in this browser's IndexedDB copy, or a read confirming it is out. */
  private localWrites: 'kept' | 'checking' | 'recheck' = 'kept'
  private ended_: SessionEnd | null = null
  private readOnly_ = false
  private refused_ = false
  private everConnected = false
  /** The IndexedDB copy held something of the document when it was read. */
  private localHeldContent = false
  private readonly win: Window | null
  private readonly endContext: EndContext
  private readonly keepCopy: () => boolean

  private readonly onOnline = () => {
    // the network is back: reconnect now instead of waiting for the backoff
    if (!this.ended_ && !this.destroyed) this.provider.connect()
    this.emit('status', [])
  }
  private readonly onOffline = () => {
    // the network is gone: drop the socket now rather than find out from a 30 s silence;
    // edits go on into the Y.Doc and IndexedDB and are sent on reconnect
    if (!this.ended_) {
      this.provider.disconnect()
      this.keepTabsTogether()
    }
    this.emit('status', [])
  }

  /**
   * Offline, the tabs of this browser that have the document open still exchange their changes
   * (the provider's BroadcastChannel, which its disconnect() closes): each tab shows the others'
   * edits, and the tab still open after another closed holds them, and sends them on reconnect.
   * It is the only tab the background sync leaves them to (./doc-lock.ts).
   */
  private keepTabsTogether(): void {
    this.provider.connectBc()
  }
  private destroyed = false
  private readonly onStatus = () => this.emit('status', [])
  private readonly onSync = (synced: boolean) => {
    if (synced) this.everConnected = true
    this.emit('status', [])
  }
  private readonly onClosed = (event: { code: number; reason: string }) => this.end(event.code, event.reason)
  private readonly onConnectionClose = (event: CloseEvent | null) => {
    if (event?.code === Close.AccessChanged.code) this.emit('access', [])
  }
  private readonly onSave = () => this.emit('status', [])
  /** The server dropped our changes as read-only: they are not saved, and the role is stale. */
  private readonly onPermissionDenied = () => {
    if (this.destroyed) return
    if (!this.refused_) {
      this.refused_ = true
      this.emit('status', [])
    }
    this.emit('access', [])
  }
  private readonly onLocalChange = (_update: Uint8Array, origin: unknown) => {
    if (!this.local?.db || origin === this.local) return
    // while a check is out, one more after it covers every change made meanwhile
    if (this.localWrites !== 'kept') {
      this.localWrites = 'recheck'
      return
    }
    this.checkLocalWrites()
    this.emit('status', [])
  }

  /**
   * y-indexeddb queues its write in its own 'update' handler, which runs before onLocalChange;
   * a read of the same store completes only after that write has committed.
   */
  private checkLocalWrites(): void {
    this.localWrites = 'checking'
    let tx: IDBTransaction
    try {
      tx = this.local!.db!.transaction('updates', 'readonly')
    } catch {
      return // the database is closing
    }
    tx.oncomplete = () => {
      if (this.destroyed) return
      if (this.localWrites === 'recheck') return this.checkLocalWrites()
      this.localWrites = 'kept'
      this.emit('status', [])
    }
  }
  private readonly onAwareness = ({ added, updated, removed }: { added: number[]; updated: number[]; removed: number[] }) => {
    // cursor moves are 'update's of the cursor field only; presence needs joins, leaves, renames
    if (added.length || removed.length || updated.length) this.emit('presence', [])
  }

  constructor(options: SessionOptions) {
    super()
    this.docId = options.docId
    this.win = options.window ?? (typeof window === 'undefined' ? null : window)
    this.doc = new Y.Doc()
    this.content = this.doc.getXmlFragment(CONTENT)
    this.title = this.doc.getText(TITLE)
    const persist = options.persist ?? typeof indexedDB !== 'undefined'
    this.local = persist ? new IndexeddbPersistence(localCacheName(options.docId), this.doc) : null
    if (this.local) {
      this.doc.on('update', this.onLocalChange)
      this.local.on('synced', () => {
        this.localHeldContent = this.doc.store.clients.size > 0
        this.localReady = true
        this.emit('local', [])
      })
      // a browser without working IndexedDB (some private modes) still edits online
      ;(this.local as unknown as { _db: Promise<unknown> })._db.catch(() => {
        this.localReady = true
        this.localRefused = true
        this.emit('local', [])
        this.emit('status', [])
      })
    } else {
      this.localReady = true
    }
    this.endContext = options.endContext ?? {}
    this.keepCopy = options.keepCopy ?? (() => false)
    this.provider = new WebsocketProvider(options.serverUrl, options.docId, this.doc, { connect: false, params: { ...options.params, [SCHEMA_PARAM]: String(SCHEMA_VERSION) }, shouldReconnect })
    announceOwnPresenceOnly(this.provider)
    rejoinPresenceOnReconnect(this.provider)
    if (options.identity) this.provider.awareness.setLocalStateField('user', { name: options.identity.name, color: options.identity.color })
    // before connecting: the provider then announces nothing
    else this.provider.awareness.setLocalState(null)
    this.remoteHold = new RemoteUpdateHold(this.provider)
    // text typed into a block someone rewrote at the same time is put back (see rescue.ts)
    keepConcurrentText(this.doc, this.content, this.provider, (listener) => this.remoteHold.beforeApply(listener))
    // a block two people gave a new type at the same time stays one block (see twin-rewrites.ts)
    dropTwinRewrites(this.doc, this.provider)
    this.saves = new SaveTracker(this.provider)
    // the stock handler only logs it; the server still answers saved requests after dropping
    this.provider.messageHandlers[MessageType.Auth] = (_encoder: unknown, decoder: decoding.Decoder) =>
      readAuthMessage(decoder, this.doc, this.onPermissionDenied)
    this.provider.on('status', this.onStatus)
    this.provider.on('sync', this.onSync)
    this.provider.on('closed', this.onClosed)
    this.provider.on('connection-close', this.onConnectionClose)
    this.saves.on('change', this.onSave)
    this.provider.awareness.on('change', this.onAwareness)
    this.win?.addEventListener('online', this.onOnline)
    this.win?.addEventListener('offline', this.onOffline)
    if (this.win?.navigator.onLine !== false) this.provider.connect()
    else this.keepTabsTogether()
  }

  /** The awareness of this session. */
  get awareness() {
    return this.provider.awareness
  }

  /** Connection state for the status indicator. */
  get connection(): ConnectionState {
    if (this.provider.wsconnected && this.provider.synced) return 'connected'
    if (this.win && this.win.navigator.onLine === false) return 'offline'
    if (!this.everConnected && this.provider.wsUnsuccessfulReconnects === 0) return 'connecting'
    return 'offline'
  }

  /** Whether every local change is stored by the server. */
  get saveState(): SaveState {
    return this.refused_ ? 'saving' : this.saves.state
  }

  /**
   * The server refused local changes (read-only connection): they are only in this browser.
   * Cleared when the session may write again (the next sync sends them).
   */
  get refused(): boolean {
    return this.refused_
  }

  /** Local changes exist that the server has not confirmed. */
  get unsaved(): boolean {
    return this.saveState === 'saving'
  }

  /** True while this person may only read the document (a viewer). */
  get readOnly(): boolean {
    return this.readOnly_
  }

  /** Marks the session read-only (or writable again after a role change). */
  setReadOnly(readOnly: boolean): void {
    if (readOnly === this.readOnly_) return
    this.readOnly_ = readOnly
    if (!readOnly && this.refused_) {
      this.refused_ = false
      // the refused changes went with a sync that is over: sync again to send them
      if (!this.ended_ && this.provider.shouldConnect) {
        this.provider.disconnect()
        this.provider.connect()
      }
    }
    this.emit('status', [])
  }

  /** Set once the server ended the session for good (deleted document, access revoked). */
  get ended(): SessionEnd | null {
    return this.ended_
  }

  /** True when every local change is in this browser's IndexedDB copy (or there is none). */
  get keptLocally(): boolean {
    return this.localWrites === 'kept'
  }

  /**
   * Whether this browser keeps a copy of the document: false without IndexedDB, or when the
   * browser refused it. Changes the server has not confirmed then exist only in this tab.
   */
  get localCopy(): boolean {
    return this.local !== null && !this.localRefused
  }

  /** True once the IndexedDB copy (if any) has been applied. */
  get localLoaded(): boolean {
    return this.localReady
  }

  /**
   * False while this browser has nothing of the document from the server: this session never
   * synced and the IndexedDB copy was empty (a link opened offline for the first time here, or
   * a document made offline). What is shown is then not the document as others know it.
   */
  get loadedHere(): boolean {
    return this.everConnected || this.localHeldContent
  }

  /**
   * Ends the session for good with a 44xx `code`: the server closed it, or the app learned that
   * access is gone. Stops connecting (and the cross-tab channel); a deleted document, or one
   * this person may no longer open, is also removed from this browser, unless its copy holds
   * changes the server never took (the `keepCopy` option).
   */
  end(code: number, reason = '', message = endMessage(code, this.endContext)): void {
    if (this.ended_ || this.destroyed) return
    this.ended_ = { code, reason, message }
    this.provider.disconnect()
    if ((code === Close.DocumentDeleted.code || code === Close.Forbidden.code) && this.local && !this.keepCopy()) void this.local.clearData().catch(() => {})
    this.emit('status', [])
  }

  /**
   * Whether the server ended the session because of a change from this browser it will never
   * take (the document over its size limit, or one change too large to send). The IndexedDB copy
   * holds that change, so every later visit would resend it and be closed again: see
   * discardLocalCopy.
   */
  get endedByOwnChange(): boolean {
    const code = this.ended_?.code
    return code === Close.DocumentTooLarge.code || code === Close.MessageTooBig.code
  }

  /**
   * Deletes this browser's copy of the document, changes the server never got included, so the
   * document can be opened again from the server. Only on the person's request: what it deletes
   * exists nowhere else. The session stays ended; open a new one afterwards.
   */
  async discardLocalCopy(): Promise<void> {
    if (!this.local) return
    // the database is deleted only once no connection holds it open
    await this.local.destroy().catch(() => {})
    await new Promise<void>((resolve, reject) => {
      const request = indexedDB.deleteDatabase(localCacheName(this.docId))
      request.onsuccess = () => resolve()
      request.onerror = () => reject(request.error ?? new Error('the local copy could not be deleted'))
      // another tab holds the copy open (y-indexeddb does not let go on request): deleting waits for it
      request.onblocked = () => reject(new LocalCopyInUse())
    })
  }

  /**
   * Holds back other people's document changes until the returned function is called (the
   * editor holds them while an input method composes, see hold.ts). Presence still flows.
   */
  holdRemoteChanges(): () => void {
    return this.remoteHold.hold()
  }

  /**
   * Calls `listener` right before other people's document changes are applied (the editor reads
   * its pending input then); returns the unsubscribe.
   */
  beforeRemoteChange(listener: () => void): () => void {
    return this.remoteHold.beforeApply(listener)
  }

  /** Changes the name and colour shown to the others. */
  setIdentity(identity: Identity): void {
    this.provider.awareness.setLocalStateField('user', { name: identity.name, color: identity.color })
  }

  /** Closes the connection and the local copy. */
  override destroy(): void {
    this.destroyed = true
    this.win?.removeEventListener('online', this.onOnline)
    this.win?.removeEventListener('offline', this.onOffline)
    this.provider.awareness.off('change', this.onAwareness)
    this.saves.off('change', this.onSave)
    this.saves.destroy()
    this.provider.destroy()
    void this.local?.destroy()
    this.doc.destroy()
    super.destroy()
  }
}
