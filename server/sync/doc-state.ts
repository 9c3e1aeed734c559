/**
 * A loaded document held as bytes, not as a Y.Doc: a base state (all log entries up to
 * `baseSeq`, merged) plus the durable updates after it. Answers sync step 1 by diffing bytes,
 * tracks the state vector incrementally, and folds or swaps in compacted bases.
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as frame from '../../shared/frame.js'
import { PackedUpdates, type PackedBatch } from '../storage/packed-updates.js'
import type { StoredDoc } from '../storage/storage.js'
import { covers, deleteSetOf, union, type DeleteSet } from './delete-set.js'
import type { UpdateInfo } from './update.js'

/**
 * What an update counts for beyond its bytes when deciding to compact: merging costs per update
 * (Yjs decodes each one into structs), not only per byte.
 */
export const UPDATE_OVERHEAD = 160

/** The empty Yjs update: no structs, empty delete set. */
export const EMPTY_UPDATE = Uint8Array.of(0, 0)

// merging thousands of updates in one call is super-linear in Yjs; merging them into a growing
// result chunk by chunk is quadratic (the result is re-encoded per chunk: a minute for the 260k
// edits of the trace). A tree of chunk merges re-encodes each byte once per level: half a second.
const MERGE_CHUNK = 64

/** Merges updates (oldest first) as a tree of merges of at most MERGE_CHUNK updates each. */
export function mergeAll(updates: readonly Uint8Array[]): Uint8Array {
  // empty updates add nothing; one update alone needs no merging (a large upload, a checkpoint)
  let level = updates.filter((u) => !isEmptyUpdate(u))
  if (level.length === 0) return EMPTY_UPDATE
  while (level.length > 1) {
    const next: Uint8Array[] = []
    for (let i = 0; i < level.length; i += MERGE_CHUNK) {
      next.push(level.length - i === 1 ? level[i]! : Y.mergeUpdates(level.slice(i, i + MERGE_CHUNK)))
    }
    level = next
  }
  return level[0]!
}

/** True for the empty update `[0, 0]` (no structs, no deletions). */
function isEmptyUpdate(u: Uint8Array): boolean {
  return u.length === 2 && u[0] === 0 && u[1] === 0
}

/** A document's durable state in memory. */
export class DocState {
  /** Everything up to baseSeq, merged. Never changed in place: joiners' answers are sent from it. */
  private baseBytes: Uint8Array
  /** Sequence number of the last log entry folded into the base. */
  baseSeq: number
  /** Sequence number of the last durable log entry. */
  lastSeq: number
  /** The durable updates after the base, each with the log entry it came in. */
  private readonly tail = new PackedUpdates()
  private sv = new Map<number, number>()
  /** True when the tracked state vector may be lower than the real one (safe, never higher). */
  private svStale = false
  /** Per client, the end of content seen beyond a gap: a later fill may connect up to it. */
  private readonly beyondGap = new Map<number, number>()
  /** Estimated memory of what was added since the last compaction. */
  uncompacted = 0
  /** Size of the base after the last compaction. */
  compactedSize = 0
  /** Sequence number the last checkpoint (loaded or written) covers. */
  compactedSeq: number
  /**
   * The base's delete set once first asked for (null before): folds extend it by the tail's, a
   * compacted base drops it (read again when next asked for).
   */
  private baseDeletes: DeleteSet | null = null

  /** `stateVector`, when known (stored with a checkpoint), saves decoding the whole base. */
  constructor(base: Uint8Array, baseSeq: number, stateVector?: Uint8Array) {
    this.baseBytes = base
    this.baseSeq = baseSeq
    this.lastSeq = baseSeq
    this.compactedSize = base.length
    this.compactedSeq = baseSeq
    if (stateVector) this.sv = Y.decodeStateVector(stateVector)
    else this.resetStateVector()
  }

  /** Builds the state from what storage returned. */
  static fromStored(stored: StoredDoc): DocState {
    const cp = stored.checkpoint
    const state = new DocState(cp?.state ?? EMPTY_UPDATE, cp?.seq ?? 0, cp?.stateVector)
    for (const entry of stored.log) state.append(entry.seq, entry.updates, null)
    // the tracked vector skipped what it could not see; folding recomputes it from the bytes
    if (stored.log.length > 0) state.fold()
    return state
  }

  /** The base state (everything up to baseSeq). */
  get base(): Uint8Array {
    return this.baseBytes
  }

  /** Bytes held: base plus tail. */
  get size(): number {
    return this.baseBytes.length + this.tail.bytes
  }

  /** Bytes of updates not yet folded into the base. */
  get tailBytes(): number {
    return this.tail.bytes
  }

  /** Number of updates not yet folded into the base. */
  get tailLength(): number {
    return this.tail.length
  }

  /**
   * Records durable updates of log entry `seq`; `infos` advance the state vector when given
   * (without them it is stale until the next fold). The infos are not kept.
   */
  append(seq: number, updates: readonly Uint8Array[], infos: readonly UpdateInfo[] | null): void {
    for (let i = 0; i < updates.length; i++) {
      const update = updates[i]!
      this.tail.push(update, seq)
      this.uncompacted += update.length + UPDATE_OVERHEAD
      this.advance(infos?.[i] ?? null)
    }
    this.lastSeq = seq
  }

  private advance(info: UpdateInfo | null): void {
    if (info === null) {
      this.svStale = true
      return
    }
    for (const r of info.ranges) {
      const known = this.sv.get(r.client) ?? 0
      if (r.contiguous && r.start <= known) {
        if (r.end > known) this.sv.set(r.client, r.end)
        // filling a gap may connect to content seen beyond it: only the bytes can tell how far
        if (this.beyondGap.size > 0 && (this.beyondGap.get(r.client) ?? 0) > Math.max(known, r.end)) this.svStale = true
      } else if (r.end > known) {
        this.svStale = true
        this.beyondGap.set(r.client, Math.max(this.beyondGap.get(r.client) ?? 0, r.end))
      }
    }
  }

  /**
   * Recomputes the state vector from the base (decodes the whole base). The tail's ranges are not
   * kept: with a tail left it stays stale, and the next stateVector() folds the tail in first.
   */
  private resetStateVector(): void {
    this.sv = Y.decodeStateVector(Y.encodeStateVectorFromUpdate(this.baseBytes))
    this.svStale = this.tail.length > 0
    for (const [client, end] of this.beyondGap) if ((this.sv.get(client) ?? 0) >= end) this.beyondGap.delete(client)
  }

  /** The encoded state vector of everything durable (never higher than the truth). */
  stateVector(): Uint8Array {
    if (this.svStale) this.fold()
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, this.sv.size)
    for (const [client, clock] of this.sv) {
      encoding.writeVarUint(e, client)
      encoding.writeVarUint(e, clock)
    }
    return encoding.toUint8Array(e)
  }

  /** Merges the tail into the base. */
  fold(): void {
    if (this.tail.length > 0) {
      const views = this.tail.views()
      // joins fold every time: reading the whole base's delete set again each time would cost a
      // walk of the document per join; the tail's is a few updates
      const deletes = this.baseDeletes && union(this.baseDeletes, deleteSetOf(views))
      this.setBase(mergeAll([this.baseBytes, ...views]), this.lastSeq)
      this.baseDeletes = deletes
    } else if (this.svStale) {
      this.resetStateVector()
    }
  }

  /**
   * Makes `base` (all entries up to `seq`) the base. The content is unchanged, so an exact state
   * vector stays as it is; only a stale one is recomputed.
   */
  private setBase(base: Uint8Array, seq: number): void {
    this.baseBytes = base
    this.baseDeletes = null
    this.baseSeq = seq
    this.tail.dropThrough(seq)
    if (this.svStale) this.resetStateVector()
  }

  /**
   * True when applying `update` would change nothing durable here: every struct it carries (its
   * clock ranges, `info`) is within the state vector, and every range it deletes is deleted
   * already. Decides nothing (false) while the state vector is stale; reads the base's delete set
   * (folding the tail first; once, then folds keep it) only for an update whose structs are all known.
   */
  holds(update: Uint8Array, info: UpdateInfo): boolean {
    if (this.svStale) return false
    for (const r of info.ranges) if (r.end > (this.sv.get(r.client) ?? 0)) return false
    const deletes = deleteSetOf([update])
    if (deletes.size === 0) return true
    this.fold()
    this.baseDeletes ??= deleteSetOf([this.baseBytes])
    return covers(this.baseDeletes, deletes)
  }

  /**
   * The sync step 2 answering a peer's state vector: everything durable that it lacks. A peer
   * with an empty state gets the base itself as the body, so no join copies the document.
   */
  syncStep2For(stateVector: Uint8Array): frame.SplitFrame {
    this.fold()
    return frame.splitSyncStep2(isEmptyStateVector(stateVector) ? this.baseBytes : Y.diffUpdate(this.baseBytes, stateVector))
  }

  /**
   * Everything needed to compact the entries up to `upTo` (at least `baseSeq`): the base and that
   * part of the tail, copied end to end into one buffer (tens of thousands of keystrokes would
   * otherwise become as many objects at once, on the relay's thread).
   */
  compactionInput(upTo: number): PackedBatch {
    return this.tail.pack(upTo, this.baseBytes)
  }

  /**
   * True when enough was added since the last compaction to make another worth it: more than
   * `minBytes` (estimated memory), and more than twice the compacted size, so the work done per
   * byte added stays bounded however large the document grows.
   */
  needsCompaction(minBytes: number): boolean {
    return this.uncompacted > Math.max(minBytes, 2 * this.compactedSize)
  }

  /**
   * Swaps in a compacted state holding every log entry up to `seq`. Refused (false, nothing
   * changes) when a fold already took the base past `seq`; the next compaction catches up.
   */
  replaceBase(state: Uint8Array, seq: number): boolean {
    if (seq < this.baseSeq || seq > this.lastSeq) return false
    this.setBase(state, seq)
    this.compactedSize = state.length
    this.compactedSeq = seq
    this.uncompacted = this.tail.bytes + this.tail.length * UPDATE_OVERHEAD
    return true
  }
}

/** True when a state vector has no entries, or only zero clocks (a fresh client). */
export function isEmptyStateVector(sv: Uint8Array): boolean {
  if (sv.length === 1 && sv[0] === 0) return true
  if (sv.length === 0) return true
  try {
    for (const clock of Y.decodeStateVector(sv).values()) if (clock > 0) return false
    return true
  } catch {
    return false
  }
}
