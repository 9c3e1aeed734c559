/**
 * A LevelDB database owned by a worker thread (./level-worker.js), seen from the relay's thread
 * as a handful of async operations. Values handed in are moved to the worker, not copied: the
 * caller must not use them afterwards. A worker that dies is started again (and the database
 * reopened) by the next call; the calls in flight when it died reject.
 */
import { Worker } from 'node:worker_threads'

/** A write in a batch. */
export type LevelOp = { type: 'put'; key: string; value: Uint8Array } | { type: 'del'; key: string }

/** A key range as `level` takes it. */
export interface KeyRange {
  readonly gt?: string
  readonly gte?: string
  readonly lt?: string
  readonly lte?: string
  readonly reverse?: boolean
  readonly limit?: number
}

/** An error LevelDB reported; `code` is its code (LEVEL_LOCKED when another process holds the directory). */
export class LevelError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message)
    this.name = 'LevelError'
  }
}

/** The operations the storage backend needs. */
export interface LevelThread {
  get(key: string): Promise<Uint8Array | undefined>
  put(key: string, value: Uint8Array, sync: boolean): Promise<void>
  /** Writes the ops in one atomic batch; the values move to the worker. */
  write(ops: readonly LevelOp[], sync: boolean): Promise<void>
  /** Rows of a range, read from `snapshot` when given; values are views into one buffer of their own. */
  rows(range: KeyRange, snapshot?: number): Promise<Array<[string, Uint8Array]>>
  keys(range: KeyRange): Promise<string[]>
  clear(range: KeyRange, sync: boolean): Promise<void>
  /** Takes a snapshot for consistent reads; release it when done. */
  snapshot(): Promise<number>
  release(snapshot: number): Promise<void>
  /** Closes the database and stops the worker; every later call rejects. */
  close(): Promise<void>
}

interface Pending {
  resolve(result: unknown): void
  reject(error: Error): void
}

interface Reply {
  id: number
  result?: unknown
  error?: { message: string; code?: string }
}

/** Options of openLevelThread. */
export interface LevelThreadOptions {
  /** The worker's entry script (tests wrap ./level-worker.js to make it fail on demand). */
  readonly workerUrl?: URL
}

/** Starts the worker and opens the database in `dir`; rejects with a LevelError when it cannot. */
export async function openLevelThread(dir: string, options: LevelThreadOptions = {}): Promise<LevelThread> {
  const workerUrl = options.workerUrl ?? new URL('./level-worker.js', import.meta.url)
  let worker: Worker | null = null
  let starting: Promise<Worker> | null = null
  let closed = false
  let nextId = 1
  const pending = new Map<number, Pending>()

  const failAll = (error: Error) => {
    for (const p of pending.values()) p.reject(error)
    pending.clear()
  }

  const send = (w: Worker, message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++
      pending.set(id, { resolve, reject })
      // a request in flight keeps the process alive; an idle worker does not
      if (pending.size === 1) w.ref()
      try {
        w.postMessage({ ...message, id }, transfer)
      } catch (err) {
        pending.delete(id)
        if (pending.size === 0) w.unref()
        reject(err as Error)
      }
    })

  const spawn = async (): Promise<Worker> => {
    const w = new Worker(workerUrl, { workerData: { dir } })
    w.unref()
    w.on('message', (reply: Reply) => {
      const p = pending.get(reply.id)
      if (!p) return
      pending.delete(reply.id)
      if (pending.size === 0) w.unref()
      if (reply.error) p.reject(new LevelError(reply.error.message, reply.error.code))
      else p.resolve(reply.result)
    })
    w.on('error', (err) => failAll(new LevelError(`the LevelDB worker crashed: ${err.message}`, 'LEVEL_WORKER_CRASHED')))
    w.on('exit', () => {
      if (worker === w) worker = null
      failAll(new LevelError('the LevelDB worker stopped', 'LEVEL_WORKER_STOPPED'))
    })
    try {
      await send(w, { op: 'open' })
    } catch (err) {
      await w.terminate()
      throw err
    }
    return w
  }

  /** The running worker, started (and the database opened) if need be. */
  const ready = async (): Promise<Worker> => {
    if (closed) throw new LevelError('the store is closed', 'LEVEL_DATABASE_NOT_OPEN')
    if (worker) return worker
    starting ??= spawn().finally(() => (starting = null))
    worker = await starting
    return worker
  }

  const call = async <T>(message: Record<string, unknown>, transfer?: ArrayBuffer[]): Promise<T> =>
    (await send(await ready(), message, transfer)) as T

  await ready()

  return {
    get: (key) => call({ op: 'get', key }),
    put: (key, value, sync) => call({ op: 'put', key, value, sync }, [value.buffer as ArrayBuffer]),
    write: (ops, sync) => {
      const transfer = new Set<ArrayBuffer>()
      for (const op of ops) if (op.type === 'put') transfer.add(op.value.buffer as ArrayBuffer)
      return call({ op: 'write', ops, sync }, [...transfer])
    },
    async rows(range, snapshot) {
      const { keys, bytes, lengths } = await call<{ keys: string[]; bytes: Uint8Array; lengths: Uint32Array }>({ op: 'rows', range, snapshot })
      const rows: Array<[string, Uint8Array]> = []
      let pos = 0
      keys.forEach((key, i) => {
        rows.push([key, bytes.subarray(pos, pos + lengths[i]!)])
        pos += lengths[i]!
      })
      return rows
    },
    keys: (range) => call({ op: 'keys', range }),
    clear: (range, sync) => call({ op: 'clear', range, sync }),
    snapshot: () => call({ op: 'snapshot' }),
    release: (snapshot) => call({ op: 'release', snapshot }),
    async close() {
      if (closed) return
      const w = worker ?? (await starting?.catch(() => null)) ?? null
      closed = true
      if (!w) return
      try {
        await send(w, { op: 'close' })
      } finally {
        worker = null
        await w.terminate()
      }
    },
  }
}
