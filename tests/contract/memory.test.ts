/**
 * The storage contract (PROTOCOL.md ST1-ST8) against the in-memory backend.
 */
import { createMemoryStorage } from '../../server/storage/memory.js'
import { storageContract } from './storage-contract.js'

storageContract('memory', async () => {
  const storage = createMemoryStorage()
  return { storage, cleanup: () => storage.close() }
})
