/**
 * Runs compaction (./compact.js) off the relay's event loop. The worker thread starts on first
 * use and stops after a quiet spell, so an idle server holds no extra isolate.
 */
import { Worker } from 'node:worker_threads'
import type { PackedBatch } from '../storage/packed-updates.js'
import { compactUpdates, unpack } from './compact.js'

/** The result of folding a document's updates. */
export interface Compacted {
  /** The whole document as one garbage-collected update. */
  readonly state: Uint8Array
  /** Its state vector. */
  readonly stateVector: Uint8Array
  /** The document's title ('' when none). */
  readonly title: string
}

/** Folds a document's updates (oldest first, laid end to end) into one compact update. */
export interface Compactor {
  compact(input: PackedBatch): Promise<Compacted>
  /** Stops any worker; pending jobs reject. */
  close(): Promise<void>
}

/** A compactor that runs on the calling thread (tests, tiny deployments). */
export function createInlineCompactor(): Compactor {
  return {
    compact: async (input) => compactUpdates(unpack(input)),
    close: async () => {},
  }
}

interface Job {
  resolve(result: Compacted): void
  reject(error: Error): void
}

/** A compactor backed by one worker thread that exits after `idleMs` without work. */
export function createWorkerCompactor(idleMs = 10_000): Compactor {
  let worker: Worker | null = null
  let nextId = 1
  const jobs = new Map<number, Job>()
  let idleTimer: NodeJS.Timeout | null = null

  const failAll = (error: Error) => {
    for (const job of jobs.values()) job.reject(error)
    jobs.clear()
  }
  const stopWhenIdle = () => {
    if (idleTimer) clearTimeout(idleTimer)
    idleTimer = null
    if (jobs.size === 0 && worker) {
      idleTimer = setTimeout(() => {
        idleTimer = null
        if (jobs.size === 0 && worker) {
          void worker.terminate()
          worker = null
        }
      }, idleMs)
      idleTimer.unref()
    }
  }
  const start = (): Worker => {
    const w = new Worker(new URL('./compact-worker.js', import.meta.url))
    w.unref()
    w.on('message', (msg: { id: number; state?: Uint8Array; stateVector?: Uint8Array; title?: string; error?: string }) => {
      const job = jobs.get(msg.id)
      if (!job) return
      jobs.delete(msg.id)
      if (msg.error !== undefined || !msg.state || !msg.stateVector) job.reject(new Error(`compaction failed: ${msg.error}`))
      else job.resolve({ state: msg.state, stateVector: msg.stateVector, title: msg.title ?? '' })
      stopWhenIdle()
    })
    w.on('error', (err) => failAll(new Error(`compaction worker crashed: ${err.message}`)))
    w.on('exit', () => {
      if (worker === w) worker = null
      failAll(new Error('compaction worker exited'))
    })
    return w
  }

  return {
    compact({ bytes, lengths }) {
      if (idleTimer) clearTimeout(idleTimer)
      idleTimer = null
      worker ??= start()
      const id = nextId++
      const w = worker
      // one buffer moved to the worker, not thousands of small ones cloned on this thread
      return new Promise<Compacted>((resolve, reject) => {
        jobs.set(id, { resolve, reject })
        w.postMessage({ id, bytes, lengths }, [bytes.buffer, lengths.buffer])
      })
    },
    async close() {
      if (idleTimer) clearTimeout(idleTimer)
      const w = worker
      worker = null
      failAll(new Error('compactor closed'))
      if (w) await w.terminate()
    },
  }
}
