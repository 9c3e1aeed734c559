/**
 * Updates laid end to end in a few large buffers, each with the log entry it came in. Updates that
 * wait a while (a document's tail until compaction, journaled turns until the store write) would,
 * held as one object each, outlive the young generation and cost the collector: promotion, write
 * barriers, old-space marking. Here an update costs its bytes and four small integers, and views
 * are made only when the updates are read.
 */

/** Size of the first chunk; each next one doubles, up to MAX_CHUNK, so a few updates take little room. */
const MIN_CHUNK = 1024
const MAX_CHUNK = 256 * 1024
/**
 * Updates this large are kept as they are, as a chunk of their own: they are few, so their objects
 * cost the collector little, and copying a paste or an upload would only add to memory.
 */
const OWN_CHUNK = 2048

/** Updates laid end to end in one buffer, with their lengths: how a batch of them crosses to the compactor. */
export interface PackedBatch {
  readonly bytes: Uint8Array<ArrayBuffer>
  readonly lengths: Uint32Array<ArrayBuffer>
}

/** Updates in order, each with the log entry (seq) it came in; seqs never decrease. */
export class PackedUpdates {
  /** Chunks still referenced; `chunks[0]` is chunk number `firstChunk`. */
  private chunks: Uint8Array[] = []
  private firstChunk = 0
  /** Bytes used in the last chunk. */
  private used = 0
  /** Size of the next chunk to allocate for small updates. */
  private nextChunk = MIN_CHUNK
  // one entry per update, side by side: small integers, no object per update
  private chunkOf: number[] = []
  private offsets: number[] = []
  private lengths: number[] = []
  private seqs: number[] = []
  private bytes_ = 0

  /** Number of updates held. */
  get length(): number {
    return this.seqs.length
  }

  /** Bytes of the updates held. */
  get bytes(): number {
    return this.bytes_
  }

  /** Bytes of the chunks holding them (what they cost in memory). */
  get capacity(): number {
    let n = 0
    for (const c of this.chunks) n += c.length
    return n
  }

  /**
   * Appends `update`, which came in log entry `seq` (not lower than the last one's): a copy, or
   * for a large one the update itself, which must not change afterwards.
   */
  push(update: Uint8Array, seq: number): void {
    let offset = 0
    if (update.length >= OWN_CHUNK) {
      this.chunks.push(update)
      // full: the next small update starts a new chunk, a small one again (were sizes to go on
      // doubling, every keystroke after a paste would get a chunk of up to MAX_CHUNK to itself)
      this.used = update.length
      this.nextChunk = MIN_CHUNK
    } else {
      let chunk = this.chunks[this.chunks.length - 1]
      if (chunk === undefined || this.used + update.length > chunk.length) {
        // the first chunks are smaller than OWN_CHUNK: an update between the two gets one its size
        chunk = new Uint8Array(Math.max(this.nextChunk, update.length))
        this.nextChunk = Math.min(MAX_CHUNK, 2 * this.nextChunk)
        this.chunks.push(chunk)
        this.used = 0
      }
      chunk.set(update, this.used)
      offset = this.used
      this.used += update.length
    }
    this.chunkOf.push(this.firstChunk + this.chunks.length - 1)
    this.offsets.push(offset)
    this.lengths.push(update.length)
    this.seqs.push(seq)
    this.bytes_ += update.length
  }

  /** Update `i` (a view: valid as long as anyone holds it, never overwritten). */
  private at(i: number): Uint8Array {
    const offset = this.offsets[i]!
    return this.chunks[this.chunkOf[i]! - this.firstChunk]!.subarray(offset, offset + this.lengths[i]!)
  }

  /** The updates of log entries up to `seq` (all by default), oldest first, as views. */
  views(seq = Infinity): Uint8Array[] {
    const out: Uint8Array[] = []
    for (let i = 0; i < this.seqs.length && this.seqs[i]! <= seq; i++) out.push(this.at(i))
    return out
  }

  /**
   * The updates of log entries up to `seq`, copied end to end into one new buffer after `first`
   * (an update of its own, such as a base state). Copies a chunk's run of updates at once: no
   * object per update, however many there are.
   */
  pack(seq = Infinity, first?: Uint8Array): PackedBatch {
    let count = 0
    let total = first?.length ?? 0
    while (count < this.seqs.length && this.seqs[count]! <= seq) total += this.lengths[count++]!
    const head = first === undefined ? 0 : 1
    const lengths = new Uint32Array(head + count)
    const bytes = new Uint8Array(total)
    let pos = 0
    if (first !== undefined) {
      lengths[0] = first.length
      bytes.set(first)
      pos = first.length
    }
    // a run: consecutive updates lying one after the other in the same chunk
    let i = 0
    while (i < count) {
      const chunk = this.chunkOf[i]!
      const start = this.offsets[i]!
      let end = start
      while (i < count && this.chunkOf[i] === chunk && this.offsets[i] === end) {
        lengths[head + i] = this.lengths[i]!
        end += this.lengths[i]!
        i++
      }
      bytes.set(this.chunks[chunk - this.firstChunk]!.subarray(start, end), pos)
      pos += end - start
    }
    return { bytes, lengths }
  }

  /**
   * Drops the updates of log entries up to `seq`, and the chunks nothing left lives in. When what
   * is left is small next to the chunks holding it (the last few updates in a large chunk), it is
   * packed anew into a chunk of its size.
   */
  dropThrough(seq: number): void {
    let n = 0
    while (n < this.seqs.length && this.seqs[n]! <= seq) this.bytes_ -= this.lengths[n++]!
    if (n === 0) return
    if (n === this.seqs.length) return this.clear()
    this.chunkOf.splice(0, n)
    this.offsets.splice(0, n)
    this.lengths.splice(0, n)
    this.seqs.splice(0, n)
    const keepFrom = this.chunkOf[0]! - this.firstChunk
    this.chunks.splice(0, keepFrom)
    this.firstChunk += keepFrom
    if (this.capacity > 2 * this.bytes_ + MIN_CHUNK) this.repack()
  }

  /** Copies the small updates into one chunk of their size (large ones stay as they are). */
  private repack(): void {
    const updates = this.views()
    const seqs = this.seqs
    let small = 0
    for (const u of updates) if (u.length < OWN_CHUNK) small += u.length
    this.clear()
    this.nextChunk = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, small))
    for (let i = 0; i < updates.length; i++) this.push(updates[i]!, seqs[i]!)
  }

  private clear(): void {
    this.firstChunk += this.chunks.length
    this.chunks = []
    this.chunkOf = []
    this.offsets = []
    this.lengths = []
    this.seqs = []
    this.used = 0
    this.bytes_ = 0
    this.nextChunk = MIN_CHUNK
  }
}
