/**
 * Which documents hold changes made in this browser that the server has not confirmed, remembered
 * per browser (localStorage, shared by its tabs) so they can be sent in the background once the
 * server is reachable (./background-sync.ts), even when the document is never opened here again.
 * The changes themselves are in the document's IndexedDB copy; this is only the list.
 */
import { IndexeddbPersistence } from 'y-indexeddb'
import { Close } from '../../shared/protocol.js'
import type { KeyValueStore } from '../identity.js'
import { webStorage } from '../web-storage.js'
import type { DocSession } from './session.js'

/** localStorage key of the pending documents. */
export const PENDING_KEY = 'tandem.pending'

/** localStorage key of the documents whose pending changes can never be sent (see PendingDocs.undeliverable). */
export const UNDELIVERED_KEY = 'tandem.undelivered'

/** Event dispatched on the window when this tab changed the undelivered documents (other tabs get 'storage'). */
export const UNDELIVERED_EVENT = 'tandem-undelivered'

/**
 * Why changes kept in this browser can never be sent: the document was deleted, this person no
 * longer has access to it, or the API says only that it does not open it any more (either).
 */
export type Undeliverable = 'deleted' | 'no-access' | 'gone'

/** Whose changes could not be sent, and why. */
export interface UndeliveredEntry {
  readonly account: string | null
  readonly reason: Undeliverable
}

/** How to reach a pending document again: who made the changes, and through which link. */
export interface PendingEntry {
  /**
   * The account that made the changes (null: no account). They are sent only while the same
   * account is signed in here, never under someone else's name.
   */
  readonly account: string | null
  /**
   * The share link's secret the document was opened with, if any: without it the server would
   * not let this visitor in. Kept only until the changes are confirmed.
   */
  readonly share: string | null
}

/**
 * The pending documents of this browser, and those whose changes can never be sent (the person
 * is told on the document list, and may copy the text or discard it there).
 */
export class PendingDocs {
  constructor(
    private readonly store: KeyValueStore | null = webStorage('localStorage'),
    private readonly events: EventTarget | null = typeof window === 'undefined' ? null : window,
  ) {}

  private read(): Record<string, PendingEntry> {
    return this.readKey<PendingEntry>(PENDING_KEY)
  }

  private write(docs: Record<string, PendingEntry>): void {
    // not remembered: the changes go when the document is opened here again, as before
    this.writeKey(PENDING_KEY, docs)
  }

  private readKey<T>(key: string): Record<string, T> {
    try {
      const value = JSON.parse(this.store?.getItem(key) ?? '{}') as unknown
      return value && typeof value === 'object' ? (value as Record<string, T>) : {}
    } catch {
      return {}
    }
  }

  /** Stores `docs` under `key`; a browser that refuses keeps nothing, and nothing breaks. */
  private writeKey(key: string, docs: object): void {
    try {
      this.store?.setItem(key, JSON.stringify(docs))
    } catch {
      // not remembered
    }
  }

  private writeUndelivered(docs: Record<string, UndeliveredEntry>): void {
    // not remembered: the copy stays in this browser, and opening the document says it is gone
    this.writeKey(UNDELIVERED_KEY, docs)
    this.events?.dispatchEvent(new Event(UNDELIVERED_EVENT))
  }

  /** The pending documents, oldest first. */
  list(): Array<[docId: string, entry: PendingEntry]> {
    return Object.entries(this.read()).map(([docId, e]) => [docId, { account: e?.account ?? null, share: e?.share ?? null }])
  }

  /** Whether `docId` is pending. */
  has(docId: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.read(), docId)
  }

  /**
   * Whether this browser's copy of `docId` holds changes of someone other than `account` that the
   * server has not confirmed (another account, or a visitor without one): they must not be shown
   * to this person, nor sent under their name.
   */
  heldByOther(docId: string, account: string | null): boolean {
    const entry = this.read()[docId]
    return entry !== undefined && (entry?.account ?? null) !== account
  }

  /**
   * Whether this browser's copy of `docId` holds changes the server never took, pending or
   * undelivered: it must outlive the document (DocSession's keepCopy).
   */
  keeps(docId: string): boolean {
    return this.has(docId) || Object.prototype.hasOwnProperty.call(this.readKey<UndeliveredEntry>(UNDELIVERED_KEY), docId)
  }

  /** Remembers that `docId` has unconfirmed changes made as `entry` says. */
  add(docId: string, entry: PendingEntry): void {
    const docs = this.read()
    const old = docs[docId]
    if (old && old.account === entry.account && old.share === entry.share) return
    docs[docId] = entry
    this.write(docs)
  }

  /** Forgets `docId`: the server confirmed its changes, or will never take them. */
  remove(docId: string): void {
    const docs = this.read()
    if (!Object.prototype.hasOwnProperty.call(docs, docId)) return
    delete docs[docId]
    this.write(docs)
  }

  /**
   * Moves pending `docId` to the undelivered documents: its changes can never be sent (`reason`).
   * Its copy stays in this browser until the person discards it. Nothing happens if it is not pending.
   */
  undeliverable(docId: string, reason: Undeliverable): void {
    const entry = this.read()[docId]
    if (entry === undefined) return
    const undelivered = this.readKey<UndeliveredEntry>(UNDELIVERED_KEY)
    undelivered[docId] = { account: entry?.account ?? null, reason }
    this.writeUndelivered(undelivered)
    this.remove(docId)
  }

  /** The documents of `account` whose changes could not be sent, oldest first. */
  undelivered(account: string | null): Array<[docId: string, entry: UndeliveredEntry]> {
    return Object.entries(this.readKey<UndeliveredEntry>(UNDELIVERED_KEY))
      .filter(([, e]) => (e?.account ?? null) === account)
      .map(([docId, e]) => [docId, { account: e.account ?? null, reason: e.reason }])
  }

  /**
   * The documents holding `account`'s changes that this browser has not sent (`pending`: they
   * still may be) or never can (`undelivered`), oldest first: what signing out would delete.
   */
  unsent(account: string | null): { pending: string[]; undelivered: string[] } {
    return {
      pending: this.list().filter(([, e]) => e.account === account).map(([docId]) => docId),
      undelivered: this.undelivered(account).map(([docId]) => docId),
    }
  }

  /** Forgets that `docId`'s changes could not be sent (discarded, or the server took them after all). */
  dismiss(docId: string): void {
    const undelivered = this.readKey<UndeliveredEntry>(UNDELIVERED_KEY)
    if (!Object.prototype.hasOwnProperty.call(undelivered, docId)) return
    delete undelivered[docId]
    this.writeUndelivered(undelivered)
  }
}

/** What a permanent close code says about changes the server never took, if it says they never will be. */
function undeliverableBy(code: number): Undeliverable | null {
  if (code === Close.DocumentDeleted.code) return 'deleted'
  if (code === Close.Forbidden.code) return 'no-access'
  return null
}

/**
 * Keeps `session`'s document in `pending` while it has unconfirmed changes of its own: added at
 * the first change made here, removed once the server confirmed everything, or when the
 * server ended the session for good (a change it will never take) or refused the changes as
 * read-only: sending them again could only be refused again. The editor says so when the
 * document is opened. When the document was deleted or access to it ended, it becomes
 * undelivered (see PendingDocs.undeliverable; the session keeps its copy: see keepCopy).
 * Returns a function that stops tracking.
 */
export function trackPending(session: DocSession, pending: PendingDocs, entry: PendingEntry): () => void {
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    // the server, another tab (both come through the provider) or the local copy loading: not a change made here
    if (origin === session.provider || origin instanceof IndexeddbPersistence) return
    if (!session.readOnly && !session.ended) pending.add(session.docId, entry)
  }
  const onStatus = () => {
    const end = session.ended
    const never = end ? undeliverableBy(end.code) : null
    // the document list tells the person, who may still copy the text
    if (never) pending.undeliverable(session.docId, never)
    // signed out: the same account may send them after signing in again
    else if (end && end.code !== Close.Unauthorized.code) pending.remove(session.docId)
    else if (session.refused) pending.remove(session.docId)
    // before the local copy is loaded, "saved" says nothing about the changes it holds
    else if (!end && session.saveState === 'saved' && session.localLoaded && session.connection === 'connected') {
      pending.remove(session.docId)
      // the document came back (shared again): what could not be sent is on the server now
      pending.dismiss(session.docId)
    }
  }
  session.doc.on('update', onUpdate)
  session.on('status', onStatus)
  session.on('local', onStatus)
  return () => {
    session.doc.off('update', onUpdate)
    session.off('status', onStatus)
    session.off('local', onStatus)
  }
}
