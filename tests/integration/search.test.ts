/**
 * Searching the document list by text (server/docs/search.ts) against a real server: a document
 * is found by words of its body, with a snippet, as soon as they are written; a document deleted
 * is not; an imported document and documents stored before search existed are found once read
 * in the background; nobody finds, or reads a snippet of, a document they may not open.
 */
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { CONTENT } from '../../shared/doc-fields.js'
import { schema } from '../../shared/schema.js'
import { TEXT_RECORD } from '../../server/docs/search.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import type { Storage } from '../../server/storage/storage.js'
import { Person } from '../helpers/http-client.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

type Found = Array<{ id: string; title: string; snippet?: string }>

/** GET /api/docs?q=: the documents found, as the API gives them. */
async function search(base: string, q: string, person = new Person(base)): Promise<Found> {
  const res = await person.request('GET', `/api/docs?q=${encodeURIComponent(q)}`)
  expect(res.status).toBe(200)
  return res.body.docs
}

/** A body of paragraphs (and a bullet list), as the editor writes it. */
function body(...paragraphs: string[]) {
  return {
    type: 'doc',
    content: [
      ...paragraphs.map((text) => ({ type: 'paragraph', content: [{ type: 'text', text }] })),
      { type: 'bullet_list', content: [{ type: 'list_item', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'a point in a list' }] }] }] },
    ],
  }
}

/** Connects a stock client to `docId` and writes `paragraphs` as its body. */
async function write(wsUrl: string, docId: string, ...paragraphs: string[]) {
  const client = connect(wsUrl, docId)
  cleanups.push(() => client.destroy())
  await client.synced()
  prosemirrorJSONToYXmlFragment(schema, body(...paragraphs), client.doc.getXmlFragment(CONTENT))
  return client
}

const long = `${'Lorem ipsum dolor sit amet. '.repeat(10)}The quarterly budget is approved. ${'Consectetur adipiscing elit. '.repeat(10)}`

describe('search by text', () => {
  it('finds a document by words of its body, as soon as they are written, with the words around them', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const plan = await server.catalog.create('Plan')
    const other = await server.catalog.create('Other')
    const client = await write(server.wsUrl, plan.id, long)
    await write(server.wsUrl, other.id, 'Nothing to see here.')

    // still open and not compacted: the search reads it up to date first
    let found = await search(server.url, 'QUARTERLY budget')
    expect(found.map((d) => d.id)).toEqual([plan.id])
    expect(found[0]!.snippet).toBe('…Lorem ipsum dolor sit amet. Lorem ipsum dolor sit amet. The quarterly budget is approved. Consectetur adipiscing elit. Consectetur adipiscing…')
    // blocks are words apart; a list item is searched too
    expect((await search(server.url, 'elit. a point')).map((d) => d.id)).toEqual([plan.id])
    expect((await search(server.url, 'a point in a list')).map((d) => d.id).sort()).toEqual([plan.id, other.id].sort())

    // a title match comes without a snippet; no match, no document
    found = await search(server.url, 'plan')
    expect(found).toEqual([expect.objectContaining({ id: plan.id, title: 'Plan' })])
    expect(found[0]!.snippet).toBeUndefined()
    expect(await search(server.url, 'no such words')).toEqual([])

    // new words are found at once, words removed are not
    const paragraph = client.doc.getXmlFragment(CONTENT).get(0) as Y.XmlElement
    const text = paragraph.get(0) as Y.XmlText
    client.doc.transact(() => {
      text.delete(0, text.length)
      text.insert(0, 'Rewritten entirely.')
    })
    await waitFor('the new words found', async () => (await search(server.url, 'rewritten')).length === 1)
    expect(await search(server.url, 'quarterly')).toEqual([])
    // the search wrote the text once, not per search
    const before = (await server.storage.getRecord<{ text: string }>(TEXT_RECORD, plan.id))!.text
    expect(before).toBe('Rewritten entirely. a point in a list')
  })

  it('answers searches sent at once, each with its own results, reading the texts one search at a time', async () => {
    // counts the text listings running at once: each holds every document's text
    const inner = createMemoryStorage()
    let reading = 0
    let mostAtOnce = 0
    const storage: Storage = {
      ...inner,
      async listRecords<T>(kind: string) {
        if (kind !== TEXT_RECORD) return inner.listRecords<T>(kind)
        mostAtOnce = Math.max(mostAtOnce, ++reading)
        try {
          // a store answering in its own time, so searches sent together overlap if allowed to
          await new Promise((resolve) => setTimeout(resolve, 20))
          return await inner.listRecords<T>(kind)
        } finally {
          reading--
        }
      },
    }
    const server = await startServer({}, { storage })
    cleanups.push(() => server.close())
    const ids: string[] = []
    for (let i = 0; i < 4; i++) {
      const doc = await server.catalog.create(`Doc ${i}`)
      await write(server.wsUrl, doc.id, `word${i} shared`)
      ids.push(doc.id)
    }
    const answers = await Promise.all([...ids.map((_, i) => search(server.url, `word${i}`)), search(server.url, 'shared'), search(server.url, 'nothing')])
    expect(answers.map((found) => found.map((d) => d.id).sort())).toEqual([...ids.map((id) => [id]), [...ids].sort(), []])
    expect(mostAtOnce).toBe(1)
  })

  it('forgets a deleted document: its text record goes with it', async () => {
    const server = await startServer()
    cleanups.push(() => server.close())
    const doc = await server.catalog.create('Gone soon')
    const client = await write(server.wsUrl, doc.id, 'Ephemeral words.')
    expect((await search(server.url, 'ephemeral')).map((d) => d.id)).toEqual([doc.id])
    expect(await server.storage.getRecord(TEXT_RECORD, doc.id)).toEqual({ text: 'Ephemeral words. a point in a list' })
    client.destroy()
    expect(await server.catalog.delete(doc.id)).toBe(true)
    expect(await search(server.url, 'ephemeral')).toEqual([])
    expect(await server.storage.getRecord(TEXT_RECORD, doc.id)).toBeUndefined()
  })

  it('finds an imported document before anyone opens it, and documents stored before search, after a restart', async () => {
    const data = tempDir()
    cleanups.push(() => data.cleanup())
    let server = await startServer({ dataDir: data.dir })
    const person = new Person(server.url)
    const imported = await person.request('POST', '/api/docs?format=markdown', '# Imported\n\nA paragraph about pelicans.\n', { 'Content-Type': 'text/markdown' })
    expect(imported.status).toBe(201)
    await waitFor('the imported document found', async () => (await search(server.url, 'pelicans')).length === 1)
    expect(server.registry.get(imported.body.id)).toBeUndefined()

    const old = await server.catalog.create('Old')
    const client = await write(server.wsUrl, old.id, 'Words about albatrosses.')
    await waitFor('the old document found', async () => (await search(server.url, 'albatrosses')).length === 1)
    client.destroy()
    await server.close()

    // as a store written before search existed holds them: no text records
    const storage = await openLevelStorage(data.dir)
    const texts = await storage.listRecords(TEXT_RECORD)
    expect(texts.map((t) => t.id).sort()).toEqual([imported.body.id, old.id].sort())
    await storage.putRecords(texts.map((t) => ({ kind: TEXT_RECORD, id: t.id, value: null })))
    await storage.close()

    server = await startServer({ dataDir: data.dir })
    cleanups.push(() => server.close())
    await waitFor('both read again in the background', async () => (await server.storage.listRecords(TEXT_RECORD)).length === 2)
    expect((await search(server.url, 'albatrosses')).map((d) => d.id)).toEqual([old.id])
    expect((await search(server.url, 'pelicans')).map((d) => d.id)).toEqual([imported.body.id])
    // reading them loaded no document and wrote no version
    expect(server.registry.size).toBe(0)
    expect((await server.storage.history(old.id)).filter((p) => p.kind === 'checkpoint')).toHaveLength(1)
  })

  it('shows nobody a document, or words of it, they may not open', async () => {
    const server = await startServer({ auth: 'accounts' })
    cleanups.push(() => server.close())
    const alice = new Person(server.url, 'alice')
    await alice.signup('alice')
    const bob = new Person(server.url, 'bob')
    await bob.signup('bob')
    const created = await alice.request('POST', '/api/docs', { title: 'Private' })
    expect(created.status).toBe(201)
    const client = connect(server.wsUrl, created.body.id, new Y.Doc(), { WebSocket: alice.webSocketClass() })
    cleanups.push(() => client.destroy())
    await client.synced()
    prosemirrorJSONToYXmlFragment(schema, body('The secret recipe uses saffron.'), client.doc.getXmlFragment(CONTENT))
    await waitFor('alice finds it', async () => (await search(server.url, 'saffron', alice)).length === 1)
    expect(await search(server.url, 'saffron', bob)).toEqual([])
    expect((await bob.request('GET', '/api/docs?q=saffron')).body).toEqual({ docs: [] })
  })
})
