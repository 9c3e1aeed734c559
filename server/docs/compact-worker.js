// @ts-check
/**
 * Worker thread entry: answers `{ id, bytes, lengths }` messages (a document's updates laid end to
 * end) with `{ id, state, stateVector, title }` or `{ id, error }`, so compaction never blocks the
 * relay's event loop.
 */
import { parentPort } from 'node:worker_threads'
import { compactUpdates } from './compact.js'

if (!parentPort) throw new Error('compact-worker.js must run as a worker thread')
const port = parentPort

port.on('message', (/** @type {{ id: number, bytes: Uint8Array, lengths: Uint32Array }} */ message) => {
  try {
    // the updates come laid end to end in one buffer (compactor.ts pack)
    const updates = []
    let pos = 0
    for (const length of message.lengths) {
      updates.push(message.bytes.subarray(pos, pos + length))
      pos += length
    }
    const { state, stateVector, title } = compactUpdates(updates)
    const transfer = /** @type {ArrayBuffer[]} */ ([state.buffer, stateVector.buffer])
    port.postMessage({ id: message.id, state, stateVector, title }, transfer)
  } catch (err) {
    port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
})
