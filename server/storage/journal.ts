/**
 * The write-ahead journal in front of LevelDB: each event-loop turn's log entries are appended to
 * a file with one synchronous write, so they are durable (in the OS, or on disk with fsync) before
 * anyone sees them, without a round trip through LevelDB's thread. The group commit moves them
 * into LevelDB in larger batches within half a second; a restart moves whatever was left.
 *
 * Files: `<dir>/<segment>.wal`, numbered from 1. Record: `u32le length, u32le crc32, payload`;
 * payload: `varuint 1, varstring docId, varuint seq, varuint time, varuint count, count x varbytes`.
 * A record cut short or failing its checksum ends a segment (a write torn by a crash).
 */
import { closeSync, copyFileSync, fdatasyncSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { crc32 as zlibCrc32 } from 'node:zlib'
import * as decoding from 'lib0/decoding'
import { putVarUint, varUintSize } from '../../shared/varint.js'

/** One log entry of one document, as journaled. */
export interface JournalEntry {
  readonly docId: string
  readonly seq: number
  readonly time: number
  readonly updates: readonly Uint8Array[]
}

/** A place in the journal: everything before `offset` in `segment` (and earlier segments). */
export interface JournalPosition {
  readonly segment: number
  readonly offset: number
}

/** Options of the journal. */
export interface JournalOptions {
  /** Flush every append to disk (survives power loss). */
  readonly fsync?: boolean
  /** Start a new segment once the current one is this big. */
  readonly segmentBytes?: number
}

const FORMAT = 1
const HEADER = 8
/** Size of the buffer an append encodes into when its records fit. */
const SCRATCH_BYTES = 256 * 1024

/** CRC-32 (IEEE), node:zlib's native one. */
export function crc32(bytes: Uint8Array): number {
  return zlibCrc32(bytes)
}

const segmentName = (n: number) => `${String(n).padStart(8, '0')}.wal`

/** Bytes of one entry's record payload. */
function payloadSize(entry: JournalEntry): number {
  const id = Buffer.byteLength(entry.docId, 'utf8')
  let n = varUintSize(FORMAT) + varUintSize(id) + id
  n += varUintSize(entry.seq) + varUintSize(entry.time) + varUintSize(entry.updates.length)
  for (const u of entry.updates) n += varUintSize(u.length) + u.length
  return n
}

/** Bytes the records of `entries` take. */
function recordsSize(entries: readonly JournalEntry[]): number {
  let total = 0
  for (const entry of entries) total += HEADER + payloadSize(entry)
  return total
}

/**
 * Encodes entries as journal records in one buffer for one write: into the start of `into` when
 * it is large enough (the result is a view of it), else into a new buffer sized up front. Each
 * update is copied once, straight into place.
 */
export function encodeRecords(entries: readonly JournalEntry[], into?: Buffer): Uint8Array {
  const size = recordsSize(entries)
  const out = into !== undefined && into.length >= size ? into : Buffer.allocUnsafeSlow(size)
  let pos = 0
  for (const entry of entries) {
    const start = pos + HEADER
    let p = putVarUint(out, start, FORMAT)
    const id = Buffer.byteLength(entry.docId, 'utf8')
    p = putVarUint(out, p, id)
    p += out.write(entry.docId, p, id, 'utf8')
    p = putVarUint(out, p, entry.seq)
    p = putVarUint(out, p, entry.time)
    p = putVarUint(out, p, entry.updates.length)
    for (const u of entry.updates) {
      p = putVarUint(out, p, u.length)
      out.set(u, p)
      p += u.length
    }
    out.writeUInt32LE(p - start, pos)
    out.writeUInt32LE(crc32(out.subarray(start, p)), pos + 4)
    pos = p
  }
  return out.subarray(0, size)
}

/**
 * Reads the records of one segment, in order, each with the offset just past it. Stops at the
 * first record that is cut short or fails its checksum, and says how many bytes it left unread
 * and whether they are a record cut short by the end of the file (`cutShort`: a write torn by a
 * crash) or a whole record that does not check out (damage).
 */
export function readRecords(bytes: Uint8Array): { records: Array<{ entry: JournalEntry; end: number }>; unreadBytes: number; cutShort: boolean } {
  const records: Array<{ entry: JournalEntry; end: number }> = []
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  let pos = 0
  let cutShort = true
  while (pos + HEADER <= bytes.length) {
    const length = view.getUint32(pos, true)
    const sum = view.getUint32(pos + 4, true)
    if (pos + HEADER + length > bytes.length) break
    cutShort = false
    const payload = bytes.subarray(pos + HEADER, pos + HEADER + length)
    if (crc32(payload) !== sum) break
    try {
      const d = decoding.createDecoder(payload)
      if (decoding.readVarUint(d) !== FORMAT) break
      const docId = decoding.readVarString(d)
      const seq = decoding.readVarUint(d)
      const time = decoding.readVarUint(d)
      const count = decoding.readVarUint(d)
      const updates: Uint8Array[] = []
      for (let i = 0; i < count; i++) updates.push(new Uint8Array(decoding.readVarUint8Array(d)))
      pos += HEADER + length
      records.push({ entry: { docId, seq, time, updates }, end: pos })
      cutShort = true
    } catch {
      break
    }
  }
  // zeros to the end: a file the system grew but whose write never landed (power loss)
  if (!cutShort && bytes.subarray(pos).every((b) => b === 0)) cutShort = true
  return { records, unreadBytes: bytes.length - pos, cutShort }
}

/** Compares journal positions. */
export function before(a: JournalPosition, b: JournalPosition): boolean {
  return a.segment < b.segment || (a.segment === b.segment && a.offset < b.offset)
}

/** A segment whose end could not be read: a write torn by a crash (`cutShort`), or damage. */
export interface UnreadableSegment {
  readonly file: string
  /** Where a damaged file (not `cutShort`) was copied aside, for someone to look at. */
  readonly copy: string | null
  readonly offset: number
  readonly unreadBytes: number
  readonly cutShort: boolean
}

/** What a previous run left in the journal. */
export interface Recovered {
  /** Entries after the applied position, oldest first, each with the position just past it. */
  readonly entries: Array<{ entry: JournalEntry; end: JournalPosition }>
  /** Bytes after a torn or corrupt record, which were dropped (0 after a clean stop). */
  readonly droppedBytes: number
  /** Segments with bytes that could not be read; damaged ones (not `cutShort`) copied aside to `copy`. */
  readonly unreadable: readonly UnreadableSegment[]
}

/**
 * One step of reading what earlier runs journaled (Journal.recoverSteps): some entries after the
 * applied position, or the end of a segment, all of whose entries came in steps before it.
 */
export type RecoveryStep =
  | { readonly kind: 'entries'; readonly entries: Array<{ entry: JournalEntry; end: JournalPosition }> }
  | { readonly kind: 'segment-end'; readonly segment: number; readonly unreadable: UnreadableSegment | null }

/** Bytes of a segment file read at a time during recovery (a record longer than this is read whole). */
export const RECOVERY_CHUNK_BYTES = 1024 * 1024

/** How a segment file ends: the offset where reading stopped and what the bytes after it are. */
interface SegmentEnd {
  readonly offset: number
  readonly unreadBytes: number
  readonly cutShort: boolean
}

/** Reads exactly `buffer.length` bytes of `fd` from `position` (a short read means the file changed). */
function readAt(fd: number, buffer: Buffer, position: number): void {
  let done = 0
  while (done < buffer.length) {
    const n = readSync(fd, buffer, done, buffer.length - done, position + done)
    if (n === 0) throw new Error(`the file ended at byte ${position + done}, before the ${position + buffer.length} it had`)
    done += n
  }
}

/** Whether the file holds only zero bytes from `from` to `size`, read a chunk at a time. */
function zerosFrom(fd: number, from: number, size: number, chunkBytes: number): boolean {
  for (let pos = from; pos < size; pos += chunkBytes) {
    const buffer = Buffer.allocUnsafe(Math.min(chunkBytes, size - pos))
    readAt(fd, buffer, pos)
    if (!buffer.every((b) => b === 0)) return false
  }
  return true
}

/**
 * Reads one segment file's records a chunk of about `chunkBytes` at a time (a longer record is
 * read whole), yielding each chunk's records with the offset just past each, and returns how the
 * file ends, as readRecords says it of a whole file: only that chunk and its records are held.
 */
export function* readSegment(path: string, chunkBytes = RECOVERY_CHUNK_BYTES): Generator<Array<{ entry: JournalEntry; end: number }>, SegmentEnd> {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    let pos = 0
    // at least a record's header, so that every read gets on
    chunkBytes = Math.max(chunkBytes, HEADER)
    let want = chunkBytes
    for (;;) {
      const buffer = Buffer.allocUnsafe(Math.min(want, size - pos))
      readAt(fd, buffer, pos)
      const atEnd = pos + buffer.length === size
      const { records, unreadBytes, cutShort } = readRecords(buffer)
      if (records.length > 0) yield records.map(({ entry, end }) => ({ entry, end: pos + end }))
      const stop = pos + buffer.length - unreadBytes
      // the chunk reaches the end of the file: what readRecords says of it is said of the file
      if (atEnd) return { offset: stop, unreadBytes, cutShort }
      const rest = buffer.subarray(stop - pos)
      const length = rest.length >= HEADER ? rest.readUInt32LE(0) : 0
      // a whole record that does not check out: damage, unless only zeros follow to the end
      if (rest.length >= HEADER && HEADER + length <= rest.length) return { offset: stop, unreadBytes: size - stop, cutShort: zerosFrom(fd, stop, size, chunkBytes) }
      // a record longer than what is left of the file: cut short, as readRecords would say (and
      // without allocating what a damaged length claims)
      if (rest.length >= HEADER && HEADER + length > size - stop) return { offset: stop, unreadBytes: size - stop, cutShort: true }
      // the chunk ended inside a record: read on from its start, the whole of it if it is longer
      want = Math.max(chunkBytes, HEADER + length)
      pos = stop
    }
  } finally {
    closeSync(fd)
  }
}

/** An open journal, appending to a fresh segment. */
export class Journal {
  private fd: number
  private segment: number
  private offset = 0
  private readonly older: number[]
  /** A write failed part-way: the next append starts a new segment after the torn bytes. */
  private torn = false
  /** The segment is full but the next could not be opened: the next append tries again. */
  private full = false
  /** Reused for every append that fits (the write is synchronous); larger ones get their own. */
  private readonly scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES)

  private constructor(
    private readonly dir: string,
    private readonly options: JournalOptions,
    existing: number[],
  ) {
    this.older = existing
    // never append after what a crash may have left torn: always start a new segment
    this.segment = (existing.at(-1) ?? 0) + 1
    this.fd = openSync(join(dir, segmentName(this.segment)), 'a')
  }

  /** Opens (creating) the journal in `dir`. */
  static open(dir: string, options: JournalOptions = {}): Journal {
    try {
      mkdirSync(dir, { recursive: true })
      const existing = readdirSync(dir)
        .map((name) => /^(\d{8})\.wal$/.exec(name))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => Number(m[1]))
        .sort((a, b) => a - b)
      return new Journal(dir, options, existing)
    } catch (err) {
      // node's own words name a syscall ("EEXIST: file already exists, mkdir"), not what is wrong
      const code = (err as NodeJS.ErrnoException).code
      const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'it is a file, not a directory' : (err as Error).message
      throw new Error(`cannot open the write-ahead journal ${dir}: ${why}`, { cause: err })
    }
  }

  /**
   * Reads what earlier runs journaled after `applied` (null: from the start), a bounded chunk at
   * a time: the entries of each chunk, then the end of each segment (with what could not be read
   * of it; a damaged file is copied aside first). Only the current chunk is held.
   */
  *recoverSteps(applied: JournalPosition | null, chunkBytes = RECOVERY_CHUNK_BYTES): Generator<RecoveryStep, void> {
    for (const segment of [...this.older]) {
      const path = join(this.dir, segmentName(segment))
      const reader = readSegment(path, chunkBytes)
      let end: SegmentEnd
      for (;;) {
        let next: IteratorResult<Array<{ entry: JournalEntry; end: number }>, SegmentEnd>
        try {
          next = reader.next()
        } catch (err) {
          // what it holds may be the only copy of acknowledged edits: stop, naming it, rather than skip it
          throw new Error(`cannot read the write-ahead journal file ${path}: ${(err as Error).message}`, { cause: err })
        }
        if (next.done) {
          end = next.value
          break
        }
        const entries: Array<{ entry: JournalEntry; end: JournalPosition }> = []
        for (const { entry, end } of next.value) {
          const position = { segment, offset: end }
          if (applied === null || before(applied, position)) entries.push({ entry, end: position })
        }
        if (entries.length > 0) yield { kind: 'entries', entries }
      }
      let unreadable: UnreadableSegment | null = null
      if (end.unreadBytes > 0) {
        // the segment goes once its records are in the store. A write cut short was never
        // acknowledged; a record that does not check out may be the only copy of saved edits,
        // with more after it, so that file is kept for someone to look at
        const copy = end.cutShort ? null : join(this.dir, `unreadable-${Date.now()}-${segmentName(segment)}`)
        if (copy !== null) copyFileSync(path, copy)
        unreadable = { file: path, copy, offset: end.offset, unreadBytes: end.unreadBytes, cutShort: end.cutShort }
      }
      yield { kind: 'segment-end', segment, unreadable }
    }
  }

  /** Reads everything earlier runs journaled after `applied` at once (tests; recovery goes by recoverSteps). */
  recover(applied: JournalPosition | null): Recovered {
    const entries: Recovered['entries'] = []
    const unreadable: UnreadableSegment[] = []
    let droppedBytes = 0
    for (const step of this.recoverSteps(applied)) {
      if (step.kind === 'entries') {
        for (const e of step.entries) entries.push(e)
      } else if (step.unreadable !== null) {
        unreadable.push(step.unreadable)
        droppedBytes += step.unreadable.unreadBytes
      }
    }
    return { entries, droppedBytes, unreadable }
  }

  /**
   * Appends entries with one synchronous write (and an fdatasync with `fsync`); returns the
   * position after them. Throws when the write fails; nothing is acknowledged then.
   */
  append(entries: readonly JournalEntry[]): JournalPosition {
    const bytes = encodeRecords(entries, this.scratch)
    // after torn bytes a new segment is a must (recovery stops reading at them); a full one
    // merely grows a little more while the next cannot be opened
    if (this.torn) this.rotate()
    else if (this.full) this.tryRotate()
    let written = 0
    try {
      while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written)
      if (this.options.fsync) fdatasyncSync(this.fd)
    } catch (err) {
      // recovery stops reading a segment at torn bytes: the retry must go to a new one
      this.torn = true
      throw err
    }
    this.offset += bytes.length
    const position = { segment: this.segment, offset: this.offset }
    // the entries are written: a new segment that cannot be opened now does not fail them
    if (this.offset >= (this.options.segmentBytes ?? 16 * 1024 * 1024)) this.tryRotate()
    return position
  }

  /**
   * Moves appends to the next segment. The new file is opened first: when that fails (no file
   * descriptors or space left, for a while), nothing has changed and a later call tries again.
   */
  private rotate(): void {
    const next = this.segment + 1
    const fd = openSync(join(this.dir, segmentName(next)), 'a')
    try {
      closeSync(this.fd)
    } catch {
      // a descriptor that failed a write may fail its close too: the new segment replaces it anyway
    }
    this.older.push(this.segment)
    this.segment = next
    this.offset = 0
    this.fd = fd
    this.torn = false
    this.full = false
  }

  private tryRotate(): void {
    try {
      this.rotate()
    } catch {
      this.full = true
    }
  }

  /** Everything up to `position` is in the store: segments wholly before it are deleted. */
  applied(position: JournalPosition): void {
    while (this.older.length > 0 && this.older[0]! < position.segment) {
      try {
        unlinkSync(join(this.dir, segmentName(this.older[0]!)))
      } catch (err) {
        // already gone is what was wanted; anything else is tried again at the next call
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return
      }
      this.older.shift()
    }
  }

  /** The position after the last append. */
  get position(): JournalPosition {
    return { segment: this.segment, offset: this.offset }
  }

  /** Number of segment files (tests, metrics). */
  get segments(): number {
    return this.older.length + 1
  }

  /** Closes the file; with `empty`, everything was applied and the files are deleted. */
  close(empty: boolean): void {
    try {
      closeSync(this.fd)
    } catch {
      // a descriptor that failed a write may fail its close too; the files are what matter
    }
    if (!empty) return
    for (const segment of [...this.older, this.segment]) {
      try {
        unlinkSync(join(this.dir, segmentName(segment)))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      }
    }
    this.older.length = 0
  }
}
