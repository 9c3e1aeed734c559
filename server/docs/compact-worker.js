// @ts-check
/**
 * Worker thread entry: answers `{ id, bytes, lengths }` messages (a document's updates laid end to
 * end) with `{ id, state, stateVector, title }` or `{ id, error }`, so compaction never blocks the
 * relay's event loop.
 */
import { setPriority } from 'node:os'
import { parentPort } from 'node:worker_threads'
import { compactUpdates, unpack } from './compact.js'

if (!parentPort) throw new Error('compact-worker.js must run as a worker thread')
const port = parentPort

/**
 * Nice value of this thread. Compaction is background work: when the cores are busy, relaying
 * goes first and compaction uses what is left (writers wait if it falls far behind, room.ts).
 * Documents edited at the same pace reach their compaction threshold together; at normal
 * priority the burst took half the relay's core and its fan-out p99 past 50 ms (npm run bench,
 * saturation ramp). On Linux the nice value is per thread, so the relay's thread keeps its own.
 */
const NICE = 10

try {
  setPriority(NICE)
} catch {
  // not permitted or not supported here: compaction runs at normal priority
}

port.on('message', (/** @type {{ id: number, bytes: Uint8Array, lengths: Uint32Array }} */ message) => {
  try {
    // the updates come laid end to end in one buffer (PackedUpdates.pack)
    const { state, stateVector, title } = compactUpdates(unpack(message))
    const transfer = /** @type {ArrayBuffer[]} */ ([state.buffer, stateVector.buffer])
    port.postMessage({ id: message.id, state, stateVector, title }, transfer)
  } catch (err) {
    port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
})
