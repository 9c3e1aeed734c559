// @ts-check
/**
 * The LevelDB worker (server/storage/level-worker.js), except that a `get` of EXIT_KEY ends the
 * thread at once, as a crash would: the database open, the request unanswered.
 */
import { parentPort } from 'node:worker_threads'
import '../../server/storage/level-worker.js'

/** The key whose read ends the worker (tests/contract/level-thread.test.ts names it too). */
const EXIT_KEY = 'test:exit-the-worker'

parentPort?.on('message', (/** @type {{ op: string, key?: string }} */ message) => {
  if (message.op === 'get' && message.key === EXIT_KEY) process.exit(3)
})
