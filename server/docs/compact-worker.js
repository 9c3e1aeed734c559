// @ts-check
/**
 * Worker thread entry: answers `{ id, updates }` messages with `{ id, state, stateVector, title }` or
 * `{ id, error }`, so compaction never blocks the relay's event loop.
 */
import { parentPort } from 'node:worker_threads'
import { compactUpdates } from './compact.js'

if (!parentPort) throw new Error('compact-worker.js must run as a worker thread')
const port = parentPort

port.on('message', (/** @type {{ id: number, updates: Uint8Array[] }} */ message) => {
  try {
    const { state, stateVector, title } = compactUpdates(message.updates)
    const transfer = /** @type {ArrayBuffer[]} */ ([state.buffer, stateVector.buffer])
    port.postMessage({ id: message.id, state, stateVector, title }, transfer)
  } catch (err) {
    port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
})
