/**
 * The storage interface every backend implements (memory, LevelDB, PostgreSQL).
 * A document is an append-only log of update entries plus checkpoints that fold a prefix of the
 * log into one state. Rules ST1-ST8 in shared/PROTOCOL.md; tests/contract checks every backend.
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
  /** Removes every log entry and checkpoint of a document. */
  deleteDoc(docId: string): Promise<void>
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
