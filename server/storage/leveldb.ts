/**
 * LevelDB storage backend (`level`): the embedded default. Writes are batches that LevelDB hands
 * to the OS before resolving, so they survive a crash of the process; `fsync: true` also makes
 * them survive power loss, at the cost of a disk flush per batch. Key layout: ./keys.ts.
 */
import { readdirSync, statfsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Level } from 'level'
import * as codec from './codec.js'
import * as keys from './keys.js'
import {
  checkFile,
  StorageLockedError,
  type Append,
  type Compaction,
  type HistoryPoint,
  type LogEntry,
  type RecordWrite,
  type Storage,
  type StoredDoc,
} from './storage.js'

/** Options of the LevelDB backend. */
export interface LevelOptions {
  /** Flush every batch to disk (survives power loss, slower). */
  readonly fsync?: boolean
}

type Op =
  | { type: 'put'; key: string; value: Uint8Array }
  | { type: 'del'; key: string }
  /** A log entry, encoded only as it goes into the batch. */
  | { type: 'entry'; key: string; updates: readonly Uint8Array[] }

/**
 * Log entries this large are spilled: written first with a put of their own, then referred to
 * from the atomic batch. A put copies the value once on the relay's thread and builds LevelDB's
 * batch on a libuv thread; a chained batch copies it twice on the relay's thread (below).
 */
const SPILL_BYTES = 64 * 1024

/**
 * Bytes a batch takes in before the write lets other work run. Adding a value copies it twice on
 * the relay's thread (into the native batch, then into the batch's growing buffer), into memory
 * fresh from the kernel that faults page by page: about 2 ms for a 220 KB document here. A store
 * write of several large documents would hold every socket that long at once.
 */
const SLICE_BYTES = 64 * 1024

/**
 * Log entries up to this size are encoded into one reused buffer: the native batch copies a value
 * as it is added, so the buffer is free again at once, and its pages are already mapped.
 */
const SCRATCH_MAX = 256 * 1024

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** LevelDB's own files: tables, write-ahead logs and manifests (CURRENT names the live manifest). */
const LEVEL_FILE = /^(\d+\.(ldb|sst|log)|MANIFEST-\d+)$/

/**
 * Refuses a directory holding LevelDB files but no CURRENT. LevelDB, asked to create a store
 * missing there, starts an empty one over them and deletes the tables it does not know: every
 * document stored would be gone, and the server would serve an empty list.
 */
function checkLevelFiles(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    // a directory that does not exist yet is made by LevelDB
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return
    if (code === 'ENOTDIR') throw new Error(`the data directory ${dir} is a file, not a directory (--data)`)
    throw new Error(`cannot open the data directory ${dir}: ${(err as Error).message}`, { cause: err })
  }
  if (names.includes('CURRENT')) return
  const found = names.filter((name) => LEVEL_FILE.test(name)).sort()
  if (found.length === 0) return
  // numbered, not sorted as text: LevelDB pads to six digits, then the numbers grow longer
  const manifests = found.filter((name) => name.startsWith('MANIFEST-')).sort((a, b) => Number(a.slice(9)) - Number(b.slice(9)))
  throw new Error(
    `the data directory ${dir} holds LevelDB files (${found.slice(0, 5).join(', ')}${found.length > 5 ? ', ...' : ''}) ` +
      `but no CURRENT file, so it is damaged; nothing was changed. Put CURRENT back ` +
      `(${manifests.length > 0 ? `one line naming the newest manifest, ${manifests.at(-1)}` : 'it names the newest MANIFEST file'}) ` +
      `or restore the directory from a backup`,
  )
}

/** True for the error of a write that failed for want of disk space. */
const outOfSpace = (err: unknown) => /no space left on device/i.test(String((err as Error).message ?? err))

/**
 * True when the file system holding `dir` has room for LevelDB to open again: opening writes its
 * write-ahead logs out as a table, so it needs at most their size, and a little for a manifest.
 */
function roomToReopen(dir: string): boolean {
  let logs = 0
  for (const name of readdirSync(dir)) if (name.endsWith('.log')) logs += statSync(join(dir, name)).size
  const fs = statfsSync(dir)
  return fs.bavail * fs.bsize > logs + 4 * 1024 * 1024
}

/** Opens (creating if needed) a LevelDB store in `dir`. Rejects with StorageLockedError when in use. */
export async function openLevelStorage(dir: string, options: LevelOptions = {}): Promise<Storage> {
  checkLevelFiles(dir)
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') throw new StorageLockedError(`the data directory ${dir}`, 'LevelDB lock')
    throw new Error(`cannot open the data directory ${dir}: ${cause?.message ?? (err as Error).message}`)
  }
  const format = await db.get(keys.FORMAT_KEY)
  if (format === undefined) {
    await db.put(keys.FORMAT_KEY, utf8.encode(keys.VERSION))
  } else if (fromUtf8.decode(format) !== keys.VERSION) {
    await db.close()
    throw new Error(
      `the data directory ${dir} holds layout ${fromUtf8.decode(format)}, this server reads ${keys.VERSION}; upgrade Tandem`,
    )
  }
  const writeOptions = { sync: options.fsync === true }

  /**
   * LevelDB keeps the error of a background write that failed (a table it could not write on a
   * full disk) and returns it for every later write for as long as it stays open: the disk freed,
   * every store write still failed until the server was restarted, the journal and the updates
   * waiting in memory grew. So after a write failed for want of space, the next write reopens
   * the store first, once the disk has room for that. Calls wait for a reopen under way; reads
   * that were running when it began fail, as a write would have.
   */
  let reopenBeforeWrite = false
  let reopening: Promise<void> | null = null
  let closed = false
  const reopen = (): Promise<void> =>
    (reopening ??= (async () => {
      try {
        if (db.status === 'open') await db.close()
        await db.open()
        reopenBeforeWrite = false
      } finally {
        reopening = null
      }
    })())
  /** Waits for a reopen under way; a store a failed reopen left closed is opened again. */
  const ready = async (): Promise<void> => {
    if (reopening) await reopening
    else if (db.status === 'closed' && !closed) await reopen()
  }
  const writing = async <T>(write: () => Promise<T>): Promise<T> => {
    if (reopenBeforeWrite && !closed && roomToReopen(dir)) await reopen()
    else await ready()
    try {
      return await write()
    } catch (err) {
      if (outOfSpace(err)) reopenBeforeWrite = true
      throw err
    }
  }

  let scratch = new Uint8Array(0)
  /** The encoded entry, in `scratch` when it fits: valid only until the next call. */
  const encodeEntry = (updates: readonly Uint8Array[]): Uint8Array => {
    const size = codec.entrySize(updates)
    // a store still opening defers a put or batch with the value uncopied: only an open one copies at once
    if (size > SCRATCH_MAX || db.status !== 'open') return codec.encodeEntry(updates)
    if (scratch.length < size) scratch = new Uint8Array(Math.min(SCRATCH_MAX, Math.max(size, 2 * scratch.length, 1024)))
    return scratch.subarray(0, codec.writeEntry(scratch, updates))
  }

  /**
   * Writes ops in one atomic batch. A chained batch hands each op to LevelDB as it is added;
   * abstract-level's array form clones and re-checks every op object first, which for the store
   * write of a busy turn (one op per document) held the event loop three times as long. After
   * every SLICE_BYTES the batch waits a turn, so a large write lets the sockets in between; it is
   * still one batch, invisible until written whole.
   */
  const write = async (ops: readonly Op[]): Promise<void> => {
    if (ops.length === 0) return
    const batch = db.batch()
    try {
      let added = 0
      for (const op of ops) {
        if (added >= SLICE_BYTES) {
          added = 0
          await nextTurn()
        }
        if (op.type === 'del') {
          batch.del(op.key)
          continue
        }
        // the chained batch copies the value before put returns, so scratch is free again
        const value = op.type === 'put' ? op.value : encodeEntry(op.updates)
        batch.put(op.key, value)
        added += value.length
      }
    } catch (err) {
      await batch.close()
      throw err
    }
    await batch.write(writeOptions)
  }

  const recordOps = (writes: readonly RecordWrite[]): Op[] =>
    writes.map((w) =>
      w.value === null
        ? { type: 'del', key: keys.record(w.kind, w.id) }
        : { type: 'put', key: keys.record(w.kind, w.id), value: utf8.encode(JSON.stringify(w.value)) },
    )

  return {
    name: `leveldb:${dir}`,
    async load(docId, atSeq = keys.MAX_SEQ): Promise<StoredDoc> {
      await ready()
      // one snapshot for both reads, so a compaction landing in between cannot hide entries
      const snapshot = db.snapshot()
      try {
        const [latest] = await db.iterator({ ...keys.checkpointsUpTo(docId, atSeq), reverse: true, limit: 1, snapshot }).all()
        let checkpoint = null
        if (latest) {
          const { seq, time } = keys.parse(latest[0])!
          checkpoint = { seq, time, ...codec.decodeCheckpoint(latest[0], latest[1]) }
        }
        const rows = await db.iterator({ ...keys.entriesBetween(docId, checkpoint?.seq ?? 0, atSeq), snapshot }).all()
        const log: LogEntry[] = []
        for (const [key, value] of rows) {
          const { seq, time } = keys.parse(key)!
          if (!codec.isSpilled(value)) {
            log.push({ seq, time, updates: codec.decodeEntry(key, value) })
            continue
          }
          const spillKey = keys.spill(docId, seq, time)
          const spilled = await db.get(spillKey, { snapshot })
          if (spilled === undefined) throw new codec.CorruptValueError(key, 'the updates it spilled are missing')
          log.push({ seq, time, updates: codec.decodeEntry(spillKey, spilled) })
        }
        return { checkpoint, log }
      } finally {
        await snapshot.close()
      }
    },
    append: (appends: readonly Append[], records: readonly RecordWrite[] = []) => writing(async () => {
      const ops: Op[] = recordOps(records)
      for (const { docId, entry } of appends) {
        const key = keys.entry(docId, entry.seq, entry.time)
        if (codec.entrySize(entry.updates) < SPILL_BYTES) {
          ops.push({ type: 'entry', key, updates: entry.updates })
          continue
        }
        // unseen until the batch writes the entry that refers to it; if that never happens, the
        // spill is garbage under a seq no entry has yet, which compaction or deletion removes
        await db.put(keys.spill(docId, entry.seq, entry.time), encodeEntry(entry.updates), writeOptions)
        ops.push({ type: 'put', key, value: codec.SPILLED })
      }
      await write(ops)
    }),
    compact: (docId: string, { checkpoint, dropLogUpTo, dropCheckpoints }: Compaction) => writing(async () => {
      if (dropLogUpTo > checkpoint.seq) throw new Error('cannot drop log entries the checkpoint does not hold')
      const newKey = keys.checkpoint(docId, checkpoint.seq, checkpoint.time)
      // a put of its own, like a spill (one copy on the relay's thread, not two): a load that sees
      // it reads only the entries after its seq, the same document, so it needs no batch
      await db.put(newKey, codec.encodeCheckpoint(checkpoint.state, checkpoint.stateVector), writeOptions)
      // a checkpoint is identified by its seq: one rewritten with another time replaces the old key
      const ops: Op[] = []
      const drop = new Set(dropCheckpoints.filter((seq) => seq !== checkpoint.seq))
      for (const key of await db.keys(keys.checkpointsUpTo(docId, keys.MAX_SEQ)).all()) {
        const { seq } = keys.parse(key)!
        if ((seq === checkpoint.seq && key !== newKey) || drop.has(seq)) ops.push({ type: 'del', key })
      }
      await write(ops)
      // folded entries go in one native range delete after the checkpoint is in: a crash between
      // leaves entries the checkpoint already holds, which load skips and the next compaction drops
      if (dropLogUpTo > 0) {
        await db.clear({ ...keys.entriesBetween(docId, 0, dropLogUpTo), ...writeOptions })
        // after their entries: a spill outlives its entry at most until the next compaction
        await db.clear({ ...keys.spillsBetween(docId, 0, dropLogUpTo), ...writeOptions })
      }
    }),
    async history(docId): Promise<HistoryPoint[]> {
      await ready()
      const points: HistoryPoint[] = []
      for (const key of await db.keys(keys.docRange(docId)).all()) {
        const parsed = keys.parse(key)
        if (parsed) points.push({ seq: parsed.seq, time: parsed.time, kind: parsed.part === 'c' ? 'checkpoint' : 'entry' })
      }
      return points.sort((a, b) => a.seq - b.seq || (a.kind === 'checkpoint' ? -1 : 1))
    },
    deleteDoc: (docId) =>
      // entries, checkpoints, spills and files: one range (keys.ts)
      writing(() => db.clear(keys.docRange(docId))),
    async putFile(docId, name, file) {
      checkFile(name, file.type)
      // a put of its own, not a batch: one copy of a large image on the relay's thread
      await writing(() => db.put(keys.file(docId, name), codec.encodeFile(file.type, file.bytes), writeOptions))
    },
    async getFile(docId, name) {
      checkFile(name)
      await ready()
      const key = keys.file(docId, name)
      const value = await db.get(key)
      // level answers a fresh buffer per read: the view into it is already a copy (ST7)
      return value === undefined ? undefined : codec.decodeFile(key, value)
    },
    async hasFile(docId, name) {
      checkFile(name)
      await ready()
      const key = keys.file(docId, name)
      const found = await db.keys({ gte: key, lte: key, limit: 1 }).all()
      return found.length > 0
    },
    async getRecord<T>(kind: string, id: string) {
      await ready()
      const value = await db.get(keys.record(kind, id))
      return value === undefined ? undefined : (JSON.parse(fromUtf8.decode(value)) as T)
    },
    putRecords: (writes) => writing(() => write(recordOps(writes))),
    async listRecords<T>(kind: string) {
      await ready()
      const prefix = keys.record(kind, '').length
      const rows = await db.iterator(keys.recordRange(kind)).all()
      return rows.map(([key, value]) => ({ id: key.slice(prefix), value: JSON.parse(fromUtf8.decode(value)) as T }))
    },
    // the health probe's write is what reopens a store whose writes failed, when no one edits
    probe: () => writing(() => db.put(keys.probe, utf8.encode(String(Date.now())), writeOptions)),
    async close() {
      closed = true
      // a reopen under way ends first (it failing leaves the store closed already)
      await reopening?.catch(() => {})
      if (db.status !== 'closed') await db.close()
    },
  }
}
