/**
 * LevelDB storage backend (`level`): the embedded default. Writes are batches that LevelDB hands
 * to the OS before resolving, so they survive a crash of the process; `fsync: true` also makes
 * them survive power loss, at the cost of a disk flush per batch. Key layout: ./keys.ts. The
 * database lives in a worker thread (./level-thread.ts); keys and values are made here.
 */
import * as codec from './codec.js'
import * as keys from './keys.js'
import { openLevelThread, type LevelOp } from './level-thread.js'
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

const utf8 = new TextEncoder()
const fromUtf8 = new TextDecoder()

/** Opens (creating if needed) a LevelDB store in `dir`. Rejects with StorageLockedError when in use. */
export async function openLevelStorage(dir: string, options: LevelOptions = {}): Promise<Storage> {
  let db
  try {
    db = await openLevelThread(dir)
  } catch (err) {
    if ((err as { code?: string }).code === 'LEVEL_LOCKED') throw new StorageLockedError(dir)
    throw new Error(`cannot open the data directory ${dir}: ${(err as Error).message}`)
  }
  const format = await db.get(keys.FORMAT_KEY)
  if (format === undefined) {
    await db.put(keys.FORMAT_KEY, utf8.encode(keys.VERSION), false)
  } else if (fromUtf8.decode(format) !== keys.VERSION) {
    await db.close()
    throw new Error(
      `the data directory ${dir} holds layout ${fromUtf8.decode(format)}, this server reads ${keys.VERSION}; upgrade Tandem`,
    )
  }
  const sync = options.fsync === true

  /** Writes ops in one atomic batch; their values (encoded here, owned by no one else) move to the worker. */
  const write = async (ops: readonly LevelOp[]): Promise<void> => {
    if (ops.length === 0) return
    await db.write(ops, sync)
  }

  const recordOps = (writes: readonly RecordWrite[]): LevelOp[] =>
    writes.map((w) =>
      w.value === null
        ? { type: 'del', key: keys.record(w.kind, w.id) }
        : { type: 'put', key: keys.record(w.kind, w.id), value: utf8.encode(JSON.stringify(w.value)) },
    )

  return {
    name: `leveldb:${dir}`,
    async load(docId, atSeq = keys.MAX_SEQ): Promise<StoredDoc> {
      // one snapshot for both reads, so a compaction landing in between cannot hide entries
      const snapshot = await db.snapshot()
      try {
        const [latest] = await db.rows({ ...keys.checkpointsUpTo(docId, atSeq), reverse: true, limit: 1 }, snapshot)
        let checkpoint = null
        if (latest) {
          const { seq, time } = keys.parse(latest[0])!
          checkpoint = { seq, time, ...codec.decodeCheckpoint(latest[0], latest[1]) }
        }
        const rows = await db.rows(keys.entriesBetween(docId, checkpoint?.seq ?? 0, atSeq), snapshot)
        const log: LogEntry[] = rows.map(([key, value]) => {
          const { seq, time } = keys.parse(key)!
          return { seq, time, updates: codec.decodeEntry(key, value) }
        })
        return { checkpoint, log }
      } finally {
        await db.release(snapshot)
      }
    },
    async append(appends: readonly Append[], records: readonly RecordWrite[] = []) {
      const ops: LevelOp[] = recordOps(records)
      for (const { docId, entry } of appends) {
        ops.push({ type: 'put', key: keys.entry(docId, entry.seq, entry.time), value: codec.encodeEntry(entry.updates) })
      }
      await write(ops)
    },
    async compact(docId: string, { checkpoint, dropLogUpTo, dropCheckpoints }: Compaction) {
      if (dropLogUpTo > checkpoint.seq) throw new Error('cannot drop log entries the checkpoint does not hold')
      const newKey = keys.checkpoint(docId, checkpoint.seq, checkpoint.time)
      const ops: LevelOp[] = [{ type: 'put', key: newKey, value: codec.encodeCheckpoint(checkpoint.state, checkpoint.stateVector) }]
      // a checkpoint is identified by its seq: one rewritten with another time replaces the old key
      const drop = new Set(dropCheckpoints.filter((seq) => seq !== checkpoint.seq))
      for (const key of await db.keys(keys.checkpointsUpTo(docId, keys.MAX_SEQ))) {
        const { seq } = keys.parse(key)!
        if ((seq === checkpoint.seq && key !== newKey) || drop.has(seq)) ops.push({ type: 'del', key })
      }
      await write(ops)
      // folded entries go in one native range delete after the checkpoint is in: a crash between
      // leaves entries the checkpoint already holds, which load skips and the next compaction drops
      if (dropLogUpTo > 0) await db.clear(keys.entriesBetween(docId, 0, dropLogUpTo), sync)
    },
    async history(docId): Promise<HistoryPoint[]> {
      const points: HistoryPoint[] = []
      for (const key of await db.keys(keys.docRange(docId))) {
        const parsed = keys.parse(key)
        if (parsed) points.push({ seq: parsed.seq, time: parsed.time, kind: parsed.part === 'c' ? 'checkpoint' : 'entry' })
      }
      return points.sort((a, b) => a.seq - b.seq || (a.kind === 'checkpoint' ? -1 : 1))
    },
    async deleteDoc(docId) {
      await db.clear(keys.docRange(docId), false)
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
      const rows = await db.rows(keys.recordRange(kind))
      return rows.map(([key, value]) => ({ id: key.slice(prefix), value: JSON.parse(fromUtf8.decode(value)) as T }))
    },
    async probe() {
      await db.put(keys.probe, utf8.encode(String(Date.now())), sync)
    },
    async close() {
      await db.close()
    },
  }
}
