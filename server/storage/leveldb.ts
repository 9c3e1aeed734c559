/**
 * LevelDB storage backend (`level`): the embedded default. Writes are batches that LevelDB hands
 * to the OS before resolving, so they survive a crash of the process; `fsync: true` also makes
 * them survive power loss, at the cost of a disk flush per batch. Key layout: ./keys.ts.
 */
import { Level } from 'level'
import * as codec from './codec.js'
import * as keys from './keys.js'
import {
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

type Op = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** Opens (creating if needed) a LevelDB store in `dir`. Rejects with StorageLockedError when in use. */
export async function openLevelStorage(dir: string, options: LevelOptions = {}): Promise<Storage> {
  const db = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
  try {
    await db.open()
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause
    if (cause?.code === 'LEVEL_LOCKED') throw new StorageLockedError(dir)
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
   * Writes ops in one atomic batch. A chained batch hands each op to LevelDB as it is added;
   * abstract-level's array form clones and re-checks every op object first, which for the store
   * write of a busy turn (one op per document) held the event loop three times as long.
   */
  const write = async (ops: readonly Op[]): Promise<void> => {
    if (ops.length === 0) return
    const batch = db.batch()
    try {
      for (const op of ops) {
        if (op.type === 'put') batch.put(op.key, op.value)
        else batch.del(op.key)
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
        const log: LogEntry[] = rows.map(([key, value]) => {
          const { seq, time } = keys.parse(key)!
          return { seq, time, updates: codec.decodeEntry(key, value) }
        })
        return { checkpoint, log }
      } finally {
        await snapshot.close()
      }
    },
    async append(appends: readonly Append[], records: readonly RecordWrite[] = []) {
      const ops: Op[] = recordOps(records)
      for (const { docId, entry } of appends) {
        ops.push({ type: 'put', key: keys.entry(docId, entry.seq, entry.time), value: codec.encodeEntry(entry.updates) })
      }
      await write(ops)
    },
    async compact(docId: string, { checkpoint, dropLogUpTo, dropCheckpoints }: Compaction) {
      if (dropLogUpTo > checkpoint.seq) throw new Error('cannot drop log entries the checkpoint does not hold')
      const newKey = keys.checkpoint(docId, checkpoint.seq, checkpoint.time)
      const ops: Op[] = [{ type: 'put', key: newKey, value: codec.encodeCheckpoint(checkpoint.state, checkpoint.stateVector) }]
      // a checkpoint is identified by its seq: one rewritten with another time replaces the old key
      const drop = new Set(dropCheckpoints.filter((seq) => seq !== checkpoint.seq))
      for (const key of await db.keys(keys.checkpointsUpTo(docId, keys.MAX_SEQ)).all()) {
        const { seq } = keys.parse(key)!
        if ((seq === checkpoint.seq && key !== newKey) || drop.has(seq)) ops.push({ type: 'del', key })
      }
      await write(ops)
      // folded entries go in one native range delete after the checkpoint is in: a crash between
      // leaves entries the checkpoint already holds, which load skips and the next compaction drops
      if (dropLogUpTo > 0) await db.clear({ ...keys.entriesBetween(docId, 0, dropLogUpTo), ...writeOptions })
    },
    async history(docId): Promise<HistoryPoint[]> {
      const points: HistoryPoint[] = []
      for (const key of await db.keys(keys.docRange(docId)).all()) {
        const parsed = keys.parse(key)
        if (parsed) points.push({ seq: parsed.seq, time: parsed.time, kind: parsed.part === 'c' ? 'checkpoint' : 'entry' })
      }
      return points.sort((a, b) => a.seq - b.seq || (a.kind === 'checkpoint' ? -1 : 1))
    },
    async deleteDoc(docId) {
      await db.clear(keys.docRange(docId))
    },
    async getRecord<T>(kind: string, id: string) {
      const value = await db.get(keys.record(kind, id))
      return value === undefined ? undefined : (JSON.parse(fromUtf8.decode(value)) as T)
    },
    async putRecords(writes) {
      await write(recordOps(writes))
    },
    async listRecords<T>(kind: string) {
      const prefix = keys.record(kind, '').length
      const rows = await db.iterator(keys.recordRange(kind)).all()
      return rows.map(([key, value]) => ({ id: key.slice(prefix), value: JSON.parse(fromUtf8.decode(value)) as T }))
    },
    async probe() {
      await db.put(keys.probe, utf8.encode(String(Date.now())), writeOptions)
    },
    async close() {
      await db.close()
    },
  }
}
