/**
 * The document catalogue against a real server and stock clients: create, list by last edit,
 * titles read from the documents, rename reaching open editors, delete closing them (4410) and
 * removing the content, and a list that survives a restart.
 */
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import type { Storage } from '../../server/storage/storage.js'
import { TITLE } from '../../shared/doc-fields.js'
import { Close } from '../../shared/protocol.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { nextEvent, waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

/** A server on LevelDB in a temp dir, both cleaned up after the test. */
async function persistentServer() {
  const data = tempDir()
  cleanups.push(data.cleanup)
  const server = await startServer({ dataDir: data.dir })
  cleanups.push(() => server.close())
  return server
}

describe('document catalogue', () => {
  it('lists the title a client typed as soon as the change is saved, though the store lags behind the journal', async () => {
    const server = await persistentServer()
    const doc = await server.catalog.create('Before')
    const editor = connect(server.wsUrl, doc.id)
    cleanups.push(() => editor.destroy())
    await editor.synced()
    for (const next of ['After', 'After again']) {
      const title = editor.doc.getText(TITLE)
      title.delete(0, title.length)
      title.insert(0, next)
      // relayed to a second client means journaled; the list is asked right then, once
      const watcher = connect(server.wsUrl, doc.id)
      await watcher.synced()
      await waitFor('the watcher to have the title', () => watcher.doc.getText(TITLE).toString() === next)
      watcher.destroy()
      expect((await server.catalog.list()).find((d) => d.id === doc.id)?.title).toBe(next)
      expect((await server.catalog.get(doc.id))?.title).toBe(next)
    }
    // the last client leaves: the document leaves memory, and the list reads its stored card
    const title = editor.doc.getText(TITLE)
    title.delete(0, title.length)
    title.insert(0, 'Last words')
    const watcher = connect(server.wsUrl, doc.id)
    await watcher.synced()
    await waitFor('the watcher to have the title', () => watcher.doc.getText(TITLE).toString() === 'Last words')
    watcher.destroy()
    editor.destroy()
    const seen = new Set<string | undefined>()
    while (server.registry.get(doc.id) !== undefined) {
      seen.add((await server.catalog.list()).find((d) => d.id === doc.id)?.title)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    for (let i = 0; i < 20; i++) seen.add((await server.catalog.list()).find((d) => d.id === doc.id)?.title)
    expect([...seen]).toEqual(['Last words'])
  })

  it('creates, lists by last edit, renames into open editors, and keeps the list across a restart', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let server = await startServer({ dataDir: data.dir })
    const first = await server.catalog.create('  First\n doc ')
    expect(first.title).toBe('First doc')
    const second = await server.catalog.create('Second')
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(second.id).not.toBe(first.id)

    // the title lives in the document: a stock client sees it on its first sync
    const editor = connect(server.wsUrl, first.id)
    await editor.synced()
    expect(editor.doc.getText(TITLE).toString()).toBe('First doc')

    // editing the title in the document reaches the list
    const title = editor.doc.getText(TITLE)
    title.delete(0, title.length)
    title.insert(0, 'Renamed in the editor')
    await waitFor('the list to show the edited title', async () =>
      (await server.catalog.list()).some((d) => d.id === first.id && d.title === 'Renamed in the editor'),
    )
    // most recently edited first
    expect((await server.catalog.list()).map((d) => d.id)).toEqual([first.id, second.id])

    // a rename through the catalogue reaches the open editor
    await server.catalog.rename(second.id, 'Second, renamed')
    const other = connect(server.wsUrl, second.id)
    await other.synced()
    expect(other.doc.getText(TITLE).toString()).toBe('Second, renamed')
    await server.catalog.rename(second.id, 'Live rename')
    await waitFor('the open editor to see the rename', () => other.doc.getText(TITLE).toString() === 'Live rename')
    expect((await server.catalog.list('live')).map((d) => d.title)).toEqual(['Live rename'])
    expect(await server.catalog.list('nothing like this')).toEqual([])

    editor.destroy()
    other.destroy()
    await server.close()
    server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())
    const after = await server.catalog.list()
    expect(after.map((d) => [d.id, d.title])).toEqual([
      [second.id, 'Live rename'],
      [first.id, 'Renamed in the editor'],
    ])
  })

  it('deleting a document closes its editors with 4410, removes its content and retires the id', async () => {
    const server = await persistentServer()
    const doc = await server.catalog.create('Doomed')
    const keep = await server.catalog.create('Kept')
    const editor = connect(server.wsUrl, doc.id)
    cleanups.push(() => editor.destroy())
    await editor.synced()
    editor.doc.getText('body').insert(0, 'content')
    await waitFor('content stored', async () => (await server.storage.load(doc.id)).log.length > 0)

    const closed = nextEvent<[{ code: number; reason: string }]>(editor.provider, 'closed')
    expect(await server.catalog.delete(doc.id)).toBe(true)
    const [event] = await closed
    expect(event.code).toBe(Close.DocumentDeleted.code)
    expect(await server.catalog.get(doc.id)).toBeUndefined()
    expect((await server.catalog.list()).map((d) => d.id)).toEqual([keep.id])
    const stored = await server.storage.load(doc.id)
    expect(stored.checkpoint).toBeNull()
    expect(stored.log).toEqual([])
    expect(await server.catalog.delete(doc.id)).toBe(false)

    // a client coming back to the deleted id is refused for good
    const late = connect(server.wsUrl, doc.id)
    cleanups.push(() => late.destroy())
    const [refused] = await nextEvent<[{ code: number }]>(late.provider, 'closed')
    expect(refused.code).toBe(Close.DocumentDeleted.code)
    expect((await server.storage.load(doc.id)).log).toEqual([])
  })

  it('deletes a document whose new title the list has not read yet', async () => {
    const server = await persistentServer()
    const doc = await server.catalog.create('Doomed')
    const editor = connect(server.wsUrl, doc.id)
    cleanups.push(() => editor.destroy())
    await editor.synced()
    // typed but not yet read into the card: the delete reads it first, and the card is dirty
    editor.doc.getText(TITLE).insert(0, 'Really ')
    await waitFor('the title stored', async () => (await server.storage.load(doc.id)).log.length > 0)
    const closed = nextEvent<[{ code: number }]>(editor.provider, 'closed')
    const deleted = server.catalog.delete(doc.id)
    const timeout = new Promise((resolve) => setTimeout(() => resolve('still waiting'), 5000).unref())
    expect(await Promise.race([deleted, timeout])).toBe(true)
    expect((await closed)[0].code).toBe(Close.DocumentDeleted.code)
    expect(await server.catalog.get(doc.id)).toBeUndefined()
    expect((await server.storage.load(doc.id)).log).toEqual([])
  })

  it('reads the title again after a restart when the compaction that read it failed after writing its checkpoint', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const path = join(data.dir, 'db')
    const inner = await openLevelStorage(path)
    // every compaction writes its checkpoint and then fails (a crash or a shutdown right there)
    let failures = 0
    const storage: Storage = {
      ...inner,
      async compact(docId, compaction) {
        failures++
        await inner.compact(docId, { checkpoint: compaction.checkpoint, dropLogUpTo: 0, dropCheckpoints: [] })
        throw new Error('injected failure after the checkpoint was written')
      },
    }
    // no compaction but the one on the way out of memory
    const quiet = { compactMinBytes: 1 << 30, compactIdleMs: 1 << 30 }
    const first = await startServer({}, { storage }, quiet)
    cleanups.push(() => first.close())
    const doc = await first.catalog.create('Before')
    const editor = connect(first.wsUrl, doc.id)
    await editor.synced()
    editor.doc.getText(TITLE).insert(0, 'After: ')
    const watcher = connect(first.wsUrl, doc.id)
    await watcher.synced()
    await waitFor('the watcher to have the title', () => watcher.doc.getText(TITLE).toString() === 'After: Before')
    watcher.destroy()
    editor.destroy()
    await waitFor('the document to leave memory, its compaction failed', () => failures > 0 && first.registry.get(doc.id) === undefined)
    await first.close()
    expect(failures).toBeGreaterThan(0)

    // the store holds a checkpoint of everything, and a card whose title predates it
    const second = await startServer({}, { storage: await openLevelStorage(path) }, quiet)
    cleanups.push(() => second.close())
    const reader = connect(second.wsUrl, doc.id)
    cleanups.push(() => reader.destroy())
    await reader.synced()
    expect(reader.doc.getText(TITLE).toString()).toBe('After: Before')
    expect((await second.catalog.list()).find((d) => d.id === doc.id)?.title).toBe('After: Before')
    expect((await second.catalog.get(doc.id))?.title).toBe('After: Before')
  })
})
