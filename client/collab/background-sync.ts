/**
 * Sends changes kept in this browser to the server without the document being open: for each
 * pending document (./pending.ts), one at a time, it opens a DocSession without presence (the
 * IndexedDB copy plus the stock provider), waits until the server confirmed every change as
 * saved, and closes it. The app runs it at start, when the network comes back, and when the
 * person leaves a document; it runs too when another tab of this browser has a new document to
 * send, and when a tab that had a pending document open lets go of it (closed, even while the
 * server was unreachable).
 *
 * Access is checked first, as the editor does when it opens a document: a document this person
 * may now only read is dropped from the list and its copy kept in this browser (the editor says
 * what became of the changes when it is opened); one deleted or no longer shared becomes
 * undelivered (PendingDocs.undeliverable), which the document list shows. A server that refuses
 * the changes or ends the session for good is handled by DocSession as in the editor; nothing
 * is retried in a loop: a document left for later waits for the next round, 2 s later, then
 * twice as long each time up to 30 s.
 */
import { canWrite, RoleMemory } from '../access.js'
import { ApiError, type DocsApi, type Role } from '../api.js'
import { tokenRole, type AuthStore } from '../auth.js'
import { whenDocLockFree, withFreeDocLock } from './doc-lock.js'
import { PENDING_KEY, trackPending, type PendingDocs, type PendingEntry } from './pending.js'
import { DocSession } from './session.js'

/** Options of a BackgroundSync. */
export interface BackgroundSyncOptions {
  readonly pending: PendingDocs
  readonly api: DocsApi
  readonly auth: AuthStore
  /** `ws(s)://host/sync`. */
  readonly serverUrl: string
  readonly roles?: RoleMemory
  readonly window?: Window
  /** How long one document may take before it is left for a later round. */
  readonly timeoutMs?: number
  /**
   * When to try again after a round left documents for later (the server was unreachable): after
   * `firstRetryMs`, then twice as long each time, at most `retryMs`.
   */
  readonly retryMs?: number
  readonly firstRetryMs?: number
}

/**
 * Event dispatched on the window when the background sync got the server to confirm a document's
 * changes: what the server lists (a document made offline, the order by last edit) changed.
 */
export const SENT_EVENT = 'tandem-sent'

/** What became of one document: sent (or never to be sent), left for later, or not ours to send now. */
type Outcome = 'done' | 'later' | 'skip'

/** Sends the pending documents of this browser in the background. */
export class BackgroundSync {
  private running = false
  private again = false
  private stopped = true
  private retry: ReturnType<typeof setTimeout> | undefined
  /** Closes the document being sent, if any (leaving it for later). */
  private cancel: (() => void) | null = null
  private readonly win: Window
  private readonly roles: RoleMemory
  private readonly onOnline = () => this.run()
  /** Rounds in a row that left documents for later. */
  private failures = 0
  /** Documents open in another tab whose release is awaited (see whenReleased). */
  private readonly waiting = new Set<string>()
  private stopping = new AbortController()
  private readonly onStorage = (event: StorageEvent) => {
    // another tab has a new document to send: its editor may close without this tab noticing
    if (event.key === null || (event.key === PENDING_KEY && addsDocs(event.oldValue, event.newValue))) this.run()
  }

  constructor(private readonly options: BackgroundSyncOptions) {
    this.win = options.window ?? window
    this.roles = options.roles ?? new RoleMemory()
  }

  /** Starts: a first round now, and one each time the network comes back. */
  start(): void {
    if (!this.stopped) return
    this.stopped = false
    this.stopping = new AbortController()
    this.win.addEventListener('online', this.onOnline)
    this.win.addEventListener('storage', this.onStorage)
    this.run()
  }

  /** Stops; a document being sent is closed and stays pending. */
  stop(): void {
    this.stopped = true
    this.win.removeEventListener('online', this.onOnline)
    this.win.removeEventListener('storage', this.onStorage)
    this.stopping.abort()
    clearTimeout(this.retry)
    this.cancel?.()
  }

  /** Sends every pending document now; called during a round, one more round follows it. */
  run(): void {
    if (this.stopped) return
    if (this.running) {
      this.again = true
      return
    }
    this.running = true
    void this.round()
      .catch((err: unknown) => console.warn('Tandem: sending changes kept in this browser failed:', err))
      .finally(() => {
        this.running = false
        if (this.again) {
          this.again = false
          this.run()
        }
      })
  }

  private get online(): boolean {
    return this.win.navigator.onLine !== false
  }

  private async round(): Promise<void> {
    clearTimeout(this.retry)
    // the server's mode is not known yet: the app runs a round once it is
    if (this.options.auth.state.mode === null) return
    let later = false
    for (const [docId, entry] of this.options.pending.list()) {
      // offline: the 'online' event starts the next round
      if (this.stopped || !this.online) return
      if ((await this.syncOne(docId, entry)) === 'later') later = true
    }
    if (!later) {
      this.failures = 0
      return
    }
    if (this.stopped) return
    // a server restarting is back in seconds; one that stays away is asked less and less often
    const delay = Math.min(this.options.retryMs ?? 30_000, (this.options.firstRetryMs ?? 2_000) * 2 ** this.failures)
    this.failures++
    this.retry = setTimeout(() => this.run(), delay)
  }

  /**
   * Runs a round once the tab that has `docId` open lets go of it. That tab sends the changes it
   * holds, but if it is closed while the server is unreachable, nothing else would tell this tab.
   */
  private whenReleased(docId: string): void {
    if (this.waiting.has(docId)) return
    this.waiting.add(docId)
    void whenDocLockFree(docId, this.stopping.signal).then((free) => {
      this.waiting.delete(docId)
      if (free) this.run()
    })
  }

  private async syncOne(docId: string, entry: PendingEntry): Promise<Outcome> {
    const { auth, pending } = this.options
    const state = auth.state
    // someone else is signed in: those changes are not theirs to send
    if ((state.user?.id ?? null) !== entry.account) return 'skip'
    const token = state.mode === 'token' && !entry.share ? auth.token : null
    if (state.mode === 'token' && !entry.share && !token) return 'skip'
    if (state.mode !== 'open') {
      const role = await this.fetchRole(docId, entry, token)
      if (role === 'later' || role === 'skip') return role
      if (role === null) {
        // deleted, or no longer shared: the document list tells the person and keeps the copy
        pending.undeliverable(docId, 'gone')
        return 'done'
      }
      if (!canWrite(role)) {
        // may only read now: the server would refuse them; the editor says so when it is opened
        pending.remove(docId)
        return 'done'
      }
    }
    let outcome: Outcome = 'skip'
    // open in a tab of this browser (this one included): that editor sends them
    const free = await withFreeDocLock(docId, async () => {
      outcome = await this.send(docId, entry, token)
    })
    if (!free) this.whenReleased(docId)
    return outcome
  }

  /** The role, as the editor learns it when it opens the document; null when there is no access. */
  private async fetchRole(docId: string, entry: PendingEntry, token: string | null): Promise<Role | null | 'later' | 'skip'> {
    try {
      const doc = await this.options.api.get(docId, { share: entry.share })
      const role = doc.role ?? 'viewer'
      this.roles.set(docId, entry.share, role)
      return role
    } catch (err) {
      if (!(err instanceof ApiError) || err.offline || err.status >= 500) return 'later'
      // a visitor's link that no longer works: nobody can send them under that link again
      if (err.status === 401 && entry.account === null && entry.share) {
        this.roles.set(docId, entry.share, null)
        return null
      }
      // signed out: the app asks to sign in; the changes wait for the same account
      if (err.status === 401) return 'skip'
      // the token grants it but nobody has opened it yet: the first sync creates it
      if (err.status === 404 && token) return tokenRole(token, docId)
      this.roles.set(docId, entry.share, null)
      return null
    }
  }

  /** Opens the document without presence until the server confirmed its changes, then closes it. */
  private async send(docId: string, entry: PendingEntry, token: string | null): Promise<Outcome> {
    const { pending, serverUrl } = this.options
    const params: Record<string, string> = entry.share ? { share: entry.share } : token ? { token } : {}
    const session = new DocSession({ docId, serverUrl, params, window: this.win, keepCopy: () => pending.keeps(docId) })
    const untrack = trackPending(session, pending, entry)
    let timer: ReturnType<typeof setTimeout> | undefined
    try {
      return await new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve('later'), this.options.timeoutMs ?? 60_000)
        this.cancel = () => resolve('later')
        // runs after trackPending's own listener, which forgets the document once it is confirmed
        const check = () => {
          if (!pending.has(docId) || session.ended) resolve('done')
          else if (!this.online) resolve('later')
          // the server is unreachable with the network up: try again in the next round
          else if (session.provider.wsUnsuccessfulReconnects >= 3) resolve('later')
        }
        session.on('status', check)
        session.on('local', check)
        // the role changed (4003) or the changes were refused: the next round asks for the role
        session.on('access', () => resolve(pending.has(docId) ? 'later' : 'done'))
        check()
      })
    } finally {
      clearTimeout(timer)
      this.cancel = null
      untrack()
      const sent = !pending.has(docId) && !session.ended
      session.destroy()
      if (sent) this.win.dispatchEvent(new CustomEvent(SENT_EVENT, { detail: { docId } }))
    }
  }
}

/** Whether a change of the pending list (old and new localStorage values) adds a document. */
function addsDocs(before: string | null, after: string | null): boolean {
  const keys = (value: string | null): string[] => {
    try {
      const parsed = JSON.parse(value ?? '{}') as unknown
      return parsed && typeof parsed === 'object' ? Object.keys(parsed) : []
    } catch {
      return []
    }
  }
  const old = new Set(keys(before))
  return keys(after).some((docId) => !old.has(docId))
}
