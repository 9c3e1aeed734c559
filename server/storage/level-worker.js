// @ts-check
/**
 * Worker thread entry that owns the LevelDB handle (./level-thread.ts is the other side). The
 * relay's thread never touches LevelDB itself: classic-level copies every value of a batch into
 * its WriteBatch synchronously, which for a large store write held the relay's event loop for
 * milliseconds. Here that copy happens on this thread. Requests are answered in the order their
 * operations complete; each reply carries the request's id.
 *
 * Request: `{ id, op, ... }`; reply: `{ id, result }` or `{ id, error: { message, code } }`.
 * Rows come back packed into one transferred buffer (`keys`, `bytes`, `lengths`).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { Level } from 'level'

if (!parentPort) throw new Error('level-worker.js must run as a worker thread')
const port = parentPort

/** @type {{ dir: string }} */
const { dir } = workerData
/** @type {Level<string, Uint8Array>} */
const db = new Level(dir, { keyEncoding: 'utf8', valueEncoding: 'view' })
/** Open snapshots by id (a load reads both its ranges from one). */
const snapshots = new Map()
let nextSnapshot = 1

/**
 * The error as plain data; LevelDB's own reason (its `cause`) is what an operator needs.
 * @param {unknown} err
 */
function describe(err) {
  const e = /** @type {{ message?: string, code?: string, cause?: { message?: string, code?: string } }} */ (err ?? {})
  return { message: e.cause?.message ?? e.message ?? String(err), code: e.cause?.code ?? e.code }
}

/**
 * Rows as one buffer of values end to end, moved (not copied) to the relay's thread.
 * @param {Array<[string, Uint8Array]>} rows
 */
function pack(rows) {
  let total = 0
  for (const [, value] of rows) total += value.length
  const bytes = new Uint8Array(total)
  const lengths = new Uint32Array(rows.length)
  let pos = 0
  rows.forEach(([, value], i) => {
    bytes.set(value, pos)
    lengths[i] = value.length
    pos += value.length
  })
  return { result: { keys: rows.map(([key]) => key), bytes, lengths }, transfer: [bytes.buffer, lengths.buffer] }
}

/**
 * Runs one request; resolves to the reply's result and the buffers it moves.
 * @param {any} req
 * @returns {Promise<{ result?: unknown, transfer?: ArrayBuffer[] }>}
 */
async function run(req) {
  switch (req.op) {
    case 'open':
      await db.open()
      return {}
    case 'get': {
      const value = await db.get(req.key)
      return { result: value === undefined ? undefined : Uint8Array.from(value) }
    }
    case 'write': {
      /** @type {Array<{ type: 'put', key: string, value: Uint8Array } | { type: 'del', key: string }>} */
      const ops = req.ops
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
      await batch.write({ sync: req.sync })
      return {}
    }
    case 'put':
      await db.put(req.key, req.value, { sync: req.sync })
      return {}
    case 'rows': {
      const snapshot = req.snapshot === undefined ? undefined : snapshots.get(req.snapshot)
      if (req.snapshot !== undefined && !snapshot) throw new Error(`unknown snapshot ${req.snapshot}`)
      return pack(await db.iterator({ ...req.range, snapshot }).all())
    }
    case 'keys':
      return { result: await db.keys(req.range).all() }
    case 'clear':
      await db.clear({ ...req.range, sync: req.sync })
      return {}
    case 'snapshot': {
      const id = nextSnapshot++
      snapshots.set(id, db.snapshot())
      return { result: id }
    }
    case 'release': {
      const snapshot = snapshots.get(req.snapshot)
      snapshots.delete(req.snapshot)
      if (snapshot) await snapshot.close()
      return {}
    }
    case 'close':
      for (const snapshot of snapshots.values()) await snapshot.close()
      snapshots.clear()
      await db.close()
      return {}
    default:
      throw new Error(`unknown request ${String(req.op)}`)
  }
}

port.on('message', (/** @type {{ id: number }} */ req) => {
  run(req).then(
    ({ result, transfer }) => port.postMessage({ id: req.id, result }, transfer ?? []),
    (err) => port.postMessage({ id: req.id, error: describe(err) }),
  )
})
