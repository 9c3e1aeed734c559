// @ts-check
/**
 * Child process entry: answers `{ id, bytes, lengths }` IPC messages (a document's updates laid end
 * to end) with `{ id, state, stateVector, title, text }` or `{ id, error }`. Every thread of this process
 * runs at a lower priority, so compaction, including the garbage collection of its Y.Doc, takes
 * only the CPU the relay leaves over.
 */
import { readdirSync } from 'node:fs'
import { getPriority, setPriority } from 'node:os'
import { compactUpdates, unpack } from './compact.js'

/**
 * How far below the relay's priority every thread here runs (nice values add up to 19, the
 * lowest). Compaction is background work: when the cores are busy, relaying goes first and
 * compaction uses what is left (writers wait if it falls far behind, room.ts). Documents edited
 * at the same pace reach their threshold together; in a worker thread the burst took half the
 * relay's core even at nice 10, because V8's garbage-collection helper threads are shared by the
 * whole process and run at normal priority (npm run bench, ramp).
 */
const NICE_OFFSET = 10

/**
 * Lowers the priority of every thread of this process. On Linux the nice value is per thread and
 * V8's helper threads exist before any script runs, so each is set by its thread id; threads
 * started later inherit it from the main thread. Elsewhere only the process priority is set.
 */
function lowerPriority() {
  let tids = [0]
  try {
    tids = readdirSync('/proc/self/task').map(Number)
  } catch {
    // no /proc: the process priority is all there is
  }
  for (const tid of tids) {
    try {
      // a new process starts at its parent's priority: the relay's
      setPriority(tid, Math.min(19, getPriority(tid) + NICE_OFFSET))
    } catch {
      // not permitted or not supported here: that thread keeps its priority
    }
  }
}

if (!process.send) throw new Error('compact-process.js must run as a child process with an IPC channel')
const send = process.send.bind(process)
lowerPriority()

process.on('message', (/** @type {{ id: number, bytes: Uint8Array, lengths: Uint32Array }} */ message) => {
  try {
    // the updates come laid end to end in one buffer (PackedUpdates.pack)
    const { state, stateVector, title, text } = compactUpdates(unpack(message))
    send({ id: message.id, state, stateVector, title, text })
  } catch (err) {
    send({ id: message.id, error: err instanceof Error ? err.message : String(err) })
  }
})
// the relay went away (or closed the channel): nothing left to do
process.on('disconnect', () => process.exit(0))
// Ctrl-C reaches the whole process group; the relay decides when this child stops (it finishes
// or abandons the job in hand on its own shutdown), so the signal alone does not end it
process.on('SIGINT', () => {})
