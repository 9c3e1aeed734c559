/**
 * In-memory storage backend: the reference implementation of the contract, used by tests and by
 * `--data :memory:`. Copies bytes in and out so callers cannot alias stored data.
 */
import type {
  Append,
  Checkpoint,
  Compaction,
  HistoryPoint,
  LogEntry,
  RecordWrite,
  Storage,
  StoredDoc,
  StoredFile,
} from './storage.js'
import { checkFile } from './storage.js'

interface DocData {
  checkpoints: Map<number, Checkpoint>
  log: Map<number, LogEntry>
}

// new Uint8Array(x) always copies (Buffer's slice() would return a view)
const copyEntry = (e: LogEntry): LogEntry => ({ seq: e.seq, time: e.time, updates: e.updates.map((u) => new Uint8Array(u)) })
const copyCheckpoint = (c: Checkpoint): Checkpoint => ({
  seq: c.seq,
  time: c.time,
  state: new Uint8Array(c.state),
  ...(c.stateVector ? { stateVector: new Uint8Array(c.stateVector) } : {}),
})

/** Creates an empty in-memory store. */
export function createMemoryStorage(): Storage {
  const docs = new Map<string, DocData>()
  const records = new Map<string, Map<string, string>>()
  // files live apart from the log: deleteDoc removes both (ST5), compact touches neither (ST10)
  const files = new Map<string, Map<string, StoredFile>>()
  let closed = false

  const open = () => {
    if (closed) throw new Error('storage is closed')
  }
  const doc = (id: string): DocData => {
    let d = docs.get(id)
    if (!d) docs.set(id, (d = { checkpoints: new Map(), log: new Map() }))
    return d
  }
  const applyRecords = (writes: readonly RecordWrite[]) => {
    // serialise first so a value that cannot be stored fails the whole batch
    const encoded = writes.map((w) => ({ ...w, json: w.value === null ? null : JSON.stringify(w.value) }))
    for (const w of encoded) {
      let kind = records.get(w.kind)
      if (!kind) records.set(w.kind, (kind = new Map()))
      if (w.json === null) kind.delete(w.id)
      else kind.set(w.id, w.json)
    }
  }

  return {
    name: 'memory',
    async load(docId, atSeq = Number.MAX_SAFE_INTEGER): Promise<StoredDoc> {
      open()
      const d = docs.get(docId)
      if (!d) return { checkpoint: null, log: [] }
      let checkpoint: Checkpoint | null = null
      for (const c of d.checkpoints.values()) {
        if (c.seq <= atSeq && (checkpoint === null || c.seq > checkpoint.seq)) checkpoint = c
      }
      const from = checkpoint?.seq ?? 0
      const log = [...d.log.values()]
        .filter((e) => e.seq > from && e.seq <= atSeq)
        .sort((a, b) => a.seq - b.seq)
        .map(copyEntry)
      return { checkpoint: checkpoint && copyCheckpoint(checkpoint), log }
    },
    async append(appends: readonly Append[], recordWrites: readonly RecordWrite[] = []) {
      open()
      applyRecords(recordWrites)
      for (const { docId, entry } of appends) doc(docId).log.set(entry.seq, copyEntry(entry))
    },
    async compact(docId: string, { checkpoint, dropLogUpTo, dropCheckpoints }: Compaction) {
      open()
      if (dropLogUpTo > checkpoint.seq) throw new Error('cannot drop log entries the checkpoint does not hold')
      const d = doc(docId)
      d.checkpoints.set(checkpoint.seq, copyCheckpoint(checkpoint))
      for (const seq of d.log.keys()) if (seq <= dropLogUpTo) d.log.delete(seq)
      for (const seq of dropCheckpoints) if (seq !== checkpoint.seq) d.checkpoints.delete(seq)
    },
    async history(docId): Promise<HistoryPoint[]> {
      open()
      const d = docs.get(docId)
      if (!d) return []
      const points: HistoryPoint[] = [
        ...[...d.checkpoints.values()].map((c) => ({ seq: c.seq, time: c.time, kind: 'checkpoint' as const })),
        ...[...d.log.values()].map((e) => ({ seq: e.seq, time: e.time, kind: 'entry' as const })),
      ]
      // a checkpoint and the entry it folded can share a seq; the checkpoint sorts first
      return points.sort((a, b) => a.seq - b.seq || (a.kind === 'checkpoint' ? -1 : 1))
    },
    async deleteDoc(docId) {
      open()
      docs.delete(docId)
      files.delete(docId)
    },
    async putFile(docId, name, file) {
      open()
      checkFile(name, file.type)
      let own = files.get(docId)
      if (!own) files.set(docId, (own = new Map()))
      own.set(name, { type: file.type, bytes: new Uint8Array(file.bytes) })
    },
    async getFile(docId, name) {
      open()
      checkFile(name)
      const file = files.get(docId)?.get(name)
      return file && { type: file.type, bytes: new Uint8Array(file.bytes) }
    },
    async hasFile(docId, name) {
      open()
      checkFile(name)
      return files.get(docId)?.has(name) ?? false
    },
    async getRecord<T>(kind: string, id: string) {
      open()
      const json = records.get(kind)?.get(id)
      return json === undefined ? undefined : (JSON.parse(json) as T)
    },
    async putRecords(writes) {
      open()
      applyRecords(writes)
    },
    async listRecords<T>(kind: string) {
      open()
      const entries = [...(records.get(kind) ?? new Map<string, string>()).entries()]
      // code point order, which is the UTF-8 byte order LevelDB keys sort in (UTF-16 `<` is not)
      return entries
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')))
        .map(([id, json]) => ({ id, value: JSON.parse(json) as T }))
    },
    async probe() {
      open()
    },
    async close() {
      closed = true
    },
  }
}
