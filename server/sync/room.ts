/**
 * One loaded document and its peers: answers sync, relays updates write-ahead (an update reaches
 * other peers only after its log entry is on disk), relays awareness, acknowledges saves, and
 * compacts its log in the background. Holds bytes, never a Y.Doc.
 */
import type { Logger } from 'pino'
import * as Y from 'yjs'
import * as awarenessCodec from '../../shared/awareness.js'
import * as frame from '../../shared/frame.js'
import { Close, type CloseCode } from '../../shared/protocol.js'
import { CompactionStoppedError, type Compactor } from '../docs/compactor.js'
import { DOC_RECORD, newMeta, type DocMeta } from '../docs/meta.js'
import { thin } from '../docs/retention.js'
import { TEXT_RECORD, textHash, type DocText } from '../docs/search.js'
import type { Metrics } from '../metrics.js'
import type { Committable, GroupCommit } from '../storage/group-commit.js'
import type { LogEntry, RecordWrite, Storage } from '../storage/storage.js'
import { SharedFrame } from '../transport/wire-frame.js'
import { DocState } from './doc-state.js'
import { Presence } from './presence.js'
import { PresenceBatch, type PresenceBurst } from './presence-batch.js'
import { inspect, type UpdateInfo } from './update.js'

/** A connected client as the room sees it. */
export interface RoomPeer {
  /** Sends one frame; the transport enforces the send budget. */
  send(frame: Uint8Array): void
  /** Sends a frame in two parts as one message, the body as it is (a document's sync step 2). */
  sendSplit(frame: frame.SplitFrame): void
  /** Sends a frame other peers receive too (framed for the wire once for all of them). */
  sendShared(frame: SharedFrame): void
  /** Closes the connection with a named code. */
  close(code: CloseCode): void
  /**
   * Checks now that the peer is still there, and closes it if it does not answer: another
   * connection announces a client id this one owns.
   */
  probe(): void
  /** Holds sends back until uncork, so a burst of frames leaves in one system call. */
  cork(): void
  uncork(): void
  /** The room's accepted-update count when this peer's last update was accepted. */
  lastAccepted: number
}

/** What a room needs from the server, passed in. */
export interface RoomContext {
  readonly storage: Storage
  readonly commit: GroupCommit
  readonly compactor: Compactor
  readonly log: Logger
  readonly metrics: Metrics
  readonly now: () => number
  /** Compact once this many bytes (estimated) were added, or twice the compacted size if larger. */
  readonly compactMinBytes: number
  /** Compact a document that has been quiet this long and holds uncompacted changes. */
  readonly compactIdleMs: number
  /** Refuse new updates while this many bytes wait for storage. */
  readonly maxBacklogBytes: number
  /** Write the document card at most this often while it is being edited. */
  readonly metaIntervalMs: number
  /** Largest document (bytes held, compacted or not); updates beyond it are refused (4413). */
  readonly maxDocBytes: number
  /** Awareness changes within this long of a relay wait and go out together (0: each at once). */
  readonly presenceIntervalMs: number
}

interface Batch {
  updates: Uint8Array[]
  infos: UpdateInfo[]
  /** Frames to relay once the batch is durable, each to every peer but its sender: the updates, and awareness sent after them. */
  frames: Uint8Array[]
  senders: RoomPeer[]
  /** Coalesced awareness to relay after `frames` (PresenceBatch): the interval ended while these updates waited. */
  presence?: Array<PresenceBurst<RoomPeer>>
  bytes: number
  /** Once taken: the room's accepted count it brings to durable, and its log entry's seq (0: none). */
  count: number
  seq: number
}

/** A batch holding one update: arrays of exactly one element (most batches never get a second). */
const batchOf = (update: Uint8Array, info: UpdateInfo, frame: Uint8Array, sender: RoomPeer): Batch => ({
  updates: [update],
  infos: [info],
  frames: [frame],
  senders: [sender],
  bytes: update.length,
  count: 0,
  seq: 0,
})

/** The batch of a write with no updates (the document's card alone). */
const emptyBatch = (): Batch => ({ updates: [], infos: [], frames: [], senders: [], bytes: 0, count: 0, seq: 0 })

const NO_RECORDS: readonly RecordWrite[] = []

/**
 * Longest the room waits for the journal or the store on someone's behalf (refreshTitle, a writer
 * held for room) before it goes on with what is there.
 */
const STORE_WAIT_MS = 2000

/**
 * Waits until `register`'s callback is called, at most STORE_WAIT_MS: a store or journal that
 * starts failing meanwhile does not hold the caller up for long.
 */
async function atMostStoreWait(register: (done: () => void) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([new Promise<void>(register), new Promise<void>((resolve) => (timer = setTimeout(resolve, STORE_WAIT_MS)))])
  clearTimeout(timer)
}

/** Someone waiting for a count or sequence number to reach `at`. */
interface Waiter {
  readonly at: number
  readonly done: () => void
}

/** Removes the waiters whose mark was reached from `waiters`, then calls them. */
function release(waiters: Waiter[], reached: number): void {
  if (waiters.length === 0) return
  const due: Waiter[] = []
  let kept = 0
  for (const w of waiters) {
    if (w.at <= reached) due.push(w)
    else waiters[kept++] = w
  }
  waiters.length = kept
  for (const w of due) w.done()
}

/**
 * What became of an offered update: accepted; refused (the peer is being closed); or `wait`: to
 * be offered again once the room has tried to make room (whenRoom). A writer waits when the
 * document would pass its limit while much of what it holds is history the next compaction may
 * drop, and when it has written far more than compaction has folded so far.
 */
export type UpdateOutcome = 'accepted' | 'refused' | 'wait'

/**
 * Times in a row a writer waits for room in a full document before its update is refused as too
 * large (each time, the room stores and compacts everything durable).
 */
export const MAX_FULL_ROUNDS = 3

/**
 * How far a document's log may run ahead of compaction before writers wait for it, as a multiple
 * of what starts a compaction: a paste or a flood of large values is held back by TCP instead of
 * piling up in memory (typing never gets near it).
 */
const COMPACTION_LAG = 8

/** Lifecycle of a room. */
export type RoomStatus = 'loading' | 'ready' | 'failed' | 'deleted'

/** Why a server-side edit was refused: the document was deleted (perhaps while the edit waited). */
export class DocumentDeletedError extends Error {
  constructor(readonly docId: string) {
    super(`document ${docId} is deleted`)
    this.name = 'DocumentDeletedError'
  }
}

/** The author of server-side edits (API renames): never a member of `peers`, so all receive them. */
const SERVER: RoomPeer = { send() {}, sendSplit() {}, sendShared() {}, close() {}, probe() {}, cork() {}, uncork() {}, lastAccepted: 0 }

/** The live state of one document. */
export class Room implements Committable {
  readonly peers = new Set<RoomPeer>()
  status: RoomStatus = 'loading'
  /** Settles when the document is loaded (or failed to load). */
  readonly ready: Promise<void>
  private state: DocState | null = null
  private readonly presence = new Presence<RoomPeer>()
  /** Awareness changes waiting for the end of the interval (PresenceBatch). */
  private readonly presenceBatch = new PresenceBatch<RoomPeer>()
  /** Set while an interval runs: changes now wait for its end. */
  private presenceTimer: NodeJS.Timeout | null = null
  private meta_: DocMeta | null = null
  /** Sequence number up to which the card's title was read from the document. */
  private titleSeq = 0
  private metaDirty = false
  private metaWrittenAt = 0
  /** Write the card with the next batch, whatever the interval (a rename). */
  private metaUrgent = false
  private metaTimer: NodeJS.Timeout | null = null
  /** Updates accepted since the last take, or null when none are. */
  private unsaved: Batch | null = null
  private inFlight: Batch | null = null
  private accepted = 0
  private durable = 0
  /** Waiting for every update accepted up to `at` (a count) to be durable. */
  private readonly waiters: Waiter[] = []
  private compacting: Promise<void> | null = null
  /** Stored checkpoints (for history thinning), read at the first compaction. */
  private checkpoints: Array<{ seq: number; time: number }> | null = null
  /** Fingerprint of the body text last recorded for search (null: none since this room loaded). */
  private textHash: number | null = null
  /** When this room last made an entry durable; null while it has written none (it only served readers). */
  private lastWriteAt: number | null = null
  private settledWaiters: Array<() => void> = []
  /**
   * Sequence numbers of entries taken for writing but not yet in the store, oldest first.
   * Compaction folds only what is stored; unloading waits until this is empty.
   */
  private unstored: number[] = []
  /** Sequence number of the last entry known to be in the store (every earlier one is too); lastSeq once nothing is unstored. */
  private storedSeq = 0
  /** Waiting for the store to hold every entry up to `at` (a seq). */
  private readonly storedWaiters: Waiter[] = []
  /** Writers waiting for room (their update did not fit), called once the room has tried to make it. */
  private roomWaiters: Array<() => void> = []
  private makingRoom = false
  /** The last compaction failed: a full document cannot count on the next one. */
  private compactionFailed = false

  constructor(
    readonly docId: string,
    private readonly ctx: RoomContext,
    /** Called once the room has no peers and nothing left to write. */
    private readonly onIdle: (room: Room) => void,
    /** Settles before loading: a compaction of this document still finishing elsewhere. */
    before: Promise<unknown> = Promise.resolve(),
  ) {
    this.ready = before.then(() => this.load()).catch(() => {})
  }

  private async load(): Promise<void> {
    try {
      const [stored, meta] = await Promise.all([
        this.ctx.storage.load(this.docId),
        this.ctx.storage.getRecord<DocMeta>(DOC_RECORD, this.docId),
      ])
      if (this.status !== 'loading') return
      if (meta?.deletedAt !== undefined) {
        this.fail(Close.DocumentDeleted, null)
        return
      }
      this.meta_ = meta ?? null
      this.state = DocState.fromStored(stored)
      this.storedSeq = this.state.lastSeq
      // the card says how far its title was read; a checkpoint written after (by a compaction that
      // failed before updating the card) does not make it current. Older cards: the checkpoint's
      this.titleSeq = Math.min(meta?.titleSeq ?? stored.checkpoint?.seq ?? 0, this.state.lastSeq)
      this.status = 'ready'
      for (const peer of this.peers) this.greet(peer)
      this.maybeCompact()
    } catch (err) {
      this.ctx.metrics.errors.inc({ kind: 'storage-load' })
      this.ctx.log.error({ err, doc: this.docId }, 'document failed to load')
      this.fail(Close.StorageUnavailable, err as Error)
    }
  }

  private fail(code: CloseCode, _err: Error | null): void {
    this.status = code === Close.DocumentDeleted ? 'deleted' : 'failed'
    for (const peer of [...this.peers]) peer.close(code)
    this.peers.clear()
    this.onIdle(this)
  }

  /** Number of live awareness entries. */
  get presenceSize(): number {
    return this.presence.size
  }

  /** Bytes of document state held in memory. */
  get size(): number {
    return this.state?.size ?? 0
  }

  /** Adds a peer; once loaded it gets the server's state vector and everyone's presence. */
  join(peer: RoomPeer): void {
    if (this.status === 'failed' || this.status === 'deleted') {
      peer.close(this.status === 'deleted' ? Close.DocumentDeleted : Close.StorageUnavailable)
      return
    }
    this.peers.add(peer)
    if (this.status === 'ready') this.greet(peer)
  }

  private greet(peer: RoomPeer): void {
    peer.send(frame.syncStep1(this.state!.stateVector()))
    const live = this.presence.live()
    if (live.length > 0) peer.send(frame.awareness(awarenessCodec.encode(live)))
  }

  /** Removes a peer; its presence entries are removed for everyone at once. */
  leave(peer: RoomPeer): void {
    if (!this.peers.delete(peer)) return
    const removed = this.presence.removePeer(peer, this.ctx.now())
    this.presenceBatch.drop(peer)
    if (removed.length > 0) this.broadcast(frame.awareness(awarenessCodec.encode(removed)), null)
    // the last peer left a room still loading: look again once it is loaded, after whoever else
    // awaited the load (a server-side edit) had its turn
    if (this.status === 'loading' && this.peers.size === 0) void this.ready.then(() => setImmediate(() => this.maybeIdle()))
    this.maybeIdle()
  }

  /** Answers a peer's sync step 1 with everything durable it lacks. */
  syncStep1(peer: RoomPeer, stateVector: Uint8Array): void {
    peer.sendSplit(this.state!.syncStep2For(stateVector))
  }

  /**
   * True when `update` adds nothing to the durable document: structs it holds already, deletions
   * it has already (DocState.holds). A client that has the document sends such updates on every
   * connect: its sync step 2 carries the whole delete set, and an offline copy loaded after the
   * socket opened goes out whole as an update. They are neither stored nor relayed. A deletion
   * alone (`answer` false: not a sync step 2) is taken as it comes: each backspace is one, and
   * reading the document's delete set for each would cost more than storing the rare repeat.
   */
  addsNothing(update: Uint8Array, info: UpdateInfo, answer: boolean): boolean {
    if (this.status !== 'ready' || (info.ranges.length === 0 && !answer)) return false
    return this.state!.holds(update, info)
  }

  /**
   * Accepts a validated, non-empty update (an exact-size copy) and its original frame. It is
   * written before anyone else sees it. Refused (and the peer closed) when storage is too far
   * behind, or when it would take the document past its limit. A peer that can wait (`waited`:
   * the times in a row it already waited for room with this update; null when it cannot) is told
   * to wait instead while compaction lags far behind, and when the document is full but holds
   * history not yet compacted, which may be what fills it (a value overwritten again and again).
   */
  update(peer: RoomPeer, update: Uint8Array, info: UpdateInfo, relayFrame: Uint8Array, waited: number | null = null): UpdateOutcome {
    if (this.status !== 'ready') return 'refused'
    if (this.ctx.commit.backlogBytes > this.ctx.maxBacklogBytes) {
      this.ctx.metrics.errors.inc({ kind: 'storage-backlog' })
      peer.close(Close.StorageUnavailable)
      return 'refused'
    }
    const b = this.unsaved
    if (this.state!.size + (b?.bytes ?? 0) + update.length > this.ctx.maxDocBytes) {
      if (waited !== null && waited < MAX_FULL_ROUNDS && this.mayMakeRoom) return 'wait'
      this.ctx.metrics.errors.inc({ kind: 'document-too-large' })
      peer.close(Close.DocumentTooLarge)
      return 'refused'
    }
    if (waited !== null && this.compactionLags) return 'wait'
    if (b === null) {
      this.unsaved = batchOf(update, info, relayFrame, peer)
    } else {
      b.updates.push(update)
      b.infos.push(info)
      b.frames.push(relayFrame)
      b.senders.push(peer)
      b.bytes += update.length
    }
    peer.lastAccepted = ++this.accepted
    this.ctx.commit.enqueue(this, update.length)
    return 'accepted'
  }

  /** True when the log has run far ahead of compaction (and compaction and storage work). */
  private get compactionLags(): boolean {
    const state = this.state!
    // what is accepted but not yet durable counts too: a burst read in one turn is accepted at once
    const ahead = state.uncompacted + (this.unsaved?.bytes ?? 0) + (this.inFlight?.bytes ?? 0)
    return !this.compactionFailed && !this.ctx.commit.failing && ahead > COMPACTION_LAG * Math.max(this.ctx.compactMinBytes, 2 * state.compactedSize)
  }

  /** True when compaction may shrink what the document holds: there is a log past the base, and compaction and storage work. */
  private get mayMakeRoom(): boolean {
    return !this.compactionFailed && !this.ctx.commit.failing && (this.state!.tailLength > 0 || this.unsaved !== null || this.inFlight !== null)
  }

  /**
   * Calls `done` once the room has tried to make room: everything accepted made durable, moved
   * into the store and compacted. The caller then offers its update again, in a later turn.
   */
  whenRoom(done: () => void): void {
    this.roomWaiters.push(done)
    if (this.makingRoom) return
    this.makingRoom = true
    void (async () => {
      try {
        // a burst read in one turn is accepted before the group commit takes it: it must reach
        // the log first, or there is nothing yet to store or compact and no round makes room
        await this.durableNow()
        await this.storeDurable()
        if (this.status === 'ready') await this.compact()
      } finally {
        // never within this turn: a writer offering again at once would starve the group commit
        setImmediate(() => {
          this.makingRoom = false
          const waiting = this.roomWaiters
          this.roomWaiters = []
          for (const w of waiting) w()
        })
      }
    })()
  }

  /** Waits until everything accepted so far is durable, at most STORE_WAIT_MS. */
  private async durableNow(): Promise<void> {
    const accepted = this.accepted
    if (this.durable >= accepted) return
    await atMostStoreWait((done) => this.whenDurable(accepted, done))
  }

  /**
   * Moves every change durable now into the store without the batching delay (compaction folds
   * only what is stored), waiting for it at most STORE_WAIT_MS.
   */
  private async storeDurable(): Promise<void> {
    const target = this.state?.lastSeq ?? 0
    if (this.storedSeq >= target || this.status !== 'ready' || this.ctx.commit.failing) return
    this.ctx.commit.storeNow()
    await atMostStoreWait((done) => this.storedWaiters.push({ at: target, done }))
  }

  /** Calls `done` once every update accepted up to `count` is durable. */
  whenDurable(count: number, done: () => void): void {
    if (this.durable >= count) done()
    else this.waiters.push({ at: count, done })
  }

  /**
   * Applies an awareness update: newer entries of the sender's own clients are relayed, never
   * echoed. The first change after a quiet interval goes out at once; later ones in the interval
   * wait for its end and go out together (PresenceBatch).
   */
  awareness(peer: RoomPeer, entries: readonly awarenessCodec.ScannedEntry[], original: Uint8Array): void {
    const change = this.presence.apply(peer, entries, this.ctx.now())
    if (change.accepted.length > 0) {
      if (this.presenceTimer !== null) {
        this.presenceBatch.add(peer, change.accepted)
      } else {
        const relay = change.all ? original : frame.awareness(awarenessCodec.encode(change.accepted))
        const b = this.editsAhead
        if (b !== null) {
          // updates wait for their log write: a cursor that moved after them goes out after them,
          // in the same burst (a cursor never points at content its peers have not got yet)
          b.frames.push(relay)
          b.senders.push(peer)
        } else {
          this.broadcast(relay, peer)
        }
        this.startPresenceInterval()
      }
    }
    if (change.bounce.length > 0) peer.send(frame.awareness(awarenessCodec.encode(change.bounce)))
    // someone else's client id, or the sender's own from a connection that vanished unseen (a
    // network change): a live owner answers the probe and keeps it; a gone one is closed, its
    // entries removed, and the sender (told its entry was removed) announces itself again
    for (const owner of change.contested) owner.probe()
  }

  /** The batch of updates accepted but not yet relayed that presence must follow, if any. */
  private get editsAhead(): Batch | null {
    if (this.ctx.commit.failing) return null
    return this.unsaved ?? (this.inFlight !== null && this.inFlight.seq > 0 ? this.inFlight : null)
  }

  private startPresenceInterval(): void {
    const ms = this.ctx.presenceIntervalMs
    if (ms <= 0) return
    this.presenceTimer = setTimeout(this.presenceDue, ms)
    this.presenceTimer.unref()
  }

  /**
   * The interval ended: what waits goes out now, or, when updates accepted before it are still on
   * their way to durability, right after those (not after updates accepted later, which under
   * steady typing would hold presence back for good).
   */
  private readonly presenceDue = (): void => {
    this.presenceTimer = null
    if (this.presenceBatch.empty) return
    const burst = this.presenceBatch.take()
    const b = this.editsAhead
    if (b !== null) (b.presence ??= []).push(burst)
    else this.relayPresence(burst)
    this.startPresenceInterval()
  }

  /** Relays coalesced awareness changes: all of them to each peer, but never its own. */
  private relayPresence({ all, others }: PresenceBurst<RoomPeer>): void {
    let shared: SharedFrame | null = null
    for (const p of this.peers) {
      const mine = others.get(p)
      if (mine === undefined) p.sendShared((shared ??= new SharedFrame(frame.awareness(awarenessCodec.encode(all)))))
      else if (mine.length > 0) p.send(frame.awareness(awarenessCodec.encode(mine)))
    }
  }

  private stopPresence(): void {
    if (this.presenceTimer !== null) clearTimeout(this.presenceTimer)
    this.presenceTimer = null
    this.presenceBatch.clear()
  }

  /** Sends a peer every live presence entry. */
  queryAwareness(peer: RoomPeer): void {
    peer.send(frame.awareness(awarenessCodec.encode(this.presence.live())))
  }

  private broadcast(data: Uint8Array, except: RoomPeer | null): void {
    const shared = new SharedFrame(data)
    for (const p of this.peers) if (p !== except) p.sendShared(shared)
  }

  /** Group commit: moves waiting updates (and a due card write) into the batch being written. */
  take(now: number): { entry: LogEntry | null; records: readonly RecordWrite[] } | null {
    const hasEntry = this.unsaved !== null
    if (hasEntry) {
      if (this.meta_ === null) this.meta_ = newMeta(this.docId, now)
      this.meta_.updatedAt = now
      this.metaDirty = true
    }
    const due = this.metaWrittenAt + this.ctx.metaIntervalMs
    const writeMeta = this.metaDirty && (this.metaUrgent || now >= due || this.peers.size === 0)
    if (this.metaDirty && !writeMeta && this.metaTimer === null) {
      // the card waits for the interval; make sure it goes out then even if nothing else does
      this.metaTimer = setTimeout(() => {
        this.metaTimer = null
        if (this.metaDirty && this.status === 'ready') this.ctx.commit.enqueue(this, 0)
      }, due - now)
      this.metaTimer.unref()
    }
    if (!hasEntry && !writeMeta) {
      // taken off the commit's list with nothing to write (a card write a delete called off):
      // whoever waits for this room to settle hears it from here, as nothing else will call
      queueMicrotask(() => this.resolveSettled())
      return null
    }
    const b = this.unsaved ?? emptyBatch()
    this.unsaved = null
    const seq = hasEntry ? this.state!.lastSeq + 1 : 0
    b.count = this.accepted
    b.seq = seq
    this.inFlight = b
    if (hasEntry) this.unstored.push(seq)
    const entry = hasEntry ? { seq, time: now, updates: b.updates } : null
    const records: readonly RecordWrite[] = writeMeta ? [{ kind: DOC_RECORD, id: this.docId, value: { ...this.meta_! } }] : NO_RECORDS
    if (writeMeta) {
      this.metaDirty = false
      this.metaUrgent = false
      this.metaWrittenAt = now
    }
    return { entry, records }
  }

  /** Group commit: the batch taken last is durable; relay it and acknowledge saves. */
  committed(): void {
    const b = this.inFlight
    if (!b) return
    this.inFlight = null
    if (b.seq > 0 && this.state) {
      this.state.append(b.seq, b.updates, b.infos)
      this.lastWriteAt = this.ctx.now()
      const { frames, senders, presence } = b
      // several frames for the same peers: one write per peer instead of one per frame
      const cork = frames.length + (presence?.length ?? 0) > 1
      // (a peer closed meanwhile leaves `peers`: uncork the ones corked, not the ones left)
      const corked = cork ? [...this.peers] : []
      for (const p of corked) p.cork()
      for (let i = 0; i < frames.length; i++) this.broadcast(frames[i]!, senders[i]!)
      if (presence) for (const burst of presence) this.relayPresence(burst)
      for (const p of corked) p.uncork()
    }
    this.durable = b.count
    release(this.waiters, this.durable)
    this.maybeCompact()
    this.resolveSettled()
    this.maybeIdle()
  }

  /** Group commit: `entries` of this document's durable entries reached the store. */
  stored(entries: number): void {
    if (entries > 0) this.storedSeq = this.unstored.splice(0, entries).at(-1)!
    release(this.storedWaiters, this.storedSeq)
    this.maybeCompact()
    this.resolveSettled()
    this.maybeIdle()
  }

  private resolveSettled(): void {
    if (!this.settled) return
    const waiting = this.settledWaiters
    this.settledWaiters = []
    for (const resolve of waiting) resolve()
  }

  /** Resolves once nothing of this document waits to be written; someone waits, so the store write goes now. */
  whenSettled(): Promise<void> {
    if (this.settled) return Promise.resolve()
    this.ctx.commit.storeNow()
    return new Promise((resolve) => this.settledWaiters.push(resolve))
  }

  /**
   * Periodic upkeep: forget old presence removals; compact a document edited here that has been
   * quiet for compactIdleMs. Entries it found in the log when it loaded are no reason: they are
   * folded when it leaves memory, not while someone only reads it.
   */
  tick(now: number): void {
    this.presence.prune(now)
    if (this.state && this.state.uncompacted > 0 && this.lastWriteAt !== null && now - this.lastWriteAt >= this.ctx.compactIdleMs) void this.compact()
  }

  private maybeCompact(): void {
    if (this.state && this.state.needsCompaction(this.ctx.compactMinBytes)) void this.compact()
  }

  /** True when nothing waits to be written: everything accepted, and the card, is in the store. */
  get settled(): boolean {
    // a room that failed takes nothing more and its memory may be half updated: only the group
    // commit knows whether what it journaled has reached the store
    if (this.status === 'failed') return !this.ctx.commit.pending(this)
    return this.inFlight === null && this.unsaved === null && !this.metaDirty && this.unstored.length === 0 && !this.ctx.commit.pending(this)
  }

  private clearMetaTimer(): void {
    if (this.metaTimer) clearTimeout(this.metaTimer)
    this.metaTimer = null
  }

  private maybeIdle(): void {
    if (this.peers.size > 0 || this.status !== 'ready') return
    if (this.metaDirty && this.metaTimer !== null) {
      // the card waits for its interval only while someone edits: with nobody left it goes now,
      // or the room would stay unsettled past a shutdown, which waits only for rooms that unload
      // (a card written since, by a rename, leaves the timer with nothing to write)
      this.clearMetaTimer()
      this.ctx.commit.enqueue(this, 0)
    }
    if (this.settled) {
      this.clearMetaTimer()
      this.stopPresence()
      this.onIdle(this)
    }
  }

  /**
   * Folds the log into a checkpoint (in the compactor's process), writes it, drops folded entries and thinned
   * checkpoints, and swaps the compact state in. One at a time; resolves when done or failed.
   */
  compact(): Promise<void> {
    if (this.compacting) return this.compacting
    // a room that failed may hold less than its log: a checkpoint of it would drop entries
    if (this.status !== 'ready') return Promise.resolve()
    const state = this.state
    // a checkpoint covers stored entries only (its write drops their log keys): under a steady
    // stream of writes it folds the stored prefix while the rest is on its way to the store
    const upTo = this.storedSeq
    if (!state || upTo === 0 || state.baseSeq > upTo) return Promise.resolve()
    // nothing new to fold, unless the title was not read that far (then it is compacted again)
    if ((state.uncompacted === 0 || upTo <= state.compactedSeq) && this.titleSeq >= upTo) return Promise.resolve()
    const input = state.compactionInput(upTo)
    const { storage, compactor, metrics, log, now } = this.ctx
    const stop = metrics.compactionSeconds.startTimer()
    this.compacting = (async () => {
      try {
        const result = await compactor.compact(input)
        // the checkpoint list is read once, then kept here: no key scan per compaction
        this.checkpoints ??= (await storage.history(this.docId)).filter((p) => p.kind === 'checkpoint').map(({ seq, time }) => ({ seq, time }))
        // a checkpoint written again (to read the title) keeps its time: it is the same version,
        // and a newer time would put it in the next one's bucket, where thinning drops it
        const time = this.checkpoints.find((p) => p.seq === upTo)?.time ?? now()
        const others = this.checkpoints.filter((p) => p.seq !== upTo)
        const dropCheckpoints = thin([...others, { seq: upTo, time }], time)
        const checkpoint = { seq: upTo, time, state: result.state, stateVector: result.stateVector }
        await storage.compact(this.docId, { checkpoint, dropLogUpTo: upTo, dropCheckpoints })
        this.checkpoints = [...others.filter((p) => !dropCheckpoints.includes(p.seq)), { seq: upTo, time }]
        state.replaceBase(result.state, upTo)
        if (upTo > this.titleSeq) {
          this.titleSeq = upTo
          if (this.meta_ && this.status === 'ready') {
            this.meta_.titleSeq = upTo
            if (this.meta_.title !== result.title) {
              this.setTitle(result.title)
            } else {
              // an unchanged title's new seq is written too, with the next batch or on its own
              // (take: at once in a room nobody is in): a card left behind would have the next
              // load take the title for stale, and the next list compact again to read it
              this.metaDirty = true
              this.ctx.commit.enqueue(this, 0)
            }
          }
        }
        await this.recordText(result.text)
        metrics.compactions.inc({ result: 'ok' })
        this.compactionFailed = false
      } catch (err) {
        // it may have written its checkpoint before failing: the next one reads the list again
        this.checkpoints = null
        if (err instanceof CompactionStoppedError) {
          metrics.compactions.inc({ result: 'stopped' })
          log.info({ doc: this.docId, reason: err.message }, 'compaction left for the next load: the server is stopping')
          return
        }
        this.compactionFailed = true
        metrics.compactions.inc({ result: 'failed' })
        metrics.errors.inc({ kind: 'compaction' })
        log.error({ err, doc: this.docId }, 'compaction failed; the log stays as it is')
      } finally {
        stop()
        this.compacting = null
      }
    })()
    return this.compacting
  }

  /**
   * Records the body's text for search (server/docs/search.ts) when a compaction found it other
   * than what this room last recorded. A failure leaves the older text searchable; the next
   * compaction tries again.
   */
  private async recordText(text: string): Promise<void> {
    const hash = textHash(text)
    if (hash === this.textHash || this.status !== 'ready') return
    try {
      await this.ctx.storage.putRecords([{ kind: TEXT_RECORD, id: this.docId, value: { text } satisfies DocText }])
      this.textHash = hash
    } catch (err) {
      this.ctx.metrics.errors.inc({ kind: 'search-text' })
      this.ctx.log.warn({ err, doc: this.docId }, 'recording the text for search failed')
    }
  }

  /**
   * Group commit: a step of this room's commit threw, so its memory may be half updated. It
   * closes every peer (1011) and leaves memory without compacting; they come back to what is
   * durable, and send again what they hold that it lacks.
   */
  broken(err: Error): void {
    if (this.status === 'ready' || this.status === 'loading') this.fail(Close.InternalError, err)
  }

  /** Closes every peer with `code` (shutdown). */
  closeAll(code: CloseCode): void {
    for (const peer of [...this.peers]) peer.close(code)
  }

  /** A copy of the document's card as it stands in memory (null before the first write). */
  get meta(): DocMeta | null {
    return this.meta_ && { ...this.meta_ }
  }

  /**
   * Brings the card's title up to date with every change durable now: moves those changes into
   * the store at once (compaction reads only what is stored), then compacts, which reads the
   * title. The document list calls it before showing a title that may be stale.
   */
  async refreshTitle(): Promise<void> {
    const target = this.state?.lastSeq ?? 0
    await this.storeDurable()
    // a compaction already running may cover less than `target`: then one more covers the rest
    for (let round = 0; round < 2 && this.titleSeq < target && this.status === 'ready'; round++) await this.compact()
  }

  /** True when changes were stored after the title was last read from the document. */
  get titleStale(): boolean {
    return this.state !== null && this.state.lastSeq > this.titleSeq
  }

  /**
   * Makes a change as the server (an API rename): builds a Y.Doc from the durable state, runs
   * `change` in one transaction, and sends the result down the write-ahead path like a peer's
   * update, relayed to every peer. Resolves once it is durable.
   */
  async edit(change: (doc: Y.Doc) => void): Promise<void> {
    await this.ready
    if (this.status === 'deleted') throw new DocumentDeletedError(this.docId)
    if (this.status !== 'ready' || !this.state) throw new Error(`document ${this.docId} is ${this.status}`)
    this.state.fold()
    const doc = new Y.Doc()
    let update: Uint8Array | null = null
    try {
      Y.applyUpdate(doc, this.state.base)
      doc.on('update', (u: Uint8Array) => {
        update = u
      })
      doc.transact(() => change(doc))
    } finally {
      doc.destroy()
    }
    if (update === null) return
    const info = inspect(update)
    if (info.empty) return
    if (this.update(SERVER, update, info, frame.update(update)) !== 'accepted') throw new Error('storage is not accepting writes')
    const count = this.accepted
    await new Promise<void>((resolve) => this.whenDurable(count, resolve))
  }

  /** What is durable of the document, as one Yjs update (its state after folding the log). */
  async snapshot(): Promise<Uint8Array> {
    await this.ready
    if (this.status === 'deleted') throw new DocumentDeletedError(this.docId)
    if (this.status !== 'ready' || !this.state) throw new Error(`document ${this.docId} is ${this.status}`)
    this.state.fold()
    return this.state.base
  }

  /** Sets the title shown in the document list (the document's own title text is set by `edit`). */
  setTitle(title: string): void {
    if (this.meta_ === null) return
    this.meta_.title = title
    this.metaDirty = true
    this.metaUrgent = true
    this.ctx.commit.enqueue(this, 0)
  }

  /**
   * Deletes the live document: stops accepting changes, tells every peer (4410), and resolves
   * once nothing is left in flight, so the caller can remove the stored data.
   */
  async delete(): Promise<void> {
    await this.ready
    this.status = 'deleted'
    this.ctx.commit.settled(this.unsaved?.bytes ?? 0)
    this.unsaved = null
    this.metaDirty = false
    this.clearMetaTimer()
    for (const peer of [...this.peers]) peer.close(Close.DocumentDeleted)
    this.peers.clear()
    await this.whenSettled()
    await this.compacting
  }

  /** Unloads the room if nobody uses it (after a server-side edit of an unopened document). */
  release(): void {
    this.maybeIdle()
  }
}
