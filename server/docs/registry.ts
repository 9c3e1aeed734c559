/**
 * The loaded documents: each loads once however many peers arrive together, and leaves memory
 * when its last peer is gone and its writes are on disk (compacting on the way out).
 */
import type * as Y from 'yjs'
import type { CloseCode } from '../../shared/protocol.js'
import { Room, type RoomContext } from '../sync/room.js'
import type { DocMeta } from './meta.js'

/** Loads documents on first use and unloads them when idle. */
export class Registry {
  private readonly rooms = new Map<string, Room>()
  /** Documents still compacting or storing after their room unloaded; a reload waits for them. */
  private readonly finishing = new Map<string, Promise<void>>()
  /** The rooms of those documents, until their last writes are in the store. */
  private readonly leaving = new Map<string, Room>()
  private timer: NodeJS.Timeout | null = null

  constructor(private readonly ctx: RoomContext) {}

  /** The room of `docId`, created (and loading) when not in memory. */
  open(docId: string): Room {
    let room = this.rooms.get(docId)
    if (!room) {
      room = new Room(docId, this.ctx, (r) => this.unload(r), this.finishing.get(docId))
      this.rooms.set(docId, room)
    }
    return room
  }

  /** The room of `docId` if it is in memory. */
  get(docId: string): Room | undefined {
    return this.rooms.get(docId)
  }

  /** Number of documents in memory. */
  get size(): number {
    return this.rooms.size
  }

  /**
   * The card of a document as memory knows it: its room's, or that of its room still leaving
   * memory (whose last card write may not be in the store yet); null when neither has one.
   */
  card(docId: string): DocMeta | null {
    return this.rooms.get(docId)?.meta ?? this.leaving.get(docId)?.meta ?? null
  }

  /** The rooms of `docId` in memory: loaded, leaving, or both (a reload waiting for the leaving one). */
  roomsOf(docId: string): Room[] {
    return [this.rooms.get(docId), this.leaving.get(docId)].filter((r): r is Room => r !== undefined)
  }

  /** Rooms in memory and rooms leaving it. */
  withLeaving(): Room[] {
    return [...this.rooms.values(), ...this.leaving.values()]
  }

  /** Every room in memory. */
  all(): IterableIterator<Room> {
    return this.rooms.values()
  }

  private unload(room: Room): void {
    if (this.rooms.get(room.docId) !== room) return
    this.rooms.delete(room.docId)
    // a room that broke is not compacted (compact() refuses it), but what it journaled may still
    // be on its way to the store, which a reload reads: the reload waits for that too
    const done = room
      .compact()
      .then(() => room.whenSettled())
      .finally(() => {
        if (this.finishing.get(room.docId) === done) this.finishing.delete(room.docId)
        if (this.leaving.get(room.docId) === room) this.leaving.delete(room.docId)
      })
    this.finishing.set(room.docId, done)
    this.leaving.set(room.docId, room)
  }

  /**
   * Makes a server-side change to a document, loading it if needed; an unopened document is
   * unloaded again once the change is durable.
   */
  async edit(docId: string, change: (doc: Y.Doc) => void): Promise<void> {
    const room = this.open(docId)
    try {
      await room.edit(change)
    } finally {
      room.release()
    }
  }

  /** The document as it is durable now, as one Yjs update (see Room.snapshot), loading it if needed. */
  async snapshot(docId: string): Promise<Uint8Array> {
    const room = this.open(docId)
    try {
      return await room.snapshot()
    } finally {
      room.release()
    }
  }

  /**
   * Deletes a document: its room stops taking changes and tells every peer (4410), pending writes
   * land, `writeTombstone` records the deletion, then every stored entry and checkpoint goes.
   * The room stays registered (refusing joins) until the tombstone is written.
   */
  async delete(docId: string, writeTombstone: () => Promise<void>): Promise<void> {
    const room = this.open(docId)
    await room.delete()
    await this.finishing.get(docId)
    try {
      await writeTombstone()
    } finally {
      if (this.rooms.get(docId) === room) this.rooms.delete(docId)
    }
    await this.ctx.storage.deleteDoc(docId)
  }

  /** Runs each room's upkeep every `intervalMs`. */
  startMaintenance(intervalMs: number): void {
    this.timer = setInterval(() => {
      const now = this.ctx.now()
      for (const room of this.rooms.values()) room.tick(now)
    }, intervalMs)
    this.timer.unref()
  }

  /**
   * Closes every peer with `code`, then waits for loads, pending writes and compactions; the
   * compactions for at most `compactionMs` once the writes are in (those still running then stop).
   */
  async close(code: CloseCode, compactionMs = Number.POSITIVE_INFINITY): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    for (const room of [...this.rooms.values()]) room.closeAll(code)
    // a room still loading unloads, and compacts, once loaded: the store must outlast both
    const loading = [...this.rooms.values()].filter((room) => room.status === 'loading')
    await Promise.all(loading.map((room) => room.ready))
    for (const room of loading) room.release()
    await this.ctx.commit.drain()
    // everything is in the store: a compaction only spares the next load some work
    if (Number.isFinite(compactionMs)) this.ctx.compactor.windDown(compactionMs)
    await Promise.allSettled([...this.finishing.values()])
  }
}
