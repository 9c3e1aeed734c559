/**
 * The storage interface every backend implements (memory, LevelDB, PostgreSQL).
 * A document is an append-only log of update entries plus checkpoints that fold a prefix of the
 * log into one state. A document may also hold binary files (its images). Rules ST1-ST10 in
 * shared/PROTOCOL.md; tests/contract checks every backend.
 */

/** One log entry: the updates of one document accepted in one group commit. */
export interface LogEntry {
  /** Per-document sequence number, strictly increasing from 1. */
  readonly seq: number
  /** Milliseconds since the epoch when the entry was written. */
  readonly time: number
  readonly updates: readonly Uint8Array[]
}

/** A checkpoint: the merged state of every log entry with a sequence number up to `seq`. */
export interface Checkpoint {
  readonly seq: number
  readonly time: number
  readonly state: Uint8Array
  /** The state vector of `state`, when the writer knew it (saves decoding `state` on load). */
  readonly stateVector?: Uint8Array
}

/** What `load` returns: the latest checkpoint (if any) and the log entries after it. */
export interface StoredDoc {
  readonly checkpoint: Checkpoint | null
  readonly log: readonly LogEntry[]
}

/** A point in a document's history: a checkpoint or a log entry still stored. */
export interface HistoryPoint {
  readonly seq: number
  readonly time: number
  readonly kind: 'checkpoint' | 'entry'
}

/** An append for one document, part of an atomic multi-document batch. */
export interface Append {
  readonly docId: string
  readonly entry: LogEntry
}

/** A record write (JSON) in the same atomic batch; `value: null` deletes. */
export interface RecordWrite {
  readonly kind: string
  readonly id: string
  readonly value: unknown
}

/** How a compaction changes the stored history of one document. */
export interface Compaction {
  /** The new checkpoint; log entries with seq <= checkpoint.seq become foldable. */
  readonly checkpoint: Checkpoint
  /** Delete log entries with seq <= this (at most checkpoint.seq). */
  readonly dropLogUpTo: number
  /** Delete the checkpoints with these sequence numbers (history thinning). Never the new one. */
  readonly dropCheckpoints: readonly number[]
}

/** A binary file stored with a document (an uploaded image): its media type and bytes. */
export interface StoredFile {
  /** Media type, 1 to 127 printable ASCII characters (image/png, say). */
  readonly type: string
  readonly bytes: Uint8Array
}

/** Names of a document's files: 1 to 128 characters of A-Z a-z 0-9 . _ - (ST9). */
export const FILE_NAME = /^[A-Za-z0-9._-]{1,128}$/

/** Media types a file may be stored with (ST9). */
export const FILE_TYPE = /^[\x21-\x7e][\x20-\x7e]{0,126}$/

/** A file name or media type that breaks ST9: the backend stores nothing. */
export class BadFileError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'BadFileError'
  }
}

/** Throws BadFileError unless `name` and (when given) `type` keep ST9. */
export function checkFile(name: string, type?: string): void {
  if (!FILE_NAME.test(name)) throw new BadFileError(`a file name is 1 to 128 characters of A-Z a-z 0-9 . _ -, not ${JSON.stringify(name.slice(0, 140))}`)
  if (type !== undefined && !FILE_TYPE.test(type)) throw new BadFileError(`a file's media type is 1 to 127 printable ASCII characters, not ${JSON.stringify(type.slice(0, 140))}`)
}

/** A document store. Methods reject on failure; they never swallow an error. */
export interface Storage {
  /** Human-readable backend name for logs and health output. */
  readonly name: string
  /**
   * Reads the latest checkpoint with seq <= `atSeq` (default: the latest) and the log entries
   * after it up to `atSeq`, from one consistent snapshot.
   */
  load(docId: string, atSeq?: number): Promise<StoredDoc>
  /** Appends log entries (and record writes) for any number of documents, atomically. */
  append(appends: readonly Append[], records?: readonly RecordWrite[]): Promise<void>
  /**
   * Writes a checkpoint and drops thinned checkpoints atomically, then drops the entries it folds
   * (a crash in between leaves folded entries that `load` skips and the next compaction drops).
   */
  compact(docId: string, compaction: Compaction): Promise<void>
  /** Lists the stored history points of a document, oldest first. */
  history(docId: string): Promise<HistoryPoint[]>
  /** Removes every log entry, checkpoint and file of a document. */
  deleteDoc(docId: string): Promise<void>
  /**
   * Stores a file of a document under `name`, type and bytes together, replacing one of that
   * name. Resolves once durable as appends are; rejects with BadFileError on a bad name or type (ST9).
   */
  putFile(docId: string, name: string, file: StoredFile): Promise<void>
  /** Reads a file of a document (a copy), or undefined when there is none of that name. */
  getFile(docId: string, name: string): Promise<StoredFile | undefined>
  /** Whether a document has a file of that name, without reading its bytes. */
  hasFile(docId: string, name: string): Promise<boolean>
  /** Reads one record, or undefined. */
  getRecord<T = unknown>(kind: string, id: string): Promise<T | undefined>
  /** Writes records atomically; a null value deletes. */
  putRecords(records: readonly RecordWrite[]): Promise<void>
  /** Lists every record of a kind, ordered by id. */
  listRecords<T = unknown>(kind: string): Promise<Array<{ id: string; value: T }>>
  /** Proves the store accepts writes right now; rejects when it does not. */
  probe(): Promise<void>
  /** Flushes and releases the store. */
  close(): Promise<void>
}

/** Thrown when a second server opens a store that is already in use (one server per store). */
export class StorageLockedError extends Error {
  /** `store` names it (a directory, or a database and schema); `lock` says which lock is held. */
  constructor(store: string, lock: string) {
    super(`${store} is in use by another Tandem server (${lock} held)`)
    this.name = 'StorageLockedError'
  }
}
