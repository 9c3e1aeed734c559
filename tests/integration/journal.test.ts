/**
 * The write-ahead journal in front of LevelDB: updates are relayed and acknowledged once
 * journaled, reach the store in batches shortly after, survive a store that is slow or failing
 * (relaying goes on, /healthz says so), and a restart moves what the journal still holds into the
 * store before serving, however many updates a turn held, in batches that a store failing halfway
 * through cannot make lose anything.
 */
import { existsSync, mkdirSync, rmdirSync, rmSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { SaveTracker } from '../../client/collab/saved.js'
import { DOC_RECORD, type DocMeta } from '../../server/docs/meta.js'
import { recoverJournal } from '../../server/docs/recovery.js'
import { silentLogger } from '../../server/log.js'
import { JOURNAL_RECORD } from '../../server/storage/group-commit.js'
import { Journal } from '../../server/storage/journal.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import { faulty } from '../helpers/faulty-storage.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { storedText } from '../helpers/ydoc.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function journaled() {
  const dir = tempDir()
  cleanups.push(dir.cleanup)
  const storage = faulty(await openLevelStorage(join(dir.dir, 'db')))
  const journal = Journal.open(join(dir.dir, 'journal'))
  const server = await startServer({}, { storage, journal })
  cleanups.push(() => server.close())
  return { server, storage, journal }
}

/** A writer whose saves are tracked and a reader of `docId`, both synced. */
async function writerAndReader(wsUrl: string, docId: string) {
  const writer = connect(wsUrl, docId)
  const reader = connect(wsUrl, docId)
  cleanups.push(() => writer.destroy(), () => reader.destroy())
  const tracker = new SaveTracker(writer.provider)
  await Promise.all([writer.synced(), reader.synced()])
  return { writer, reader, tracker }
}

describe('write-ahead journal', () => {
  it('relays and acknowledges once journaled; the store gets it in a batch shortly after', async () => {
    const { server, storage } = await journaled()
    const { writer, reader, tracker } = await writerAndReader(server.wsUrl, 'wal')

    storage.hold()
    const text = writer.doc.getText('body')
    for (let i = 0; i < 20; i++) text.insert(text.length, `${i} `)
    const expected = text.toString()
    await waitFor('the reader to have every edit', () => reader.doc.getText('body').toString() === expected)
    await waitFor('saved', () => tracker.state === 'saved')
    expect(await storedText(storage, 'wal')).toBe('')
    storage.release()
    await waitFor('the store to catch up', async () => (await storedText(storage, 'wal')) === expected)
    // twenty edits in quick succession reached the store in few entries
    expect((await storage.load('wal')).log.length).toBeLessThan(20)
  })

  it('updates of every size are relayed, acknowledged and stored, each the first of its store write', async () => {
    const { server, storage } = await journaled()
    const { writer, reader, tracker } = await writerAndReader(server.wsUrl, 'sizes')
    const sizes: number[] = []
    writer.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== writer.provider) sizes.push(update.length)
    })
    const text = writer.doc.getText('body')
    // a keystroke, paragraphs around 1 and 2 KiB (where a store write's first buffer and the size
    // kept as a buffer of its own meet), pages around 16 and 64 KiB (frame sizes), a long paste
    for (const chars of [1, 600, 1100, 1500, 2000, 3000, 16_500, 70_000, 300_000]) {
      text.insert(text.length, 'abcdefghij'.repeat(Math.ceil(chars / 10)).slice(0, chars))
      const expected = text.toString()
      await waitFor(`the reader to have the ${chars}-character paste`, () => reader.doc.getText('body').toString() === expected)
      await waitFor('saved', () => tracker.state === 'saved')
      // in the store before the next one, so each starts a store write of its own
      await waitFor(`the ${chars}-character paste in the store`, async () => (await storedText(storage, 'sizes')) === expected)
    }
    expect(sizes.some((n) => n > 1024 && n < 2048), `update sizes ${sizes.join(', ')}`).toBe(true)
  })

  it('a failing store does not stop anyone: relaying goes on, /healthz says so, writes are retried', async () => {
    const { server, storage } = await journaled()
    const writer = connect(server.wsUrl, 'flaky-store')
    const reader = connect(server.wsUrl, 'flaky-store')
    cleanups.push(() => writer.destroy(), () => reader.destroy())
    await Promise.all([writer.synced(), reader.synced()])
    storage.failNext(3)
    writer.doc.getText('body').insert(0, 'kept in the journal')
    await waitFor('relayed', () => reader.doc.getText('body').toString() === 'kept in the journal')
    await waitFor('a failed store write', () => storage.appendCalls >= 2)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503)
    // edits journaled while the store fails join the failed write, after it
    writer.doc.getText('body').insert(19, ', and more')
    await waitFor('relayed while failing', () => reader.doc.getText('body').toString() === 'kept in the journal, and more')
    await waitFor('stored after retries', async () => (await storedText(storage, 'flaky-store')) === 'kept in the journal, and more', 15_000)
    // entries of the failed write and of the turns after it are stored in order, each seq once
    const seqs = (await storage.load('flaky-store')).log.map((e) => e.seq)
    expect(seqs.every((seq, i) => i === 0 || seq > seqs[i - 1]!), `seqs ${seqs.join(', ')}`).toBe(true)
    await waitFor('healthy again', async () => (await fetch(`${server.url}/healthz`)).status === 200)
  })

  it.runIf(existsSync('/dev/full'))('/healthz answers 503 while the journal cannot be written, however the store is doing', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const storage = faulty(await openLevelStorage(join(dir.dir, 'db')))
    const journalDir = join(dir.dir, 'journal')
    // the first entry fills segment 1; segment 2 is a full disk (ENOSPC), and segment 3, where
    // the retries must go after torn bytes, cannot be opened: the journal fails until it can
    const journal = Journal.open(journalDir, { segmentBytes: 1 })
    symlinkSync('/dev/full', join(journalDir, '00000002.wal'))
    mkdirSync(join(journalDir, '00000003.wal'))
    const server = await startServer({}, { storage, journal })
    cleanups.push(() => server.close())
    // (a stop waits for every write: the journal must be writable by then, whatever failed)
    cleanups.push(() => rmSync(join(journalDir, '00000003.wal'), { recursive: true, force: true }))
    const { writer, reader } = await writerAndReader(server.wsUrl, 'full-disk')
    const text = writer.doc.getText('body')
    const failures = async () => (await server.metrics.persistFailures.get()).values[0]?.value ?? 0

    // an entry journaled before the disk filled reaches the store only once let go
    storage.hold()
    const calls = storage.appendCalls
    text.insert(0, 'a')
    await waitFor('the first edit relayed', () => reader.doc.getText('body').toString() === 'a')
    text.insert(1, 'b')
    await waitFor('the store write of the first edit', () => storage.appendCalls > calls)
    // five failed appends: the next retry is over a second away
    await waitFor('journal appends failing', async () => (await failures()) >= 5)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(503)

    // the store write succeeds while the journal still cannot take the second edit
    storage.release()
    await waitFor('the first edit in the store', async () => (await storedText(storage, 'full-disk')) === 'a')
    const health = await fetch(`${server.url}/healthz`)
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ status: 'unavailable', storage: { writable: true }, journal: { writable: false } })
    expect(reader.doc.getText('body').toString()).toBe('a')

    // once the journal can be written again, the edit goes through and the server is healthy
    rmdirSync(join(journalDir, '00000003.wal'))
    await waitFor('the second edit relayed', () => reader.doc.getText('body').toString() === 'ab', 15_000)
    const healthy = await fetch(`${server.url}/healthz`)
    expect(healthy.status).toBe(200)
    expect(await healthy.json()).toEqual({ status: 'ok', storage: { writable: true }, journal: { writable: true } })
  })

  it('start-up recovery moves what the journal holds into the store once, with the documents\u2019 cards', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const updates = (text: string) => {
      const doc = new Y.Doc()
      doc.getText('body').insert(0, text)
      return [Y.encodeStateAsUpdate(doc)]
    }
    // a run that journaled and then died before moving anything to the store
    const crashed = Journal.open(dir.dir)
    crashed.append([{ docId: 'one', seq: 1, time: 1000, updates: updates('first') }])
    crashed.append([{ docId: 'two', seq: 1, time: 2000, updates: updates('second') }, { docId: 'one', seq: 2, time: 3000, updates: updates('more ') }])
    const storage = createMemoryStorage()
    const next = Journal.open(dir.dir)
    expect(await recoverJournal(next, storage, silentLogger())).toBe(3)
    expect(await storedText(storage, 'one')).toMatch(/^(more first|firstmore )$/)
    expect(await storedText(storage, 'two')).toBe('second')
    expect((await storage.getRecord<DocMeta>(DOC_RECORD, 'one'))?.updatedAt).toBe(3000)
    expect(await storage.getRecord(JOURNAL_RECORD.kind, JOURNAL_RECORD.id)).toEqual(next.position)
    // a second start finds nothing left to move
    const again = Journal.open(dir.dir)
    expect(await recoverJournal(again, storage, silentLogger())).toBe(0)
    expect((await storage.load('one')).log.length).toBe(1)
  })

  it('start-up recovery takes a turn of 200,000 updates to one document', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    // many sockets writing to one document in one turn: nothing bounds how many updates an entry holds
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'kept')
    const empty = Uint8Array.of(0, 0)
    const crashed = Journal.open(dir.dir)
    crashed.append([{ docId: 'many', seq: 1, time: 1, updates: [Y.encodeStateAsUpdate(doc)] }])
    crashed.append([{ docId: 'many', seq: 2, time: 2, updates: Array.from({ length: 200_000 }, () => empty) }])
    const storage = createMemoryStorage()
    expect(await recoverJournal(Journal.open(dir.dir), storage, silentLogger())).toBe(2)
    const stored = await storage.load('many')
    expect(stored.log.flatMap((e) => e.updates).length).toBe(200_001)
    expect(await storedText(storage, 'many')).toBe('kept')
  })

  it('start-up recovery goes in bounded batches: a store failing halfway loses nothing, and a file goes only once what it holds is stored', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    // a run that journaled 60 edits of three documents in small segments, then died
    const crashed = Journal.open(dir.dir, { segmentBytes: 400 })
    const docs = ['x', 'y', 'z'].map((id) => ({ id, doc: new Y.Doc(), seq: 0, text: '' }))
    for (let n = 0; n < 60; n++) {
      const d = docs[n % 3]!
      const before = Y.encodeStateVector(d.doc)
      d.doc.getText('body').insert(d.text.length, `${n} `)
      d.text += `${n} `
      crashed.append([{ docId: d.id, seq: ++d.seq, time: 1000 + n, updates: [Y.encodeStateAsUpdate(d.doc, before)] }])
    }
    const segments = crashed.segments
    expect(segments).toBeGreaterThan(5)
    // the store takes twelve batches (more than a file holds), then fails
    const storage = createMemoryStorage()
    let appends = 0
    const failing = Object.assign(Object.create(storage) as typeof storage, {
      append: (a: Parameters<typeof storage.append>[0], r: Parameters<typeof storage.append>[1]) => (++appends > 12 ? Promise.reject(new Error('store down')) : storage.append(a, r)),
    })
    await expect(recoverJournal(Journal.open(dir.dir), failing, silentLogger(), { chunkBytes: 64, batchBytes: 1 })).rejects.toThrow('store down')
    // some batches are stored, and files went with them; whatever is not stored is still in a file
    const stored = await Promise.all(docs.map((d) => storedText(storage, d.id)))
    expect(stored.some((t) => t.length > 0)).toBe(true)
    const left = Journal.open(dir.dir).recover(null).entries.map((e) => `${e.entry.docId}:${e.entry.seq}`)
    expect(left.length).toBeLessThan(60)
    for (const d of docs) {
      const inStore = (await storage.load(d.id)).log.at(-1)?.seq ?? 0
      for (let seq = inStore + 1; seq <= d.seq; seq++) expect(left, `${d.id}:${seq}`).toContain(`${d.id}:${seq}`)
    }
    // the next start moves the rest: every edit once, in order
    await recoverJournal(Journal.open(dir.dir), storage, silentLogger(), { chunkBytes: 64, batchBytes: 1 })
    for (const d of docs) {
      expect(await storedText(storage, d.id)).toBe(d.text)
      const seqs = (await storage.load(d.id)).log.map((e) => e.seq)
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
      expect(new Set(seqs).size).toBe(seqs.length)
      expect(seqs.at(-1)).toBe(d.seq)
    }
    expect(Journal.open(dir.dir).recover(null).entries).toEqual([])
  })
})
