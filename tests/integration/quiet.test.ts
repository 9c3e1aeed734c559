/**
 * Reading costs no writes: opening a document, listing, reading, exporting and closing it without
 * edits writes nothing to the store and compacts nothing, across visits and a restart, once its log
 * is folded; a document edited and left (or whose log a previous run left unfolded) is compacted
 * once on its way out, and history gets a version for real changes only.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { TITLE } from '../../shared/doc-fields.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

type Server = Awaited<ReturnType<typeof startServer>>

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** Quick upkeep and idle compaction, so that a tick that would compact does so within a visit. */
const TUNING = { compactIdleMs: 1000, maintenanceMs: 20, metaIntervalMs: 50 }

/** A server on the LevelDB directory `dir`, on a clock the test moves. */
async function serverOn(dir: string, clock: { now: number }): Promise<Server> {
  const server = await startServer({ dataDir: dir }, { now: () => clock.now }, TUNING)
  cleanups.push(() => server.close())
  return server
}

/** What the server has written so far, by its own counters: compactions and batch writes (journal and store). */
async function writes(server: Server): Promise<{ compactions: number; batches: number }> {
  const compactions = (await server.metrics.compactions.get()).values.reduce((n, v) => n + v.value, 0)
  const batches = (await server.metrics.persistBatch.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0
  return { compactions, batches }
}

/** What the store holds of a document: its history points and its card. */
async function stored(server: Server, docId: string) {
  return { history: await server.storage.history(docId), card: await server.storage.getRecord('doc', docId) }
}

/** Waits until `docId` has left memory, its last compaction and writes done. */
async function unloaded(server: Server, docId: string): Promise<void> {
  await waitFor(`${docId} to leave memory`, () => server.registry.roomsOf(docId).length === 0)
}

/** Everything a reader does with a document: list, get, export, versions over the API. */
async function read(server: Server, docId: string): Promise<void> {
  for (const path of ['', `/${docId}`, `/${docId}/export?format=markdown`, `/${docId}/versions`]) {
    const res = await fetch(`${server.url}/api/docs${path}`)
    expect(`${path} ${res.status}`).toBe(`${path} 200`)
    await res.arrayBuffer()
  }
}

/**
 * Opens `docId` with a stock client that edits nothing, reads it over the API meanwhile, lets a
 * maintenance tick run well past the idle time, and closes it; then reads it again once unloaded.
 */
async function visit(server: Server, docId: string, clock: { now: number }, cached?: Y.Doc, offlineCopy = false): Promise<string> {
  const reader = connect(server.wsUrl, docId, cached && !offlineCopy ? cached : new Y.Doc())
  cleanups.push(() => reader.destroy())
  if (offlineCopy) {
    // as the editor's IndexedDB copy does when it loads after the socket opened: it goes out whole
    reader.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') Y.applyUpdate(reader.doc, Y.encodeStateAsUpdate(cached!), 'offline copy')
    })
  }
  await reader.synced()
  const room = server.registry.get(docId)!
  await room.ready
  await read(server, docId)
  clock.now += 10 * TUNING.compactIdleMs
  room.tick(clock.now)
  await read(server, docId)
  // leaving happens later on the clock: a checkpoint's time tells whether it was made while open
  clock.now += 60_000
  const text = reader.doc.getText('body').toString()
  // a client that comes back (the editor's offline copy) keeps its document
  if (cached && !offlineCopy) reader.provider.destroy()
  else reader.destroy()
  await unloaded(server, docId)
  await read(server, docId)
  await unloaded(server, docId)
  return text
}

/** A server on a fresh LevelDB directory, and that directory. */
async function freshServer(clock: { now: number }): Promise<{ server: Server; dir: string }> {
  const data = tempDir()
  cleanups.push(data.cleanup)
  return { server: await serverOn(data.dir, clock), dir: data.dir }
}

/** Types into `docId` (with deletions, as typing has), changing the title too when `title` is given, and leaves. */
async function editAndLeave(server: Server, docId: string, title?: string): Promise<void> {
  const writer = connect(server.wsUrl, docId)
  await writer.synced()
  const body = writer.doc.getText('body')
  body.insert(0, 'hello there world')
  body.delete(5, 6)
  if (title !== undefined) writer.doc.getText(TITLE).insert(writer.doc.getText(TITLE).length, title)
  const expected = writer.doc.getText(TITLE).toString()
  // relayed to a second client means durable
  const watcher = connect(server.wsUrl, docId)
  await watcher.synced()
  await waitFor('the watcher to have the edits', () => watcher.doc.getText(TITLE).toString() === expected && watcher.doc.getText('body').toString() === 'hello world')
  watcher.destroy()
  writer.destroy()
  await unloaded(server, docId)
}

describe('reading writes nothing', () => {
  it('a document whose log holds entries (created over the API) is not compacted while open; it is folded once when left', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) }
    const { server } = await freshServer(clock)
    const { id } = await server.catalog.create('Imported')
    expect(await visit(server, id, clock)).toBe('')
    // one version, made when the reader left (not when the idle time had passed while it read)
    expect(await server.catalog.versions(id)).toEqual([{ seq: 1, time: clock.now }])
    expect((await writes(server)).compactions).toBe(1)
    const before = await writes(server)
    const kept = await stored(server, id)
    for (let i = 0; i < 2; i++) expect(await visit(server, id, clock)).toBe('')
    expect(await writes(server)).toEqual(before)
    expect(await stored(server, id)).toEqual(kept)
  })

  it('a document edited and left is compacted once, and not again when opened and listed, after a restart too', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) }
    let { server, dir } = await freshServer(clock)
    const { id } = await server.catalog.create('Notes')
    // the body changes, the title does not: the compaction on the way out reads the same title
    await editAndLeave(server, id)
    expect((await writes(server)).compactions).toBe(1)
    expect(await server.catalog.versions(id)).toHaveLength(1)
    const before = await writes(server)
    const kept = await stored(server, id)
    for (let i = 0; i < 3; i++) expect(await visit(server, id, clock)).toBe('hello world')
    expect(await writes(server)).toEqual(before)
    expect(await stored(server, id)).toEqual(kept)

    // stopped while someone reads it: it unloads on the way out, writing nothing
    const reader = connect(server.wsUrl, id)
    cleanups.push(() => reader.destroy())
    await reader.synced()
    await server.close()
    reader.destroy()
    expect(await writes(server)).toEqual(before)
    server = await serverOn(dir, clock)
    for (let i = 0; i < 2; i++) expect(await visit(server, id, clock)).toBe('hello world')
    expect(await writes(server)).toEqual({ compactions: 0, batches: 0 })
    expect(await stored(server, id)).toEqual(kept)
    expect((await server.catalog.list()).find((d) => d.id === id)?.title).toBe('Notes')
  })

  it('a client that comes back with the document it holds writes nothing, though it sends it, or every deletion, again', async () => {
    const clock = { now: Date.UTC(2026, 0, 1) }
    let { server, dir } = await freshServer(clock)
    const { id } = await server.catalog.create('Notes')
    await editAndLeave(server, id, ' more')
    expect((await server.catalog.list()).find((d) => d.id === id)?.title).toBe('Notes more')
    const before = await writes(server)
    const kept = await stored(server, id)
    // its sync step 2 holds no new structs, but the whole delete set (Yjs always sends all of it)
    const cached = new Y.Doc()
    cleanups.push(() => cached.destroy())
    for (let i = 0; i < 3; i++) expect(await visit(server, id, clock, cached)).toBe('hello world')
    // one whose offline copy loads once its socket is open sends the whole document as an update
    for (let i = 0; i < 2; i++) expect(await visit(server, id, clock, cached, true)).toBe('hello world')
    expect(await writes(server)).toEqual(before)
    expect(await stored(server, id)).toEqual(kept)
    expect(await server.catalog.versions(id)).toHaveLength(1)

    await server.close()
    server = await serverOn(dir, clock)
    expect(await visit(server, id, clock, cached)).toBe('hello world')
    expect(await writes(server)).toEqual({ compactions: 0, batches: 0 })
    expect(await stored(server, id)).toEqual(kept)

    // a deletion made offline comes in the same kind of sync step 2, and is a change: it is kept
    cached.getText('body').delete(0, 6)
    const back = connect(server.wsUrl, id, cached)
    cleanups.push(() => back.provider.destroy())
    const watcher = connect(server.wsUrl, id)
    cleanups.push(() => watcher.destroy())
    await waitFor('the offline deletion to reach the others', () => watcher.doc.getText('body').toString() === 'world')
    back.provider.destroy()
    watcher.destroy()
    await unloaded(server, id)
    expect((await writes(server)).compactions).toBe(1)
    expect(await visit(server, id, clock)).toBe('world')
  })
})
