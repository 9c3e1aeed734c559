/**
 * Document lifecycle in the registry: one load however many clients arrive together, a first
 * sync step 2 that already holds everything stored, unload once the last peer left and the writes
 * landed (also when it left while the document loaded), a document whose commit step fails
 * dropped from memory without harm to it or to others and reloaded with all it acknowledged, and
 * a heap that does not grow over thousands of open/close cycles.
 */
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as frame from '../../shared/frame.js'
import { createProcessCompactor } from '../../server/docs/compactor.js'
import { DOC_RECORD, type DocMeta } from '../../server/docs/meta.js'
import { Journal } from '../../server/storage/journal.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import type { Storage } from '../../server/storage/storage.js'
import { descendantsRunning, nodeThatHangs } from '../helpers/child.js'
import { faulty } from '../helpers/faulty-storage.js'
import { Person, upgradeStatus } from '../helpers/http-client.js'
import { rawClient } from '../helpers/raw-client.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { storedText } from '../helpers/ydoc.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Counts loads of a real store. */
function countingLoads(inner: Storage): Storage & { loads: number } {
  const counted = { ...inner, loads: 0 }
  counted.load = async (...args) => {
    counted.loads++
    return inner.load(...args)
  }
  return counted
}

describe('document lifecycle', () => {
  it('concurrent first connections share one load and each first sync step 2 holds everything', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let server = await startServer({ dataDir: data.dir })
    const writer = connect(server.wsUrl, 'shared-load')
    await writer.synced()
    const text = writer.doc.getText('body')
    for (let i = 0; i < 300; i++) text.insert(text.length, `${i} `)
    const expected = text.toString()
    const watcher = connect(server.wsUrl, 'shared-load')
    await watcher.synced()
    await waitFor('everything relayed', () => watcher.doc.getText('body').toString() === expected)
    writer.destroy()
    watcher.destroy()
    await server.close()

    const storage = countingLoads(await openLevelStorage(data.dir))
    server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    const clients = Array.from({ length: 20 }, () => connect(server.wsUrl, 'shared-load'))
    cleanups.push(() => clients.forEach((c) => c.destroy()))
    const atFirstSync = await Promise.all(
      clients.map(
        (c) =>
          new Promise<string>((resolve) =>
            c.provider.once('sync', () => resolve(c.doc.getText('body').toString())),
          ),
      ),
    )
    expect(storage.loads).toBe(1)
    for (const seen of atFirstSync) expect(seen).toBe(expected)
  })

  it('a document leaves memory once its last peer left and its writes are on disk', async () => {
    const storage = faulty((await import('../../server/storage/memory.js')).createMemoryStorage())
    const server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    const client = connect(server.wsUrl, 'unload-me')
    await client.synced()
    expect(server.registry.size).toBe(1)
    storage.hold()
    const calls = storage.appendCalls
    client.doc.getText('body').insert(0, 'pending write')
    await waitFor('the write to start', () => storage.appendCalls > calls)
    client.destroy()
    // the peer is gone but its write is not on disk: the document stays
    await waitFor('the server to see the peer leave', () => server.registry.get('unload-me')?.peers.size === 0)
    expect(server.registry.size).toBe(1)
    storage.release()
    await waitFor('the document to unload', () => server.registry.size === 0)
    expect(await storedText(storage, 'unload-me')).toBe('pending write')
  })

  it('a document whose peers all left while it loaded leaves memory once loaded; an edit awaiting the load lands first', async () => {
    const inner = (await import('../../server/storage/memory.js')).createMemoryStorage()
    let openGate: () => void = () => {}
    const gate = new Promise<void>((resolve) => (openGate = resolve))
    const storage: Storage = { ...inner, load: async (id) => (await gate, inner.load(id)) }
    const server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    for (const docId of ['left-loading', 'edited-loading']) {
      const client = connect(server.wsUrl, docId)
      await waitFor(`${docId} to be loading with its peer`, () => server.registry.get(docId)?.peers.size === 1)
      client.destroy()
      await waitFor(`the peer of ${docId} to leave`, () => server.registry.get(docId)?.peers.size === 0)
    }
    // a server-side change (the API's) opens the same room while it loads, and waits for it
    const edited = server.registry.edit('edited-loading', (doc) => doc.getText('body').insert(0, 'made while loading'))
    openGate()
    await edited
    await waitFor('both documents to leave memory', () => server.registry.size === 0)
    expect(await storedText(inner, 'edited-loading')).toBe('made while loading')
  })

  it('a document whose commit step throws closes its peers (1011) and leaves memory; they come back to it whole, others go on', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())
    const a = connect(server.wsUrl, 'breaks')
    const b = connect(server.wsUrl, 'breaks')
    const other = connect(server.wsUrl, 'bystander')
    const otherWatcher = connect(server.wsUrl, 'bystander')
    cleanups.push(() => a.destroy(), () => b.destroy(), () => other.destroy(), () => otherWatcher.destroy())
    await Promise.all([a, b, other, otherWatcher].map((c) => c.synced()))
    a.doc.getText('body').insert(0, 'before. ')
    await waitFor('b to have it', () => b.doc.getText('body').toString() === 'before. ')
    const closes: number[] = []
    b.provider.on('connection-close', (e: CloseEvent | null) => e && closes.push(e.code))
    // a bug in the room's part of the next commit (once), as a broken relay would be
    const room = server.registry.get('breaks')!
    const committed = room.committed.bind(room)
    room.committed = () => {
      room.committed = committed
      throw new Error('injected')
    }
    a.doc.getText('body').insert(8, 'during. ')
    other.doc.getText('body').insert(0, 'unaffected')
    await waitFor('b to see the room close', () => closes.includes(1011))
    await waitFor('the bystander to be relayed', () => otherWatcher.doc.getText('body').toString() === 'unaffected')
    // the stock clients reconnect to a fresh room and send what it lacks
    a.doc.getText('body').insert(16, 'after.')
    await waitFor('b to have everything', () => b.doc.getText('body').toString() === 'before. during. after.')
    expect(server.registry.get('breaks')).not.toBe(room)
    expect(await (await fetch(`${server.url}/metrics`)).text()).toMatch(/tandem_errors_total\{kind="internal"\} 1/)
  })

  it('a document reloaded after its room broke holds every change that room acknowledged, also after compaction', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const storage = faulty(await openLevelStorage(join(data.dir, 'db')))
    const server = await startServer({}, { storage, journal: Journal.open(join(data.dir, 'journal')) })
    cleanups.push(() => server.close())
    // a change journaled and acknowledged, whose author then left; the store write waits
    storage.hold()
    const author = await rawClient(server.wsUrl, 'reborn')
    const doc = new Y.Doc()
    doc.getText('body').insert(0, 'saved. ')
    author.send(frame.update(Y.encodeStateAsUpdate(doc)))
    author.send(frame.savedRequest(1))
    await author.waitFor('saved', (m) => m.kind === 'saved')
    author.close()
    await author.closed()
    // the room breaks in the commit of the next change (a bug there, injected once)
    const room = server.registry.get('reborn')!
    const committed = room.committed.bind(room)
    room.committed = () => {
      room.committed = committed
      throw new Error('injected')
    }
    const other = await rawClient(server.wsUrl, 'reborn')
    const d2 = new Y.Doc()
    d2.getText('aside').insert(0, 'x')
    other.send(frame.update(Y.encodeStateAsUpdate(d2)))
    expect(await other.closed()).toBe(1011)
    // someone opens the document again: a fresh room, loaded once the journaled change is stored
    const reader = connect(server.wsUrl, 'reborn')
    cleanups.push(() => reader.destroy())
    await waitFor('a fresh room', () => server.registry.get('reborn') !== undefined && server.registry.get('reborn') !== room)
    storage.release()
    await reader.synced()
    expect(reader.doc.getText('body').toString()).toBe('saved. ')
    // its own entries and their compaction leave the acknowledged change in the store
    for (const word of ['one ', 'two ']) {
      reader.doc.getText('body').insert(0, word)
      await waitFor('the store to hold it', async () => (await storedText(storage, 'reborn')).includes(word))
      await server.registry.get('reborn')!.compact()
    }
    expect(await storedText(storage, 'reborn')).toBe('two one saved. ')
  })

  it('a graceful stop right after an edit writes the card and compacts the document on its way out', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await startServer({ dataDir: data.dir })
    const client = connect(server.wsUrl, 'last-card')
    cleanups.push(() => client.destroy())
    await client.synced()
    const text = client.doc.getText('body')
    text.insert(0, 'first ')
    await waitFor('the first edit and its card in the store', async () => (await server.storage.getRecord(DOC_RECORD, 'last-card')) !== undefined)
    // the next card write waits for its interval (2 s) while someone edits
    const before = Date.now()
    text.insert(text.length, 'last')
    await waitFor('the last edit in the store', async () => (await storedText(server.storage, 'last-card')) === 'first last')
    await server.close()

    const storage = await openLevelStorage(data.dir)
    try {
      const card = (await storage.getRecord<DocMeta>(DOC_RECORD, 'last-card'))!
      expect(card.updatedAt).toBeGreaterThanOrEqual(before)
      expect((await storage.history('last-card')).map((p) => p.kind)).toEqual(['checkpoint'])
      expect(await storedText(storage, 'last-card')).toBe('first last')
    } finally {
      await storage.close()
    }
    expect(readdirSync(join(data.dir, 'journal'))).toEqual([])
  })

  it('a document renamed while its card waited for the interval still leaves memory with its last peer', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const client = connect(server.wsUrl, 'renamed')
    cleanups.push(() => client.destroy())
    await client.synced()
    client.doc.getText('body').insert(0, 'first ')
    await waitFor('the first card write', async () => (await server.storage.getRecord(DOC_RECORD, 'renamed')) !== undefined)
    // the next card write waits for its interval; the rename writes it at once
    client.doc.getText('body').insert(0, 'second ')
    await waitFor('the edit to be stored', async () => (await storedText(server.storage, 'renamed')) === 'second first ')
    await server.catalog.rename('renamed', 'Renamed')
    client.destroy()
    await waitFor('the document to leave memory', () => server.registry.size === 0)
  })

  it('a graceful stop while a large document loads waits for its load and its compaction before closing the store', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    // a document of 3000 log entries: its load and its fold take a while
    const writer = await openLevelStorage(data.dir)
    const doc = new Y.Doc()
    const text = doc.getText('body')
    const appends = []
    for (let seq = 1; seq <= 3000; seq++) {
      const sv = Y.encodeStateVector(doc)
      text.insert(text.length, `line ${seq} of a document that takes a while to load. `)
      appends.push({ docId: 'big', entry: { seq, time: seq, updates: [Y.encodeStateAsUpdate(doc, sv)] } })
    }
    await writer.append(appends)
    await writer.close()
    const errors: string[] = []
    const log = pino({ level: 'warn' }, { write: (line: string) => void errors.push(JSON.parse(line).msg) })
    // the load goes on once the stop has begun
    const inner = await openLevelStorage(data.dir)
    let openGate: () => void = () => {}
    const gate = new Promise<void>((resolve) => (openGate = resolve))
    const storage: Storage = { ...inner, load: async (id) => (await gate, inner.load(id)) }
    const server = await startServer({}, { storage, log })
    const client = connect(server.wsUrl, 'big')
    cleanups.push(() => client.destroy())
    await waitFor('the document to be loading with its peer', () => server.registry.get('big')?.peers.size === 1)
    const stopped = server.close()
    openGate()
    await stopped

    expect(errors).toEqual([])
    const reopened = await openLevelStorage(data.dir)
    try {
      expect((await reopened.history('big')).map((p) => p.kind)).toEqual(['checkpoint'])
      expect(await storedText(reopened, 'big')).toBe(text.toString())
    } finally {
      await reopened.close()
    }
  })

  it('a graceful stop gives up a compaction that takes too long: it ends, says so, and the document is whole after', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const lines: Array<{ level: number; msg: string; doc?: string }> = []
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
    // a compaction process that never answers (a document too big to fold in the time a stop has)
    const compactor = createProcessCompactor({ execPath: nodeThatHangs(data.dir, 'tandem-stop-fold') })
    const server = await startServer({ dataDir: data.dir }, { compactor, log }, { compactionAtStopMs: 300 })
    const client = connect(server.wsUrl, 'slow-fold')
    cleanups.push(() => client.destroy())
    await client.synced()
    client.doc.getText('body').insert(0, 'kept whatever the fold does')
    await waitFor('the edit in the store', async () => (await storedText(server.storage, 'slow-fold')) === 'kept whatever the fold does')
    // the stop folds the document on its way out; without a limit it would wait for the job's own
    // timeout (a minute and more)
    await server.close()

    expect(descendantsRunning(process.pid, 'tandem-stop-fold')).toEqual([])
    expect(lines.filter((l) => l.level >= 50)).toEqual([])
    expect(lines.some((l) => l.msg === 'compaction left for the next load: the server is stopping' && l.doc === 'slow-fold')).toBe(true)
    const reopened = await openLevelStorage(data.dir)
    try {
      expect((await reopened.history('slow-fold')).map((p) => p.kind)).toEqual(['entry'])
      expect(await storedText(reopened, 'slow-fold')).toBe('kept whatever the fold does')
    } finally {
      await reopened.close()
    }
  })

  it('a connection whose access check ends after a graceful stop began is refused, and opens no document', async () => {
    const storage = faulty(createMemoryStorage())
    const first = await startServer({ auth: 'accounts' }, { storage: { ...storage, close: async () => {} } })
    const alice = new Person(first.url, 'alice')
    await alice.signup('alice')
    const id: string = (await alice.request('POST', '/api/docs', { title: 'Plans' })).body.id
    await first.close()
    // after a restart the session is read from the store: the upgrade waits for that read
    const server = await startServer({ auth: 'accounts' }, { storage })
    cleanups.push(() => server.close())
    storage.holdReads('session')
    const status = upgradeStatus(`${server.wsUrl}/${id}`, { Cookie: alice.cookie })
    await waitFor('the access check to be under way', () => storage.heldReads === 1)
    const stopped = server.close()
    storage.releaseReads()
    expect(await status).toBe(503)
    await stopped
    expect(server.registry.size).toBe(0)
  })

  it('5000 open/close cycles leave the heap within 10 MB of where it started', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())
    const gc = (globalThis as { gc?: () => void }).gc
    expect(gc, 'run with --expose-gc').toBeTypeOf('function')

    const cycle = async (i: number) => {
      const docId = `cycle-${i % 500}`
      const c = await rawClient(server.wsUrl, docId)
      c.send(frame.syncStep1(Y.encodeStateVector(new Y.Doc())))
      await c.waitFor('sync step 2', (m) => m.kind === 'sync-step2')
      const doc = new Y.Doc()
      doc.getText('t').insert(0, `edit ${i}`)
      c.send(frame.update(Y.encodeStateAsUpdate(doc)))
      c.send(frame.savedRequest(1))
      await c.waitFor('saved', (m) => m.kind === 'saved')
      c.close()
      await c.closed()
    }
    // warm up caches, pools and JIT before the baseline
    const t0 = Date.now()
    for (let i = 0; i < 300; i++) await cycle(i)
    console.log(`300 warm-up cycles took ${Date.now() - t0} ms`)
    await waitFor('all documents unloaded', () => server.registry.size === 0)
    gc!()
    await new Promise((resolve) => setImmediate(resolve))
    gc!()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 5000; i++) await cycle(i)
    await waitFor('all documents unloaded', () => server.registry.size === 0)
    gc!()
    await new Promise((resolve) => setImmediate(resolve))
    gc!()
    const after = process.memoryUsage().heapUsed
    const grewMB = (after - before) / 1024 / 1024
    console.log(`heap before ${(before / 1048576).toFixed(1)} MB, after 5000 cycles ${(after / 1048576).toFixed(1)} MB (${grewMB.toFixed(2)} MB)`)
    expect(grewMB).toBeLessThan(10)
  }, 180_000)
})
