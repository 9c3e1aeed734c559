/**
 * The document API (/api/docs) against a real server with LevelDB, and the static file handler
 * that serves the browser app: validation answers 400 with a clear message, unknown documents
 * 404, renames reach open editors, deletes close them with 4410, the list survives a restart;
 * the app gets the right content types, cache headers, compression, HEAD, and no traversal.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http'
import { connect as connectTcp, type AddressInfo } from 'node:net'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { prosemirrorJSONToYXmlFragment } from 'y-prosemirror'
import { CONTENT, TITLE } from '../../shared/doc-fields.js'
import { schema } from '../../shared/schema.js'
import { Close } from '../../shared/protocol.js'
import { Router } from '../../server/http/router.js'
import { createStaticHandler, IMMUTABLE } from '../../server/http/static.js'
import { silentLogger } from '../../server/log.js'
import { MAX_IMPORT_CHARS } from '../../shared/import.js'
import { idleMetrics } from '../helpers/metrics.js'
import { openLevelStorage } from '../../server/storage/leveldb.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import { faulty } from '../helpers/faulty-storage.js'
import { connect, startServer, tempDir } from '../helpers/server.js'
import { nextEvent, seededRandom, waitFor } from '../helpers/wait.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
  readonly json: () => any
}

/** One raw HTTP request (the path is sent exactly as given, unnormalised). */
function call(base: string, method: string, path: string, options: { body?: string | Buffer; headers?: Record<string, string> } = {}): Promise<Answer> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const body = Buffer.concat(chunks)
        resolve({ status: res.statusCode!, headers: res.headers, body, json: () => JSON.parse(body.toString('utf8')) })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const jsonBody = (value: unknown) => ({ body: typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value), headers: { 'Content-Type': 'application/json' } })

async function server() {
  const data = tempDir()
  cleanups.push(data.cleanup)
  const tandem = await startServer({ dataDir: data.dir })
  cleanups.push(() => tandem.close())
  return { tandem, data }
}

describe('/api/docs', () => {
  it('creates, gets, lists by last edit, searches, renames and deletes', async () => {
    const { tandem } = await server()
    const base = tandem.url
    expect((await call(base, 'GET', '/api/docs')).json()).toEqual({ docs: [] })

    const created = await call(base, 'POST', '/api/docs', jsonBody({ title: '  Meeting\n notes ' }))
    expect(created.status).toBe(201)
    const first = created.json()
    expect(first).toMatchObject({ title: 'Meeting notes' })
    expect(first.id).toMatch(/^[A-Za-z0-9_-]{16,64}$/)
    expect(created.headers.location).toBe(`/api/docs/${first.id}`)
    expect(created.headers['cache-control']).toBe('no-store')

    // no body at all: an untitled document
    const untitled = await call(base, 'POST', '/api/docs')
    expect(untitled.status).toBe(201)
    const second = untitled.json()
    expect(second.title).toBe('')
    expect(second.id).not.toBe(first.id)

    expect((await call(base, 'GET', `/api/docs/${first.id}`)).json()).toEqual(first)

    // the second was made last, so it is listed first; until the first is edited
    let list = (await call(base, 'GET', '/api/docs')).json().docs
    expect(list.map((d: { id: string }) => d.id)).toEqual([second.id, first.id])
    const renamed = await call(base, 'PATCH', `/api/docs/${first.id}`, jsonBody({ title: 'Weekly sync' }))
    expect(renamed.status).toBe(200)
    expect(renamed.json()).toMatchObject({ id: first.id, title: 'Weekly sync' })
    await waitFor('the renamed document to be listed first', async () => (await call(base, 'GET', '/api/docs')).json().docs[0].id === first.id)

    list = (await call(base, 'GET', '/api/docs?q=WEEKLY')).json().docs
    expect(list.map((d: { title: string }) => d.title)).toEqual(['Weekly sync'])
    expect((await call(base, 'GET', '/api/docs?q=nothing%20like%20it')).json().docs).toEqual([])

    const deleted = await call(base, 'DELETE', `/api/docs/${second.id}`)
    expect(deleted.status).toBe(204)
    expect(deleted.body.length).toBe(0)
    expect((await call(base, 'GET', `/api/docs/${second.id}`)).status).toBe(404)
    expect((await call(base, 'DELETE', `/api/docs/${second.id}`)).status).toBe(404)
    expect((await call(base, 'GET', '/api/docs')).json().docs.map((d: { id: string }) => d.id)).toEqual([first.id])
  })

  it('answers a rename that a delete overtook with 404, not 500', async () => {
    const storage = faulty(createMemoryStorage())
    const tandem = await startServer({}, { storage })
    cleanups.push(() => tandem.close())
    const { id } = (await call(tandem.url, 'POST', '/api/docs', jsonBody({ title: 'Doomed' }))).json()
    // the rename has found the document and waits on the store; the delete runs to the end meanwhile
    storage.holdReads('doc')
    const renaming = call(tandem.url, 'PATCH', `/api/docs/${id}`, jsonBody({ title: 'Renamed' }))
    await waitFor('the rename to be reading the card', () => storage.heldReads === 1)
    expect((await call(tandem.url, 'DELETE', `/api/docs/${id}`)).status).toBe(204)
    storage.releaseReads()
    const renamed = await renaming
    expect(renamed.status).toBe(404)
    expect(renamed.json()).toEqual({ error: `no document ${id}` })
    expect((await call(tandem.url, 'GET', `/api/docs/${id}`)).status).toBe(404)
    expect((await call(tandem.url, 'GET', '/api/docs')).json().docs).toEqual([])
  })

  it('answers bad requests with 400 and a message that says what is wrong', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const doc = (await call(base, 'POST', '/api/docs', jsonBody({ title: 'x' }))).json()
    const cases: Array<[string, string, { body?: string | Buffer; headers?: Record<string, string> }, number, RegExp]> = [
      ['POST', '/api/docs', jsonBody({ title: 42 }), 400, /title must be a string/],
      ['POST', '/api/docs', jsonBody({ title: 'x'.repeat(201) }), 400, /at most 200 characters/],
      ['POST', '/api/docs', jsonBody({ title: 'a', owner: 'me' }), 400, /unknown field: owner/],
      ['POST', '/api/docs', jsonBody([1, 2]), 400, /JSON object/],
      ['POST', '/api/docs', jsonBody('"just a string"'), 400, /JSON object/],
      ['POST', '/api/docs', jsonBody('{"title": '), 400, /not valid JSON/],
      // a title of bytes that are no UTF-8 (Latin-1 "é") would be stored as U+FFFD
      ['POST', '/api/docs', jsonBody(Buffer.from('{"title": "caf\xe9"}', 'latin1')), 400, /not UTF-8/],
      ['PATCH', `/api/docs/${doc.id}`, jsonBody(Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d])), 400, /not UTF-8/],
      ['POST', '/api/docs', { body: 'title=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }, 415, /Content-Type: application\/json/],
      ['PATCH', `/api/docs/${doc.id}`, jsonBody({}), 400, /title is required/],
      ['PATCH', `/api/docs/${doc.id}`, jsonBody({ title: null }), 400, /title must be a string/],
      ['PATCH', `/api/docs/${doc.id}`, {}, 415, /application\/json/],
      ['GET', '/api/docs/bad%20id!', {}, 400, /document ids are 1 to 64 characters/],
      ['PATCH', `/api/docs/${'a'.repeat(65)}`, jsonBody({ title: 'x' }), 400, /document ids/],
      ['DELETE', '/api/docs/%E0%A4%A', {}, 400, /percent-encoding/],
      ['GET', `/api/docs?q=${'q'.repeat(201)}`, {}, 400, /q must be at most 200 characters/],
      ['GET', '/api/docs/unknownDocument1', {}, 404, /no document unknownDocument1/],
      ['PATCH', '/api/docs/unknownDocument1', jsonBody({ title: 'x' }), 404, /no document/],
      ['DELETE', '/api/docs/unknownDocument1', {}, 404, /no document/],
      ['PUT', `/api/docs/${doc.id}`, jsonBody({ title: 'x' }), 405, /PUT is not allowed/],
      ['GET', '/api/nothing-here', {}, 404, /no API endpoint at \/api\/nothing-here/],
      ['POST', '/api/docs/x/y', {}, 404, /no API endpoint/],
    ]
    for (const [method, path, options, status, message] of cases) {
      const answer = await call(base, method, path, options)
      expect(answer.status, `${method} ${path}`).toBe(status)
      expect(answer.headers['content-type'], `${method} ${path}`).toMatch(/^application\/json/)
      expect(answer.json().error, `${method} ${path}`).toMatch(message)
    }
    // nothing was changed by any of them
    expect((await call(base, 'GET', '/api/docs')).json().docs).toEqual([doc])
  })

  it('reads a JSON body that starts with a UTF-8 byte-order mark as one without (RFC 8259 section 8.1)', async () => {
    const { tandem } = await server()
    const created = await call(tandem.url, 'POST', '/api/docs', jsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ title: 'Café' }))])))
    expect(created.status).toBe(201)
    expect(created.json().title).toBe('Café')
  })

  it('a method a path does not take is answered 405 with the methods it takes in Allow (RFC 9110)', async () => {
    const { tandem } = await server()
    const cases: Array<[string, string, string]> = [
      ['PUT', '/api/docs/abc', 'GET, HEAD, PATCH, DELETE'],
      ['DELETE', '/api/docs', 'GET, HEAD, POST'],
      ['POST', '/healthz', 'GET, HEAD'],
      ['GET', '/api/auth/login', 'POST'],
    ]
    for (const [method, path, allow] of cases) {
      const answer = await call(tandem.url, method, path)
      expect(answer.status, `${method} ${path}`).toBe(405)
      expect(answer.headers.allow, `${method} ${path}`).toBe(allow)
    }
  })

  it('renames into open editors, closes them with 4410 on delete, keeps the list across a restart', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let tandem = await startServer({ dataDir: data.dir })
    const base1 = tandem.url
    const a = (await call(base1, 'POST', '/api/docs', jsonBody({ title: 'Alpha' }))).json()
    const b = (await call(base1, 'POST', '/api/docs', jsonBody({ title: 'Beta' }))).json()
    const editor = connect(tandem.wsUrl, a.id)
    await editor.synced()
    expect(editor.doc.getText(TITLE).toString()).toBe('Alpha')
    await call(base1, 'PATCH', `/api/docs/${a.id}`, jsonBody({ title: 'Alpha, renamed' }))
    await waitFor('the editor to see the new title', () => editor.doc.getText(TITLE).toString() === 'Alpha, renamed')

    // a title typed in an editor reaches the list
    const title = editor.doc.getText(TITLE)
    title.delete(0, title.length)
    title.insert(0, 'Typed title')
    await waitFor('the list to show the typed title', async () => (await call(base1, 'GET', `/api/docs/${a.id}`)).json().title === 'Typed title')

    const viewer = connect(tandem.wsUrl, b.id)
    await viewer.synced()
    const closed = nextEvent<[{ code: number }]>(viewer.provider, 'closed')
    expect((await call(base1, 'DELETE', `/api/docs/${b.id}`)).status).toBe(204)
    expect((await closed)[0].code).toBe(Close.DocumentDeleted.code)
    editor.destroy()
    viewer.destroy()

    await tandem.close()
    tandem = await startServer({ dataDir: data.dir })
    cleanups.push(() => tandem.close())
    const list = (await call(tandem.url, 'GET', '/api/docs')).json().docs
    expect(list.map((d: { id: string; title: string }) => [d.id, d.title])).toEqual([[a.id, 'Typed title']])
    expect((await call(tandem.url, 'GET', `/api/docs/${b.id}`)).status).toBe(404)
  })
})

describe('/api/docs/:id/export', () => {
  it('downloads what everyone sees as Markdown or plain text, named after the title, loaded or not', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let tandem = await startServer({ dataDir: data.dir })
    const { id } = (await call(tandem.url, 'POST', '/api/docs', jsonBody({ title: 'Q3: plans' }))).json()
    const writer = connect(tandem.wsUrl, id)
    await writer.synced()
    const body = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'Goals' }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'Ship ' }, { type: 'text', text: 'export', marks: [{ type: 'bold' }] }, { type: 'text', text: '.' }] },
        { type: 'task_list', content: [{ type: 'task_item', attrs: { checked: true }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Markdown' }] }] }] },
      ],
    }
    prosemirrorJSONToYXmlFragment(schema, body, writer.doc.getXmlFragment(CONTENT))
    const markdown = '# Q3: plans\n\n## Goals\n\nShip **export**.\n\n- [x] Markdown\n'
    const exported = async (query = '') => call(tandem.url, 'GET', `/api/docs/${id}/export${query}`)
    // relayed means durable: the export sees it at once
    await waitFor('the export to hold the edit', async () => (await exported()).body.toString('utf8') === markdown)
    const md = await exported('?format=markdown')
    expect(md.status).toBe(200)
    expect(md.headers['content-type']).toBe('text/markdown; charset=utf-8')
    expect(md.headers['content-disposition']).toBe(`attachment; filename="Q3 plans.md"; filename*=UTF-8''Q3%20plans.md`)
    expect(md.headers['cache-control']).toBe('no-store')
    const text = await exported('?format=text')
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8')
    expect(text.body.toString('utf8')).toBe('Q3: plans\n\nGoals\nShip export.\nMarkdown\n')
    const head = await call(tandem.url, 'HEAD', `/api/docs/${id}/export`)
    expect([head.status, head.body.length, head.headers['content-length']]).toEqual([200, 0, String(Buffer.byteLength(markdown))])
    writer.destroy()

    // after a restart, from the store, with nobody in the document
    await tandem.close()
    tandem = await startServer({ dataDir: data.dir })
    cleanups.push(() => tandem.close())
    expect((await exported()).body.toString('utf8')).toBe(markdown)
    await waitFor('the document to be unloaded again', () => tandem.registry.size === 0)

    expect((await exported('?format=pdf')).json()).toEqual({ error: 'format must be one of markdown, text' })
    expect((await exported('?format=pdf')).status).toBe(400)
    expect((await call(tandem.url, 'GET', '/api/docs/nope/export')).status).toBe(404)
    expect((await call(tandem.url, 'GET', '/api/docs/bad%20id/export')).status).toBe(400)
    expect((await call(tandem.url, 'DELETE', `/api/docs/${id}`)).status).toBe(204)
    expect((await exported()).status).toBe(404)
  })
})

describe('POST /api/docs with a file', () => {
  const file = (type: string, body: string | Buffer) => ({ body: body as string, headers: { 'Content-Type': type } })

  it('creates a document holding a Markdown or text file, titled by the file, and editors see it', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const markdown = '# Trip\n\n## Days\n\n- [ ] Pack **light**\n- [x] Book\n'
    const created = await call(base, 'POST', '/api/docs?filename=ignored.md', file('text/markdown; charset=utf-8', markdown))
    expect(created.status).toBe(201)
    const trip = created.json()
    expect(trip).toMatchObject({ title: 'Trip' })
    expect(created.headers.location).toBe(`/api/docs/${trip.id}`)
    // what was imported is what exports, and what a stock client gets
    expect((await call(base, 'GET', `/api/docs/${trip.id}/export`)).body.toString('utf8')).toBe(markdown)
    const editor = connect(tandem.wsUrl, trip.id)
    cleanups.push(() => editor.destroy())
    await editor.synced()
    expect(editor.doc.getText(TITLE).toString()).toBe('Trip')
    expect(editor.doc.getXmlFragment(CONTENT).toString()).toContain('<task_item checked="false"><paragraph>Pack <bold>light</bold></paragraph></task_item>')

    // plain text without a title of its own: named after the file
    const notes = (await call(base, 'POST', `/api/docs?filename=${encodeURIComponent('C:\\tmp\\Call notes.txt')}`, file('text/plain', 'one\ntwo\n'))).json()
    expect(notes.title).toBe('Call notes')
    expect((await call(base, 'GET', `/api/docs/${notes.id}/export?format=text`)).body.toString('utf8')).toBe('Call notes\n\none\ntwo\n')
    // ?title= names it whatever the file says
    const chosen = (await call(base, 'POST', '/api/docs?title=Chosen', file('text/markdown', '# Own\n\nx'))).json()
    expect(chosen.title).toBe('Chosen')
    // the file stays whole: its own heading is not taken for the title
    expect((await call(base, 'GET', `/api/docs/${chosen.id}/export`)).body.toString('utf8')).toBe('# Chosen\n\n# Own\n\nx\n')

    expect((await call(base, 'GET', '/api/docs')).json().docs).toHaveLength(3)
  })

  it('takes in 8 files at a time: more sent at once are answered 503 with Retry-After and create nothing', async () => {
    const { tandem } = await server()
    const text = 'a line of words that the importer reads as one paragraph\n'.repeat(16_000)
    const send = () =>
      fetch(`${tandem.url}/api/docs`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: text }).then(async (res) => ({
        status: res.status,
        retryAfter: res.headers.get('retry-after'),
        body: (await res.json()) as { error?: string },
      }))
    const answers = await Promise.all(Array.from({ length: 20 }, send))
    const created = answers.filter((a) => a.status === 201)
    const refused = answers.filter((a) => a.status === 503)
    expect(created.length + refused.length).toBe(20)
    expect(created.length).toBeGreaterThan(0)
    expect(created.length).toBeLessThanOrEqual(8)
    expect(refused[0]).toMatchObject({ retryAfter: '5', body: { error: expect.stringMatching(/^the server is busy with 8 other files; try again/) } })
    expect((await call(tandem.url, 'GET', '/api/docs')).json().docs).toHaveLength(created.length)
    // the slots come back: once those are answered, the next is taken in
    expect((await send()).status).toBe(201)
  })

  it('refuses files it cannot take with a clear answer, and creates nothing', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const tandem = await startServer({ dataDir: data.dir, maxDocSize: 64 * 1024 })
    cleanups.push(() => tandem.close())
    const base = tandem.url
    const notUtf8 = await call(base, 'POST', '/api/docs', file('text/plain', Buffer.from([0x61, 0xff, 0xfe, 0x62])))
    expect([notUtf8.status, notUtf8.json()]).toEqual([400, { error: 'the file is not UTF-8 text' }])
    const big = await call(base, 'POST', '/api/docs?filename=big.txt', file('text/plain', 'word '.repeat(30_000)))
    expect(big.status).toBe(413)
    expect(big.json().error).toMatch(/^the document would take \d+ bytes; documents may take 65536$/)
    // past what a person would call a document: said in characters, whatever the bytes
    const long = await call(base, 'POST', '/api/docs?filename=long.txt', file('text/plain', 'é'.repeat(MAX_IMPORT_CHARS + 1)))
    expect([long.status, long.json()]).toEqual([413, { error: 'the file holds 2,000,001 characters; files may hold at most 2,000,000 characters' }])
    const huge = await call(base, 'POST', '/api/docs?filename=huge.txt', file('text/plain', Buffer.alloc(3 * MAX_IMPORT_CHARS + 1, 'a')))
    expect([huge.status, huge.json()]).toEqual([413, { error: 'the file is too large: files may hold at most 2,000,000 characters' }])
    const xml = await call(base, 'POST', '/api/docs', file('application/xml', '<doc/>'))
    expect(xml.status).toBe(415)
    const longTitle = await call(base, 'POST', `/api/docs?title=${'x'.repeat(300)}`, file('text/plain', 'x'))
    expect(longTitle.status).toBe(400)
    expect((await call(base, 'GET', '/api/docs')).json().docs).toEqual([])
  })
})

describe('POST /api/docs with a web page', () => {
  const page = (body: string | Buffer, type = 'text/html; charset=utf-8') => ({ body: body as string, headers: { 'Content-Type': type } })

  it('creates a document holding the page as the editor reads it pasted, titled by the page, and editors see it', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const html =
      '<!doctype html><html><head><meta charset="utf-8"><title>Trip plan</title><style>.b{font-weight:700}</style><script>fetch("/api/docs", { method: "DELETE" })</script></head>' +
      '<body onload="alert(1)"><h1>Trip plan</h1><h2>Days</h2><p>Pack <span class="b">light</span> <a href="https://example.com/map" onclick="x()">map</a> <a href="javascript:alert(1)">bad</a></p>' +
      '<ul><li role="checkbox" aria-checked="true"><p>Book</p></li></ul><iframe src="https://evil.example">frame</iframe><table><tr><td>a</td><td>b</td></tr></table></body></html>'
    const created = await call(base, 'POST', '/api/docs?filename=ignored.html', page(html))
    expect(created.status).toBe(201)
    const trip = created.json()
    expect(trip).toMatchObject({ title: 'Trip plan' })
    expect(created.headers.location).toBe(`/api/docs/${trip.id}`)
    // what a stock client gets: the page's content, and nothing of its scripts, handlers or frames
    const editor = connect(tandem.wsUrl, trip.id)
    cleanups.push(() => editor.destroy())
    await editor.synced()
    expect(editor.doc.getText(TITLE).toString()).toBe('Trip plan')
    expect(editor.doc.getXmlFragment(CONTENT).toString()).toBe(
      '<heading level="2">Days</heading><paragraph>Pack <bold>light</bold> <link href="https://example.com/map" title="null">map</link> bad</paragraph>' +
        '<task_list><task_item checked="true"><paragraph>Book</paragraph></task_item></task_list><paragraph>a</paragraph><paragraph>b</paragraph>',
    )
    expect((await call(base, 'GET', `/api/docs/${trip.id}/export`)).body.toString('utf8')).toBe('# Trip plan\n\n## Days\n\nPack **light** [map](https://example.com/map) bad\n\n- [x] Book\n\na\n\nb\n')

    // no <title>: the opening heading; neither: the file name; ?title=: the page stays whole
    expect((await call(base, 'POST', '/api/docs?filename=x.html', page('<h1>Heading</h1><p>x</p>'))).json().title).toBe('Heading')
    expect((await call(base, 'POST', `/api/docs?filename=${encodeURIComponent('C:\\saved\\Article.htm')}`, page('<p>x</p>'))).json().title).toBe('Article')
    const chosen = (await call(base, 'POST', '/api/docs?title=Chosen', page('<title>Own</title><h1>Own</h1><p>x</p>'))).json()
    expect(chosen.title).toBe('Chosen')
    expect((await call(base, 'GET', `/api/docs/${chosen.id}/export`)).body.toString('utf8')).toBe('# Chosen\n\n# Own\n\nx\n')
    expect((await call(base, 'GET', '/api/docs')).json().docs).toHaveLength(4)
  })

  it('refuses pages it cannot take with a clear answer, creates nothing, and keeps serving', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const tandem = await startServer({ dataDir: data.dir, maxDocSize: 64 * 1024 })
    cleanups.push(() => tandem.close())
    const base = tandem.url
    const notUtf8 = await call(base, 'POST', '/api/docs', page(Buffer.from('<p>caf\xe9</p>', 'latin1')))
    expect([notUtf8.status, notUtf8.json()]).toEqual([400, { error: 'the file is not UTF-8 text' }])
    const binary = await call(base, 'POST', '/api/docs', page(Buffer.from([0x3c, 0x70, 0x3e, 0x00, 0x01, 0x02])))
    expect([binary.status, binary.json()]).toEqual([400, { error: 'the file is not HTML: it holds binary data' }])
    const words = await call(base, 'POST', '/api/docs', page('only words, no markup'))
    expect([words.status, words.json()]).toEqual([400, { error: 'the file is not HTML: it has no tags' }])
    // nested past any real page: refused at once, not after holding the file worker for a minute
    const deep = await call(base, 'POST', '/api/docs', page('<div>'.repeat(100_000)))
    expect([deep.status, deep.json()]).toEqual([400, { error: 'the page nests its content more than 256 levels deep' }])
    const big = await call(base, 'POST', '/api/docs?filename=big.html', page(`<p>${'word '.repeat(30_000)}</p>`))
    expect(big.status).toBe(413)
    expect(big.json().error).toMatch(/^the document would take \d+ bytes; documents may take 65536$/)
    expect((await call(base, 'GET', '/api/docs')).json().docs).toEqual([])
    // the next page goes in as usual
    expect((await call(base, 'POST', '/api/docs', page('<p>fine</p>'))).status).toBe(201)
  })
})

describe('/api/docs/:id/versions', () => {
  it('lists the stored versions newest first and gives each as the document was then', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    let clock = Date.now()
    const tandem = await startServer({ dataDir: data.dir }, { now: () => clock })
    cleanups.push(() => tandem.close())
    const base = tandem.url
    const { id } = (await call(base, 'POST', '/api/docs', jsonBody({ title: 'Diary' }))).json()
    const versions = async () => (await call(base, 'GET', `/api/docs/${id}/versions`)).json().versions as Array<{ seq: number; time: number }>
    expect(await versions()).toEqual([])

    /** Appends `text` as a stock client, which then leaves: the document unloads and is compacted into a version. */
    const write = async (text: string, count: number) => {
      const client = connect(tandem.wsUrl, id)
      await client.synced()
      const body = client.doc.getText('body')
      body.insert(body.length, text)
      await waitFor('the edit saved', async () => (await call(base, 'GET', `/api/docs/${id}/export?format=text`)).status === 200 && tandem.registry.size === 1)
      client.destroy()
      // the version it leaves with is written once the document is out of memory
      await waitFor(`version ${count}`, async () => tandem.registry.roomsOf(id).length === 0 && (await versions()).length === count)
    }
    await write('one', 1)
    // two minutes later (the newest version of each minute is kept)
    clock += 2 * 60_000
    await write(' two', 2)
    const [newest, older] = await versions()
    expect(newest!.seq).toBeGreaterThan(older!.seq)
    expect(newest!.time - older!.time).toBeGreaterThanOrEqual(2 * 60_000)

    const at = async (seq: number) => {
      const res = await call(base, 'GET', `/api/docs/${id}/versions/${seq}`)
      expect([res.status, res.headers['content-type']]).toEqual([200, 'application/octet-stream'])
      const doc = new Y.Doc()
      Y.applyUpdate(doc, new Uint8Array(res.body))
      return [doc.getText(TITLE).toString(), doc.getText('body').toString()]
    }
    expect(await at(older!.seq)).toEqual(['Diary', 'one'])
    expect(await at(newest!.seq)).toEqual(['Diary', 'one two'])

    expect((await call(base, 'GET', `/api/docs/${id}/versions/${older!.seq + 1000}`)).status).toBe(404)
    expect((await call(base, 'GET', `/api/docs/${id}/versions/0`)).json()).toEqual({ error: 'a version is a positive whole number (see GET /api/docs/:id/versions)' })
    expect((await call(base, 'GET', '/api/docs/nope/versions')).status).toBe(404)
    expect((await call(base, 'DELETE', `/api/docs/${id}`)).status).toBe(204)
    expect((await call(base, 'GET', `/api/docs/${id}/versions/${older!.seq}`)).status).toBe(404)
  })
})

describe('reading a document being edited', () => {
  it('exports it and lists its versions without compacting it', async () => {
    const { tandem } = await server()
    const { id } = (await call(tandem.url, 'POST', '/api/docs', jsonBody({ title: 'Busy' }))).json()
    const writer = connect(tandem.wsUrl, id)
    cleanups.push(() => writer.destroy())
    await writer.synced()
    const checkpoints = async () => (await tandem.storage.history(id)).filter((p) => p.kind === 'checkpoint')
    const before = await checkpoints()
    writer.doc.getText('body').insert(0, 'typing')
    await waitFor('the edit in the store', async () => (await tandem.storage.history(id)).some((p) => p.kind === 'entry' && p.seq > (before.at(-1)?.seq ?? 0)))
    for (const path of [`/api/docs/${id}/export`, `/api/docs/${id}/versions`]) expect((await call(tandem.url, 'GET', path)).status).toBe(200)
    // bringing the title up to date would have compacted it before answering
    expect(await checkpoints()).toEqual(before)
  })
})

describe('health probe', () => {
  it('/healthz tells anyone whether the server can save, and nothing of its layout or load', async () => {
    const data = tempDir()
    cleanups.push(data.cleanup)
    const tandem = await startServer({ dataDir: data.dir, auth: 'accounts' })
    cleanups.push(() => tandem.close())
    const ok = await call(tandem.url, 'GET', '/healthz')
    expect(ok.status).toBe(200)
    expect(ok.body.toString()).not.toContain(data.dir)
    expect(ok.json()).toEqual({ status: 'ok', storage: { writable: true }, journal: { writable: true } })

    const failing = faulty(await openLevelStorage(join(data.dir, 'other')))
    const broken = await startServer({ auth: 'accounts' }, { storage: failing })
    cleanups.push(() => broken.close())
    failing.failNext(1)
    const down = await call(broken.url, 'GET', '/healthz')
    expect(down.status).toBe(503)
    // why goes to the log: a store's error names its files
    expect(down.json()).toEqual({ status: 'unavailable', storage: { writable: false } })
  })
})

describe('static files', () => {
  /** Serves a small build, plus `files` (path in the build to content). */
  async function staticServer(files: Record<string, string> = {}): Promise<string> {
    const dir = tempDir('tandem-static-')
    cleanups.push(dir.cleanup)
    const root = join(dir.dir, 'client')
    mkdirSync(join(root, 'assets'), { recursive: true })
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>Tandem</title><tandem-app></tandem-app>')
    writeFileSync(join(root, 'assets', 'index-abc123.js'), `console.log(${JSON.stringify('x'.repeat(5000))})`)
    writeFileSync(join(root, 'assets', 'index-abc123.css'), 'body{color:red}')
    writeFileSync(join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})')
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    writeFileSync(join(root, '.env'), 'SECRET=1')
    writeFileSync(join(dir.dir, 'secret.txt'), 'outside the root')
    for (const [path, content] of Object.entries(files)) writeFileSync(join(root, path), content)
    const router = new Router(silentLogger(), idleMetrics())
    router.add('GET', '/healthz', (_req, res) => res.end('ok'))
    router.otherwise(createStaticHandler({ root }))
    const srv: Server = createServer(router.handle)
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)))
    return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
  }

  it('serves the app at / and /d/<docId> with no-cache and a strict CSP', async () => {
    const base = await staticServer()
    for (const path of ['/', '/d/abcDEF123_-', '/d/abc/', '/index.html']) {
      const page = await call(base, 'GET', path)
      expect(page.status, path).toBe(200)
      expect(page.headers['content-type']).toBe('text/html; charset=utf-8')
      expect(page.headers['cache-control']).toBe('no-cache')
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/)
      expect(page.body.toString()).toContain('<tandem-app>')
    }
  })

  it('caches hashed assets for a year and revalidates the rest', async () => {
    const base = await staticServer()
    const js = await call(base, 'GET', '/assets/index-abc123.js')
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(js.headers['cache-control']).toBe(IMMUTABLE)
    const css = await call(base, 'GET', '/assets/index-abc123.css')
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8')
    const sw = await call(base, 'GET', '/sw.js')
    expect(sw.headers['cache-control']).toBe('no-cache')
    const icon = await call(base, 'GET', '/favicon.svg')
    expect(icon.headers['content-type']).toBe('image/svg+xml')
    expect(icon.headers['cache-control']).toBe('no-cache')
    // revalidation with the ETag
    const again = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'If-None-Match': js.headers.etag! } })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
  })

  it('compresses text for clients that accept it', async () => {
    const base = await staticServer()
    const plain = await call(base, 'GET', '/assets/index-abc123.js')
    const gz = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'gzip' } })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true)
    const br = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'gzip, deflate, br' } })
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.body).equals(plain.body)).toBe(true)
    expect(br.headers.vary).toBe('Accept-Encoding')
  })

  it('never sends an encoding the client refuses with q=0', async () => {
    const base = await staticServer()
    const plain = await call(base, 'GET', '/assets/index-abc123.js')
    const noBr = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'br;q=0, gzip' } })
    expect(noBr.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(noBr.body).equals(plain.body)).toBe(true)
    const none = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'gzip;q=0, br;q=0.0' } })
    expect(none.headers['content-encoding']).toBeUndefined()
    expect(none.body.equals(plain.body)).toBe(true)
    const star = await call(base, 'GET', '/assets/index-abc123.js', { headers: { 'Accept-Encoding': 'BR;Q=0.5, *;q=0' } })
    expect(star.headers['content-encoding']).toBe('br')
  })

  it('compresses off the event loop: the first brotli request for a large bundle does not stall the relay', async () => {
    // 6 MB of script-like text (fixed content): brotli at quality 9 takes about a second of CPU
    const random = seededRandom(7)
    const words = Array.from({ length: 4000 }, () => Math.floor(random() * 36 ** 8).toString(36))
    const lines: string[] = []
    for (let size = 0; size < 6 * 1024 * 1024; size += lines.at(-1)!.length) {
      lines.push(`const ${words[Math.floor(random() * words.length)]} = ${words[Math.floor(random() * words.length)]}(${Math.floor(random() * 1e6)});\n`)
    }
    const base = await staticServer({ 'assets/bundle-abc123.js': lines.join('') })
    // the longest the event loop went without running a 1 ms timer while the answer was made,
    // against how long the answer took: made on the event loop, the loop stalls for nearly all
    // of it; in the thread pool it runs on (compared with each other, not with a fixed time, so
    // that a slower or busier machine changes both alike)
    const started = performance.now()
    let last = started
    let longest = 0
    const timer = setInterval(() => {
      const now = performance.now()
      longest = Math.max(longest, now - last)
      last = now
    }, 1)
    const br = await call(base, 'GET', '/assets/bundle-abc123.js', { headers: { 'Accept-Encoding': 'br' } })
    const took = performance.now() - started
    clearInterval(timer)
    expect(br.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(br.body).toString()).toBe(lines.join(''))
    expect(longest).toBeLessThan(took / 2)
  })

  it('answers HEAD with the headers and no body', async () => {
    const base = await staticServer()
    const head = await call(base, 'HEAD', '/assets/index-abc123.js')
    expect(head.status).toBe(200)
    expect(Number(head.headers['content-length'])).toBeGreaterThan(5000)
    expect(head.body.length).toBe(0)
    const app = await call(base, 'HEAD', '/d/someDoc')
    expect(app.status).toBe(200)
    expect(app.body.length).toBe(0)
  })

  it('never serves files outside the build, dotfiles, or odd paths', async () => {
    const base = await staticServer()
    for (const path of ['/../secret.txt', '/assets/../../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e%2f%2e%2e%2fsecret.txt', '/.env', '/assets/..%5c..%5csecret.txt', '/%00', '/assets']) {
      const answer = await call(base, 'GET', path)
      expect(answer.status, path).toBeGreaterThanOrEqual(400)
      expect(answer.body.toString(), path).not.toContain('outside the root')
      expect(answer.body.toString(), path).not.toContain('SECRET')
    }
  })

  it('answers unknown paths with 404: JSON for the API and tools, the app for browsers', async () => {
    const base = await staticServer()
    const api = await call(base, 'GET', '/api/unknown', { headers: { Accept: 'text/html' } })
    expect(api.status).toBe(404)
    expect(api.json().error).toMatch(/no API endpoint/)
    const tool = await call(base, 'GET', '/nope')
    expect(tool.status).toBe(404)
    expect(tool.json().error).toMatch(/nothing at \/nope/)
    const browser = await call(base, 'GET', '/nope', { headers: { Accept: 'text/html,application/xhtml+xml' } })
    expect(browser.status).toBe(404)
    expect(browser.body.toString()).toContain('<tandem-app>')
    const badDoc = await call(base, 'GET', '/d/not%20valid!', { headers: { Accept: 'text/html' } })
    expect(badDoc.status).toBe(404)
    const post = await call(base, 'POST', '/')
    expect(post.status).toBe(405)
    expect(post.headers.allow).toBe('GET, HEAD')
    // routes still win over the fallback
    expect((await call(base, 'GET', '/healthz')).body.toString()).toBe('ok')
  })

  it('says plainly when the app is not built', async () => {
    const dir = tempDir('tandem-static-empty-')
    cleanups.push(dir.cleanup)
    const router = new Router(silentLogger(), idleMetrics())
    router.otherwise(createStaticHandler({ root: dir.dir }))
    const srv = createServer(router.handle)
    await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise((resolve) => srv.close(resolve)))
    const answer = await call(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, 'GET', '/')
    expect(answer.status).toBe(503)
    expect(answer.json().error).toMatch(/npm run build/)
  })
})

describe('requests the HTTP parser refuses', () => {
  it('headers over the size limit get 431 (not "malformed"), so a browser with many cookies is told why', async () => {
    const tandem = await startServer()
    cleanups.push(() => tandem.close())
    // localhost shares its cookies with every other app on any port: they add up past Node's 16 KiB
    const answer = await call(tandem.url, 'GET', '/', { headers: { Cookie: `other-app=${'x'.repeat(20_000)}` } })
    expect(answer.status).toBe(431)
    expect(answer.headers.connection).toBe('close')
    expect(answer.json().error).toMatch(/headers.*too large/i)
    // a request the parser cannot read at all is still a plain 400
    const socket = connectTcp(tandem.port, '127.0.0.1')
    socket.end('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n')
    const chunks: Buffer[] = []
    socket.on('data', (c: Buffer) => chunks.push(c))
    await nextEvent(socket, 'close')
    expect(Buffer.concat(chunks).toString()).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n[^]*malformed HTTP request/)
  })
})

describe('request targets', () => {
  it('a path starting with // is that path, not another host\'s: //x/metrics is not /metrics', async () => {
    const tandem = await startServer()
    cleanups.push(() => tandem.close())
    // a proxy that keeps /metrics or /api to itself matches these paths as they are, then passes
    // them on unchanged; read as protocol-relative URLs they reached what it keeps back
    for (const path of ['//x/metrics', '//x/api/docs', '//metrics/api/docs', '//x/healthz']) {
      const answer = await call(tandem.url, 'GET', path)
      expect(answer.status, path).toBe(404)
      expect(answer.body.toString(), path).not.toMatch(/tandem_|"docs"|"status"/)
    }
    // the absolute form (RFC 9112 3.2.2) still names the path it holds
    expect((await call(tandem.url, 'GET', `${tandem.url}/metrics`)).body.toString()).toContain('tandem_')
  })
})
