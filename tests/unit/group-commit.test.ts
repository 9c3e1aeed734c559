/**
 * server/storage/group-commit.ts with a real journal in a temp dir and the memory store: a turn's
 * entries are durable once journaled; typing traffic waits for the store delay and reaches the
 * store as one entry per document; a large backlog goes to the store right after its turn; a
 * document whose part of a batch throws breaks alone.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../../server/log.js'
import { idleMetrics } from '../helpers/metrics.js'
import { GroupCommit, type Committable } from '../../server/storage/group-commit.js'
import { Journal } from '../../server/storage/journal.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import type { LogEntry } from '../../server/storage/storage.js'
import { tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A document that writes what it is given, one log entry per turn, and counts what it hears. */
class Writer implements Committable {
  private waiting: Uint8Array[] = []
  private seq = 0
  committedTurns = 0
  storedEntries = 0
  constructor(readonly docId: string) {}
  write(commit: GroupCommit, update: Uint8Array): void {
    this.waiting.push(update)
    commit.enqueue(this, update.length)
  }
  take(now: number): { entry: LogEntry | null; records: [] } | null {
    if (this.waiting.length === 0) return null
    const entry = { seq: ++this.seq, time: now, updates: this.waiting }
    this.waiting = []
    return { entry, records: [] }
  }
  /** Set to make committed() throw, as a bug in a room would. */
  failCommit = false
  brokenBy: Error[] = []
  committed(): void {
    if (this.failCommit) throw new Error(`${this.docId} failed`)
    this.committedTurns++
  }
  stored(entries: number): void {
    this.storedEntries += entries
  }
  broken(err: Error): void {
    this.brokenBy.push(err)
  }
}

function setup(storeDelayMs: number) {
  const dir = tempDir()
  cleanups.push(dir.cleanup)
  const journal = Journal.open(join(dir.dir, 'journal'))
  cleanups.push(() => journal.close(false))
  const storage = createMemoryStorage()
  const metrics = idleMetrics()
  const commit = new GroupCommit({ storage, journal, log: silentLogger(), metrics, storeDelayMs })
  return { commit, storage, metrics }
}

const bytes = (n: number, fill: number) => new Uint8Array(n).fill(fill)

describe('group commit with a journal', () => {
  it('typing turns are durable at once and reach the store after the delay, as one entry', async () => {
    // a delay with room for three journaled turns even on a loaded CI machine
    const { commit, storage } = setup(1000)
    const doc = new Writer('typing')
    for (let turn = 0; turn < 3; turn++) {
      doc.write(commit, bytes(10, turn + 1))
      await waitFor(`turn ${turn} journaled`, () => doc.committedTurns === turn + 1)
    }
    expect(doc.storedEntries).toBe(0)
    expect((await storage.load('typing')).log).toEqual([])
    await waitFor('the store write', () => doc.storedEntries === 3)
    const { log } = await storage.load('typing')
    expect(log.map((e) => e.updates.map((u) => u[0]))).toEqual([[1, 2, 3]])
    expect(commit.backlogBytes).toBe(0)
  })

  it('a backlog over 256 KiB goes to the store right after its turn, not after the delay', async () => {
    // a delay longer than waitFor's timeout: only the at-once path can pass
    const { commit, storage } = setup(60_000)
    const small = new Writer('small')
    const large = new Writer('large')
    small.write(commit, bytes(100, 7))
    await waitFor('the small write journaled', () => small.committedTurns === 1)
    large.write(commit, bytes(300 * 1024, 9))
    await waitFor('both in the store', () => large.storedEntries === 1 && small.storedEntries === 1, 5_000)
    expect((await storage.load('large')).log[0]!.updates[0]!.length).toBe(300 * 1024)
    expect((await storage.load('small')).log[0]!.updates[0]![0]).toBe(7)
    await commit.drain()
  })

  it('a document whose commit throws breaks alone: the others of its batch are committed and stored', async () => {
    const { commit, storage, metrics } = setup(20)
    const bad = new Writer('bad')
    const good = new Writer('good')
    bad.failCommit = true
    bad.write(commit, bytes(10, 1))
    good.write(commit, bytes(10, 2))
    await waitFor('the good one committed', () => good.committedTurns === 1)
    expect(bad.brokenBy.map((e) => e.message)).toEqual(['bad failed'])
    await waitFor('the good one stored', () => good.storedEntries === 1)
    expect((await storage.load('good')).log.length).toBe(1)
    // and the commit goes on for later turns
    good.write(commit, bytes(10, 3))
    await waitFor('the next turn committed', () => good.committedTurns === 2)
    expect(await metrics.registry.getSingleMetricAsString('tandem_errors_total')).toMatch(/kind="internal"\} 1/)
  })
})
