/**
 * Group commit: the log entries of every document written to in one event-loop turn become
 * durable together, before any of them is relayed. With a journal (the LevelDB default) that is
 * one synchronous append to the journal file, and the entries reach the store within half a
 * second, gathered into one entry per document; without one (the memory store, PostgreSQL) it is
 * one store batch (a PostgreSQL transaction), with at most one in flight. Failures are logged, counted and retried with
 * backoff; nothing is acknowledged or relayed until it is durable, and nothing is dropped.
 */
import type { Logger } from 'pino'
import type { Metrics } from '../metrics.js'
import type { Journal, JournalEntry, JournalPosition } from './journal.js'
import { PackedUpdates } from './packed-updates.js'
import type { Append, LogEntry, RecordWrite, Storage } from './storage.js'

/** A writer of log entries (a room) as the group commit sees it. */
export interface Committable {
  readonly docId: string
  /** Moves what waits into an in-flight entry; null when nothing waits. Called once per batch. */
  take(now: number): { entry: LogEntry | null; records: readonly RecordWrite[] } | null
  /** The entry last taken is durable: relay it and acknowledge it. */
  committed(): void
  /** `entries` of this document's durable entries reached the store. */
  stored(entries: number): void
  /**
   * Its committed() or stored() threw: what it holds in memory cannot be trusted, so it stops
   * serving from it (its peers come back to what is durable). The others go on.
   */
  broken(err: Error): void
}

/** Record under which the store remembers how far the journal has been moved into it. */
export const JOURNAL_RECORD = { kind: 'journal', id: 'applied' } as const

/** Options of the group commit. */
export interface GroupCommitOptions {
  readonly storage: Storage
  /** When given, entries are durable once journaled and reach `storage` in later batches. */
  readonly journal?: Journal | null
  readonly log: Logger
  readonly metrics: Metrics
  readonly now?: () => number
  /** How long journaled entries may wait for the store, to batch more of them. */
  readonly storeDelayMs?: number
  /** First retry delay after a failed write, doubling up to `maxRetryMs`. */
  readonly retryMs?: number
  readonly maxRetryMs?: number
}

interface Batch {
  readonly docs: Committable[]
  /** Each document's log entry (same index as in `docs`), or null when it writes records only. */
  readonly entries: Array<LogEntry | null>
  readonly records: RecordWrite[]
}

/** The batch's entries as the store takes them. */
function appendsOf(batch: Batch): Append[] {
  const appends: Append[] = []
  batch.docs.forEach((doc, i) => {
    const entry = batch.entries[i]
    if (entry) appends.push({ docId: doc.docId, entry })
  })
  return appends
}

/**
 * What one document has journaled since the last store write. The updates are copied end to end
 * (PackedUpdates): held as objects for up to half a second, each would survive a young-generation
 * collection or two and be promoted, only to die soon after.
 */
interface Gathered {
  seq: number
  time: number
  readonly updates: PackedUpdates
  /** Journal entries it gathered (0: only a record write, such as the document's card). */
  entries: number
}

/**
 * Journaled writes waiting for the store, gathered per document as each turn is journaled, so a
 * store write costs one entry per document however many turns it covers.
 */
interface StoreBatch {
  readonly docs: Map<Committable, Gathered>
  readonly records: RecordWrite[]
  /** The journal position after the last turn gathered. */
  position: JournalPosition | null
}

const newStoreBatch = (): StoreBatch => ({ docs: new Map(), records: [], position: null })

/** Adds `later` (journaled after `into`) to `into`. */
function gatherInto(into: StoreBatch, later: StoreBatch): void {
  for (const [doc, g] of later.docs) {
    const to = into.docs.get(doc)
    if (!to) {
      into.docs.set(doc, g)
      continue
    }
    if (g.entries > 0) {
      to.seq = g.seq
      to.time = g.time
    }
    for (const u of g.updates.views()) to.updates.push(u, g.seq)
    to.entries += g.entries
  }
  for (const r of later.records) into.records.push(r)
  into.position = later.position ?? into.position
}

/** Bytes waiting for the store past which they are written at once, without waiting to batch more. */
const STORE_AT_ONCE_BYTES = 256 * 1024

const bytesOf = (entry: LogEntry) => entry.updates.reduce((n, u) => n + u.length, 0)

/** Batches durable writes of many documents: one per turn. */
export class GroupCommit {
  private dirty = new Set<Committable>()
  private scheduled = false
  /** A batch on its way to durability (a store write in flight, or a failed write to retry). */
  private committing: Batch | null = null
  /** Journaled writes waiting for the store, and the ones being written to it. */
  private toStore = newStoreBatch()
  private storing: StoreBatch | null = null
  private storeTimer: NodeJS.Timeout | null = null
  /** A store write is due right after this turn (setImmediate). */
  private storeSoon = false
  /** A failed store write waits for its retry; new batches do not hurry it. */
  private storeRetryPending = false
  /** Someone waits for the store (storeNow): write without the batching delay. */
  private hurry = false
  private retryDelay: number
  private drained: Array<() => void> = []
  /** Bytes accepted but not yet in the store, across all documents. */
  backlogBytes = 0
  /**
   * True while journal appends are failing, cleared by the next one that succeeds; apart from
   * the store's, so that a store write landing meanwhile does not hide a journal that fails.
   */
  journalFailing = false
  /** True while store writes are failing; cleared by the next one that succeeds. */
  storeFailing = false

  constructor(private readonly options: GroupCommitOptions) {
    this.retryDelay = options.retryMs ?? 100
  }

  /** Registers `doc` as having `bytes` more to write; the batch goes out at the end of the turn. */
  enqueue(doc: Committable, bytes: number): void {
    this.backlogBytes += bytes
    this.dirty.add(doc)
    if (!this.scheduled && this.committing === null) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  /** Forgets bytes that will never be written (a deleted document's pending updates). */
  settled(bytes: number): void {
    this.backlogBytes -= bytes
  }

  /** Resolves once everything accepted is in the store (shutdown). */
  drain(): Promise<void> {
    if (this.idle) return Promise.resolve()
    const done = new Promise<void>((resolve) => this.drained.push(resolve))
    if (this.scheduled) this.flush()
    if (this.storeTimer) {
      clearTimeout(this.storeTimer)
      this.storeTimer = null
      this.store()
    }
    return done
  }

  /** True while journal appends or store writes are failing. */
  get failing(): boolean {
    return this.journalFailing || this.storeFailing
  }

  /** True when everything accepted is in the store. */
  get idle(): boolean {
    return this.dirty.size === 0 && this.committing === null && !this.storeWaiting && this.storing === null
  }

  /** True when journaled writes wait for the store. */
  private get storeWaiting(): boolean {
    return this.toStore.docs.size > 0 || this.toStore.records.length > 0
  }

  private readonly flush = (): void => {
    this.scheduled = false
    if (this.committing !== null || this.dirty.size === 0) return this.settle()
    const now = (this.options.now ?? Date.now)()
    const batch: Batch = { docs: [], entries: [], records: [] }
    // a fresh set rather than clear(): Set.prototype.clear is a runtime call, costly once per turn
    const dirty = this.dirty
    this.dirty = new Set()
    for (const doc of dirty) {
      const taken = doc.take(now)
      if (!taken) continue
      batch.docs.push(doc)
      batch.entries.push(taken.entry)
      for (const record of taken.records) batch.records.push(record)
    }
    if (batch.docs.length === 0) return this.settle()
    this.commit(batch)
  }

  /** Makes a batch durable: a journal append, or a store write. */
  private commit(batch: Batch): void {
    const journal = this.options.journal
    if (!journal) return this.write(batch)
    let position: JournalPosition
    try {
      position = journal.append(appendsOf(batch).map(({ docId, entry }): JournalEntry => ({ docId, seq: entry.seq, time: entry.time, updates: entry.updates })))
    } catch (err) {
      this.committing = batch
      return this.failed(err as Error, 'journal-write', appendsOf(batch).length, () => this.commit(batch))
    }
    this.committing = null
    this.succeeded('journal-write')
    // gathered first, so a document asked whether it is settled while relaying knows its writes wait
    this.gather(batch, position)
    for (const doc of batch.docs) this.step(doc, () => doc.committed())
    this.scheduleStore()
    if (this.dirty.size > 0 && !this.scheduled) {
      this.scheduled = true
      setImmediate(this.flush)
    }
  }

  /** Without a journal: the store write itself is the durable step. */
  private write(batch: Batch): void {
    this.committing = batch
    const { storage, metrics } = this.options
    const stop = metrics.persistBatch.startTimer()
    storage.append(appendsOf(batch), batch.records).then(
      () => {
        stop()
        this.committing = null
        this.succeeded('storage-write')
        for (const doc of batch.docs) this.step(doc, () => doc.committed())
        batch.docs.forEach((doc, i) => {
          const entry = batch.entries[i]
          if (entry) this.backlogBytes -= bytesOf(entry)
          this.step(doc, () => doc.stored(entry ? 1 : 0))
        })
        if (this.dirty.size > 0) this.flush()
        else this.settle()
      },
      (err: Error) => {
        stop()
        this.failed(err, 'storage-write', appendsOf(batch).length, () => this.write(batch))
      },
    )
  }

  private scheduleStore(): void {
    if (this.storing !== null || this.storeRetryPending) return
    // a large backlog goes at once (compaction folds only what is stored), and so does a write
    // someone waits for; typing traffic waits a little so that many turns share one store write
    const atOnce = this.hurry || this.backlogBytes > STORE_AT_ONCE_BYTES
    if (!atOnce) {
      if (this.storeTimer === null && !this.storeSoon) this.storeTimer = setTimeout(this.storeDue, this.options.storeDelayMs ?? 500)
      return
    }
    if (this.storeTimer !== null) clearTimeout(this.storeTimer)
    this.storeTimer = null
    // right after this turn, not on a timer: the write then happens before what arrives next
    // (a zero timeout waits a millisecond, which is when a joiner's request tends to come in)
    if (!this.storeSoon) setImmediate(this.storeDue)
    this.storeSoon = true
  }

  private readonly storeDue = (): void => {
    this.storeTimer = null
    this.storeSoon = false
    this.store()
  }

  /** True while something of `doc` (entries or records) waits to be written or to reach the store. */
  pending(doc: Committable): boolean {
    return this.dirty.has(doc) || this.toStore.docs.has(doc) || (this.storing?.docs.has(doc) ?? false) || (this.committing?.docs.includes(doc) ?? false)
  }

  /**
   * Moves what waits for the store into it without the batching delay (a reader of the store,
   * such as the document list, is waiting for it). A write in flight finishes first.
   */
  storeNow(): void {
    // also what is journaled next (a write taken this turn): the flag holds until a store write
    this.hurry = true
    if (this.storeWaiting) this.scheduleStore()
  }

  /**
   * Runs one document's part of a batch. A bug there breaks that document alone: the others in
   * the batch are still relayed and acknowledged, and the bookkeeping here goes on.
   */
  private step(doc: Committable, part: () => void): void {
    try {
      part()
    } catch (err) {
      this.options.metrics.errors.inc({ kind: 'internal' })
      this.options.log.error({ err, doc: doc.docId }, 'a document failed in the group commit; its peers reconnect to what is durable')
      try {
        doc.broken(err as Error)
      } catch (again) {
        this.options.log.error({ err: again, doc: doc.docId }, 'a broken document failed to stop')
      }
    }
  }

  /** Adds a journaled batch to what waits for the store. */
  private gather(batch: Batch, position: JournalPosition): void {
    const waiting = this.toStore
    batch.docs.forEach((doc, i) => {
      let g = waiting.docs.get(doc)
      if (!g) waiting.docs.set(doc, (g = { seq: 0, time: 0, updates: new PackedUpdates(), entries: 0 }))
      const entry = batch.entries[i]
      if (!entry) return
      g.seq = entry.seq
      g.time = entry.time
      for (const u of entry.updates) g.updates.push(u, entry.seq)
      g.entries++
    })
    for (const r of batch.records) waiting.records.push(r)
    waiting.position = position
  }

  /** Moves journaled writes into the store: one write, one entry per document. */
  private store(): void {
    if (this.storing !== null || !this.storeWaiting) return this.settle()
    const batch = this.toStore
    this.toStore = newStoreBatch()
    this.storing = batch
    this.hurry = false
    // a document's entries of several turns become one stored entry, keyed by the last seq
    const appends: Append[] = []
    for (const [doc, g] of batch.docs) {
      if (g.entries > 0) appends.push({ docId: doc.docId, entry: { seq: g.seq, time: g.time, updates: g.updates.views() } })
    }
    const position = batch.position!
    const records = [...batch.records, { ...JOURNAL_RECORD, value: position }]
    const { storage, metrics, journal } = this.options
    const stop = metrics.persistBatch.startTimer()
    storage.append(appends, records).then(
      () => {
        stop()
        this.storing = null
        this.succeeded('storage-write')
        journal?.applied(position)
        // each document hears once, with all its entries in the write
        for (const [doc, g] of batch.docs) {
          this.backlogBytes -= g.updates.bytes
          this.step(doc, () => doc.stored(g.entries))
        }
        if (this.storeWaiting) this.scheduleStore()
        else this.settle()
      },
      (err: Error) => {
        stop()
        this.storing = null
        // what was journaled meanwhile goes after it
        gatherInto(batch, this.toStore)
        this.toStore = batch
        this.storeRetryPending = true
        this.failed(err, 'storage-write', appends.length, () => {
          this.storeRetryPending = false
          this.store()
        })
      },
    )
  }

  private succeeded(kind: 'journal-write' | 'storage-write'): void {
    this.retryDelay = this.options.retryMs ?? 100
    const journal = kind === 'journal-write'
    if (journal ? this.journalFailing : this.storeFailing) this.options.log.info(journal ? 'journal writes succeed again' : 'store writes succeed again')
    if (journal) this.journalFailing = false
    else this.storeFailing = false
  }

  private failed(err: Error, kind: 'journal-write' | 'storage-write', entries: number, retry: () => void): void {
    const { metrics, log } = this.options
    if (kind === 'journal-write') this.journalFailing = true
    else this.storeFailing = true
    metrics.persistFailures.inc()
    metrics.errors.inc({ kind })
    log.error({ err, entries, retryInMs: this.retryDelay }, `${kind} failed; keeping updates in memory and retrying`)
    const delay = this.retryDelay
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryMs ?? 5000)
    setTimeout(retry, delay).unref()
  }

  private settle(): void {
    if (!this.idle) return
    const waiting = this.drained
    this.drained = []
    for (const resolve of waiting) resolve()
  }
}
