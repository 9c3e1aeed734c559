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

/** The pending documents of this browser. */
export class PendingDocs {
  constructor(private readonly store: KeyValueStore | null = webStorage('localStorage')) {}

  private read(): Record<string, PendingEntry> {
    try {
      const value = JSON.parse(this.store?.getItem(PENDING_KEY) ?? '{}') as unknown
      return value && typeof value === 'object' ? (value as Record<string, PendingEntry>) : {}
    } catch {
      return {}
    }
  }

  private write(docs: Record<string, PendingEntry>): void {
    try {
      this.store?.setItem(PENDING_KEY, JSON.stringify(docs))
    } catch {
      // not remembered: the changes go when the document is opened here again, as before
    }
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
}

/**
 * Keeps `session`'s document in `pending` while it has unconfirmed changes of its own: added at
 * the first change made here, removed once the server confirmed everything, or when the
 * server ended the session for good (deleted, no access, a change it will never take) or
 * refused the changes as read-only: sending them again could only be refused again. The
 * editor says so when the document is opened. Returns a function that stops tracking.
 */
export function trackPending(session: DocSession, pending: PendingDocs, entry: PendingEntry): () => void {
  const onUpdate = (_update: Uint8Array, origin: unknown) => {
    // the server, another tab (both come through the provider) or the local copy loading: not a change made here
    if (origin === session.provider || origin instanceof IndexeddbPersistence) return
    if (!session.readOnly && !session.ended) pending.add(session.docId, entry)
  }
  const onStatus = () => {
    const end = session.ended
    // signed out: the same account may send them after signing in again
    if (end && end.code !== Close.Unauthorized.code) pending.remove(session.docId)
    else if (session.refused) pending.remove(session.docId)
    // before the local copy is loaded, "saved" says nothing about the changes it holds
    else if (!end && session.saveState === 'saved' && session.localLoaded && session.connection === 'connected') pending.remove(session.docId)
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
