/**
 * Document images over HTTP (server/http/images-api.ts) against a real server with LevelDB in a
 * temporary directory: bytes round-trip exactly with their type and protective headers, the same
 * bytes are stored once, every bad input is a clear JSON error and the server keeps serving,
 * images survive a restart and go with their document, and accounts mode decides who may upload
 * and see them as it decides who may edit and read the document (members, links, strangers);
 * only a few uploads are taken in at once, the rest told to send again (503, Retry-After).
 */
import { createHash } from 'node:crypto'
import { request as httpRequest } from 'node:http'
import { SignJWT } from 'jose'
import { afterEach, describe, expect, it } from 'vitest'
import type { Config } from '../../server/config.js'
import { Person } from '../helpers/http-client.js'
import { MAGIC, png } from '../helpers/png.js'
import { startServer, tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { createMemoryStorage } from '../../server/storage/memory.js'
import type { Storage } from '../../server/storage/storage.js'

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn()
})

async function server(config: Partial<Config> = {}, dir = tempDir()) {
  cleanups.push(dir.cleanup)
  const tandem = await startServer({ dataDir: dir.dir, ...config })
  cleanups.push(() => tandem.close())
  return { tandem, dir }
}

async function newDoc(base: string): Promise<string> {
  const res = await fetch(`${base}/api/docs`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"title":"Pictures"}' })
  expect(res.status).toBe(201)
  return ((await res.json()) as { id: string }).id
}

async function upload(base: string, id: string, bytes: Uint8Array, type: string | null, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/docs/${id}/images`, {
    method: 'POST',
    headers: { ...(type === null ? {} : { 'Content-Type': type }), ...headers },
    body: bytes as BodyInit,
  })
  return { status: res.status, headers: res.headers, body: (await res.json()) as any }
}

async function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET') {
  const res = await fetch(`${base}${path}`, { method, headers })
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) }
}

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const metric = async (base: string, line: string) => {
  const text = await (await fetch(`${base}/metrics`)).text()
  const found = text.split('\n').find((l) => l.startsWith(line))
  return found ? Number(found.slice(line.length).trim()) : 0
}

describe('document images', () => {
  it('stores an upload under the hash of its bytes and serves the very bytes back with type and headers', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const id = await newDoc(base)
    const image = png(5, 7)
    const up = await upload(base, id, image, 'image/png')
    expect(up.status).toBe(201)
    const name = `${sha(image)}.png`
    expect(up.body).toEqual({ name, url: `/api/docs/${id}/images/${name}`, type: 'image/png', size: image.length })
    expect(up.headers.get('location')).toBe(up.body.url)

    const served = await get(base, up.body.url)
    expect(served.status).toBe(200)
    expect(served.bytes.equals(image)).toBe(true)
    expect(served.headers.get('content-type')).toBe('image/png')
    expect(served.headers.get('content-length')).toBe(String(image.length))
    expect(served.headers.get('x-content-type-options')).toBe('nosniff')
    expect(served.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
    expect(served.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox")
    expect(served.headers.get('cross-origin-resource-policy')).toBe('same-origin')
    // HEAD: the headers without the bytes; a revalidation with the ETag: 304
    const head = await get(base, up.body.url, {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.bytes.length).toBe(0)
    const again = await get(base, up.body.url, { 'If-None-Match': served.headers.get('etag')! })
    expect(again.status).toBe(304)

    // the other types, each served with its own type and extension
    for (const [type, bytes, ext] of [
      ['image/jpeg', MAGIC.jpeg, 'jpg'],
      ['image/gif', MAGIC.gif, 'gif'],
      ['image/webp', MAGIC.webp, 'webp'],
    ] as const) {
      const r = await upload(base, id, bytes, `${type}; charset=binary`)
      expect(r.status, type).toBe(201)
      expect(r.body.name).toBe(`${sha(bytes)}.${ext}`)
      const s = await get(base, r.body.url)
      expect(s.headers.get('content-type')).toBe(type)
      expect(s.bytes.equals(bytes)).toBe(true)
    }
  })

  it('stores the same bytes once: a second upload answers 200 with the same URL and writes nothing', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const id = await newDoc(base)
    const image = png(3, 3, [1, 2, 3])
    const first = await upload(base, id, image, 'image/png')
    expect(first.status).toBe(201)
    let puts = 0
    const putFile = tandem.storage.putFile.bind(tandem.storage)
    tandem.storage.putFile = async (...args) => {
      puts++
      return putFile(...args)
    }
    const second = await upload(base, id, image, 'image/png')
    expect(second.status).toBe(200)
    expect(second.body).toEqual(first.body)
    expect(puts).toBe(0)
    expect(await metric(base, 'tandem_image_uploads_total{result="stored"}')).toBe(1)
    expect(await metric(base, 'tandem_image_uploads_total{result="existing"}')).toBe(1)
    expect(await metric(base, 'tandem_image_bytes_stored_total')).toBe(image.length)
    // the same bytes in another document are that document's own image
    const other = await newDoc(base)
    expect((await upload(base, other, image, 'image/png')).status).toBe(201)
    expect(puts).toBe(1)
  })

  it('answers every bad input with a clear JSON error and keeps serving', async () => {
    const { tandem } = await server({ maxImageSize: 4096 })
    const base = tandem.url
    const id = await newDoc(base)
    const image = png()
    const cases: Array<[string, Promise<{ status: number; body: any }>, number, RegExp]> = [
      ['bad id', upload(base, 'bad%20id', image, 'image/png'), 400, /document ids/],
      ['svg', upload(base, id, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), 'image/svg+xml'), 415, /SVG/],
      ['text', upload(base, id, Buffer.from('hello'), 'text/plain'), 415, /Content-Type image\/png/],
      ['no type', upload(base, id, image, null), 415, /Content-Type/],
      ['jpeg bytes sent as png', upload(base, id, MAGIC.jpeg, 'image/png'), 400, /image\/jpeg image, not image\/png/],
      ['html sent as png', upload(base, id, Buffer.from('<html><script>alert(1)</script>'), 'image/png'), 400, /no image the server takes/],
      ['svg sent as png', upload(base, id, Buffer.from('<svg></svg>'), 'image/png'), 400, /no image/],
      ['empty', upload(base, id, new Uint8Array(0), 'image/png'), 400, /empty/],
      ['too big', upload(base, id, Buffer.concat([image, Buffer.alloc(5000)]), 'image/png'), 413, /^images may take at most 4 KiB$/],
    ]
    for (const [what, answer, status, message] of cases) {
      const { status: got, body } = await answer
      expect(got, what).toBe(status)
      expect(body.error, what).toMatch(message)
    }
    // in open mode a document comes to be with its first change: an image may be that
    expect((await upload(base, 'fresh-doc', image, 'image/png')).status).toBe(201)
    const bad = async (path: string, status: number, message: RegExp) => {
      const res = await fetch(`${base}${path}`)
      expect(res.status, path).toBe(status)
      expect(res.headers.get('content-type'), path).toMatch(/application\/json/)
      expect(((await res.json()) as { error: string }).error, path).toMatch(message)
    }
    await bad(`/api/docs/${id}/images/${'0'.repeat(64)}.png`, 404, /has no image/)
    await bad(`/api/docs/${id}/images/..%2F..%2Fetc`, 400, /image name/)
    await bad(`/api/docs/${id}/images/${'A'.repeat(64)}.png`, 400, /image name/)
    await bad(`/api/docs/${id}/images/${'0'.repeat(64)}.svg`, 400, /image name/)
    await bad(`/api/docs/nosuchdoc/images/${'0'.repeat(64)}.png`, 404, /has no image/)
    // a body sent without a length (chunked) is cut off at the limit too
    const big = Buffer.concat([image, Buffer.alloc(200_000)])
    const stream = new ReadableStream({
      start(controller) {
        for (let i = 0; i < big.length; i += 1000) controller.enqueue(big.subarray(i, i + 1000))
        controller.close()
      },
    })
    const chunked = await fetch(`${base}/api/docs/${id}/images`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: stream, duplex: 'half' } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(((await chunked.json()) as { error: string }).error).toMatch(/^images may take at most /)
    // nothing refused was stored, and the server still takes a good one
    expect((await upload(base, id, image, 'image/png')).status).toBe(201)
    expect((await fetch(`${base}/healthz`)).status).toBe(200)
  })

  it('keeps images across a restart and removes them with their document', async () => {
    const dir = tempDir()
    const first = await startServer({ dataDir: dir.dir })
    cleanups.push(dir.cleanup)
    const id = await newDoc(first.url)
    const image = png(8, 8, [0, 128, 255])
    const { body } = await upload(first.url, id, image, 'image/png')
    await first.close()

    const { tandem } = await server({}, { dir: dir.dir, cleanup: () => {} })
    const served = await get(tandem.url, body.url)
    expect(served.status).toBe(200)
    expect(served.bytes.equals(image)).toBe(true)

    expect((await fetch(`${tandem.url}/api/docs/${id}`, { method: 'DELETE' })).status).toBe(204)
    expect((await get(tandem.url, body.url)).status).toBe(404)
    expect(await tandem.storage.hasFile(id, body.name)).toBe(false)
    // an upload racing the deletion: the document goes while its bytes are being written
    const racing = await newDoc(tandem.url)
    const putFile = tandem.storage.putFile.bind(tandem.storage)
    tandem.storage.putFile = async (...args) => {
      expect((await fetch(`${tandem.url}/api/docs/${racing}`, { method: 'DELETE' })).status).toBe(204)
      return putFile(...args)
    }
    const raced = await upload(tandem.url, racing, image, 'image/png')
    tandem.storage.putFile = putFile
    expect(raced.status).toBe(404)
    expect(await tandem.storage.hasFile(racing, body.name)).toBe(false)
    // the id is retired: no image goes into it again
    const again = await upload(tandem.url, id, image, 'image/png')
    expect(again.status).toBe(404)
    expect(again.body.error).toBe(`no document ${id}`)
    expect(await tandem.storage.hasFile(id, body.name)).toBe(false)
  })
})

describe('images in imported and exported files', () => {
  it('stores the images a file embeds as data: URIs (the web-page download does) as the new document\'s', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const image = png(5, 5, [10, 10, 200])
    const data = `data:image/png;base64,${image.toString('base64')}`
    // not a PNG, though it says so: dropped, as any image the server would not take
    const fake = `data:image/png;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}`
    const html = `<html><head><title>Embedded</title></head><body><p>Before <img alt="dot" src="${data}"> and <img alt="fake" src="${fake}"> after</p><p><img alt="again" src="${data}"></p></body></html>`
    const res = await fetch(`${base}/api/docs`, { method: 'POST', headers: { 'Content-Type': 'text/html' }, body: html })
    expect(res.status).toBe(201)
    const id = ((await res.json()) as { id: string }).id
    const url = `/api/docs/${id}/images/${sha(image)}.png`
    const served = await get(base, url)
    expect(served.status).toBe(200)
    expect(served.bytes.equals(image)).toBe(true)
    const exported = await (await fetch(`${base}/api/docs/${id}/export?format=markdown`)).text()
    expect(exported).toBe(['# Embedded', '', `Before ![dot](${url}) and fake after`, '', `![again](${url})`, ''].join('\n'))
    // and from Markdown
    const md = await fetch(`${base}/api/docs?title=Md`, { method: 'POST', headers: { 'Content-Type': 'text/markdown' }, body: `![dot](${data})` })
    const mdId = ((await md.json()) as { id: string }).id
    expect(await (await fetch(`${base}/api/docs/${mdId}/export?format=markdown`)).text()).toBe(`# Md\n\n![dot](/api/docs/${mdId}/images/${sha(image)}.png)\n`)
  })

  it('keeps no copied image of an import that fails part-way through copying', async () => {
    const inner = createMemoryStorage()
    const stored: Array<{ docId: string; name: string }> = []
    let source = ''
    // the second copy into a new document fails, as a store running out of room would
    const storage: Storage = {
      ...inner,
      async putFile(docId, name, file) {
        if (docId !== source && stored.some((s) => s.docId === docId)) throw new Error('no room left')
        await inner.putFile(docId, name, file)
        stored.push({ docId, name })
      },
    }
    const tandem = await startServer({}, { storage })
    cleanups.push(() => tandem.close())
    const base = tandem.url
    source = await newDoc(base)
    const first = (await upload(base, source, png(3, 3, [200, 0, 0]), 'image/png')).body
    const second = (await upload(base, source, png(4, 4, [0, 0, 200]), 'image/png')).body
    const markdown = `![one](${first.url})\n\n![two](${second.url})`
    const res = await fetch(`${base}/api/docs?title=Copy`, { method: 'POST', headers: { 'Content-Type': 'text/markdown' }, body: markdown })
    expect(res.status).toBe(500)
    // the first image was copied into the new id before the second failed; it is gone again
    const copies = stored.filter((s) => s.docId !== source)
    expect(copies).toHaveLength(1)
    expect(await inner.getFile(copies[0]!.docId, copies[0]!.name)).toBeUndefined()
    // and nothing was created
    expect((await (await fetch(`${base}/api/docs`)).json()).docs.map((d: { id: string }) => d.id)).toEqual([source])
  })

  it('copies the images of this server an import names into the new document and keeps no other', async () => {
    const { tandem } = await server()
    const base = tandem.url
    const source = await newDoc(base)
    const image = png(6, 6, [10, 200, 10])
    const { body: stored } = await upload(base, source, image, 'image/png')
    const host = new URL(base).host
    const markdown = [
      `![relative](${stored.url} "t")`,
      '',
      `![absolute](http://${host}${stored.url})`,
      '',
      `![elsewhere](https://evil.example${stored.url}) ![missing](/api/docs/${source}/images/${'0'.repeat(64)}.png)`,
      '',
      '![web](https://evil.example/logo.png)',
    ].join('\n')
    const res = await fetch(`${base}/api/docs?title=Copy`, { method: 'POST', headers: { 'Content-Type': 'text/markdown' }, body: markdown })
    expect(res.status).toBe(201)
    const copy = ((await res.json()) as { id: string }).id
    const url = `/api/docs/${copy}/images/${stored.name}`
    const served = await get(base, url)
    expect(served.status).toBe(200)
    expect(served.bytes.equals(image)).toBe(true)
    const exported = await (await fetch(`${base}/api/docs/${copy}/export?format=markdown`)).text()
    expect(exported).toBe(
      [
        '# Copy',
        '',
        `![relative](${url} "t")`,
        '',
        `![absolute](${url})`,
        '',
        // another host's URL: its alt text, linked; one the source does not have: its alt text
        `[elsewhere](https://evil.example${stored.url}) missing`,
        '',
        '[web](https://evil.example/logo.png)',
        '',
      ].join('\n'),
    )
    // the copy is the new document's own: it stays when the source goes
    expect((await fetch(`${base}/api/docs/${source}`, { method: 'DELETE' })).status).toBe(204)
    expect((await get(base, url)).status).toBe(200)
  })
})

describe('document images in accounts mode', () => {
  it('lets those who may edit upload and those who may read see, by membership and by link', async () => {
    const { tandem } = await server({ auth: 'accounts' })
    const base = tandem.url
    const [alice, bob, carol, dave] = ['alice', 'bob', 'carol', 'dave'].map((n) => new Person(base, n)) as [Person, Person, Person, Person]
    for (const p of [alice, bob, carol, dave]) await p.signup(p.name)
    const id: string = (await alice.request('POST', '/api/docs', { title: 'Plans' })).body.id
    await alice.request('PUT', `/api/docs/${id}/access/members/bob`, { role: 'editor' })
    await alice.request('PUT', `/api/docs/${id}/access/members/carol`, { role: 'viewer' })
    const secret = async (role: string) => new URL((await alice.request('POST', `/api/docs/${id}/access/links`, { role })).body.url, base).searchParams.get('share')!
    const viewSecret = await secret('viewer')
    const editSecret = await secret('editor')
    const as = (p: Person | null, extra: Record<string, string> = {}) => ({ ...(p ? { Cookie: p.cookie, 'X-CSRF-Token': p.csrf } : {}), ...extra })

    const image = png(2, 2)
    const owned = await upload(base, id, image, 'image/png', as(alice))
    expect(owned.status).toBe(201)
    const path = owned.body.url as string

    const uploads: Array<[string, Record<string, string>, number]> = [
      ['editor', as(bob), 201],
      ['viewer', as(carol), 403],
      ['stranger', as(dave), 404],
      ['nobody', as(null), 401],
      ['view link', as(null, { 'X-Tandem-Share': viewSecret }), 403],
      ['edit link', as(null, { 'X-Tandem-Share': editSecret }), 201],
      ['alice without the CSRF token', { Cookie: alice.cookie }, 403],
    ]
    for (const [who, headers, status] of uploads) {
      // distinct bytes per person, so every allowed upload is a new image
      const r = await upload(base, id, png(3, 1 + who.length), 'image/png', headers)
      expect(r.status, who).toBe(status)
      expect(typeof r.body.error === 'string' || r.body.url !== undefined, who).toBe(true)
    }
    const reads: Array<[string, string, Record<string, string>, number]> = [
      ['owner', path, as(alice), 200],
      ['editor', path, as(bob), 200],
      ['viewer', path, as(carol), 200],
      ['stranger', path, as(dave), 404],
      ['nobody', path, {}, 401],
      // an <img> cannot send headers: a link's secret comes as ?share=, as on the sync URL
      ['view link (query)', `${path}?share=${viewSecret}`, {}, 200],
      ['view link (header)', path, { 'X-Tandem-Share': viewSecret }, 200],
      ['wrong link', `${path}?share=${'x'.repeat(32)}`, {}, 401],
    ]
    for (const [who, p, headers, status] of reads) {
      const r = await get(base, p, headers)
      expect(r.status, who).toBe(status)
      if (status === 200) expect(r.bytes.equals(image), who).toBe(true)
    }

    // an import brings along only images its importer may read: carol's does, dave's does not
    const name = owned.body.name as string
    for (const [p, status] of [
      [carol, 200],
      [dave, 404],
    ] as const) {
      const imported = await p.request('POST', '/api/docs?title=Mine', `![x](${path})`, { 'Content-Type': 'text/markdown' })
      expect(imported.status, p.name).toBe(201)
      expect((await get(base, `/api/docs/${imported.body.id}/images/${name}`, as(p))).status, p.name).toBe(status)
      const exported = await get(base, `/api/docs/${imported.body.id}/export?format=markdown`, as(p))
      expect(exported.bytes.toString(), p.name).toBe(status === 200 ? `# Mine\n\n![x](/api/docs/${imported.body.id}/images/${name})\n` : '# Mine\n\nx\n')
    }
  })
})

describe('document images in token mode', () => {
  it('takes the token as a bearer header to upload and as ?token= to serve, by the roles it grants', async () => {
    const secret = 'a shared secret of at least thirty-two characters'
    const { tandem } = await server({ auth: 'token', jwtSecret: secret })
    const base = tandem.url
    const sign = (docs: Record<string, string>) =>
      new SignJWT({ sub: 'u1', name: 'Ada', docs }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(Math.floor(Date.now() / 1000) + 60).sign(new TextEncoder().encode(secret))
    const editor = await sign({ plan: 'editor' })
    const viewer = await sign({ plan: 'viewer' })
    const other = await sign({ elsewhere: 'owner' })
    const image = png(3, 2)
    // a document nobody opened yet: the embedding application names it, and it may start with an image
    const up = await upload(base, 'plan', image, 'image/png', { Authorization: `Bearer ${editor}` })
    expect(up.status).toBe(201)
    expect((await upload(base, 'plan', png(1, 1), 'image/png', { Authorization: `Bearer ${viewer}` })).status).toBe(403)
    expect((await upload(base, 'plan', png(1, 1), 'image/png')).status).toBe(401)
    const served = await get(base, `${up.body.url}?token=${viewer}`)
    expect(served.status).toBe(200)
    expect(served.bytes.equals(image)).toBe(true)
    expect((await get(base, `${up.body.url}?token=${other}`)).status).toBe(404)
    expect((await get(base, up.body.url)).status).toBe(401)
  })
})

describe('image uploads at once', () => {
  /** An upload whose body is sent half now, the rest when `finish` is called. */
  function heldUpload(base: string, id: string, bytes: Buffer) {
    const url = new URL(`${base}/api/docs/${id}/images`)
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': 'image/png', 'Content-Length': String(bytes.length) } })
    const answer = new Promise<number>((resolve, reject) => {
      req.on('response', (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      })
      req.on('error', reject)
    })
    req.write(bytes.subarray(0, bytes.length >> 1))
    return { answer, finish: () => req.end(bytes.subarray(bytes.length >> 1)) }
  }

  it('takes in only a few at once: the others get 503 with Retry-After and store nothing; sent again, they are stored', async () => {
    const dir = tempDir()
    cleanups.push(dir.cleanup)
    const tandem = await startServer({ dataDir: dir.dir }, {}, { imageUploadsAtOnce: 2 })
    cleanups.push(() => tandem.close())
    const base = tandem.url
    const id = await newDoc(base)
    const image = (n: number) => png(40 + n, 30, [n * 20, 100, 200 - n * 20])

    // two uploads whose bodies are still coming hold both places
    const held = [heldUpload(base, id, image(0)), heldUpload(base, id, image(1))]
    const probe = image(2)
    const busy = await waitFor('both places taken', async () => {
      const r = await upload(base, id, probe, 'image/png')
      return r.status === 503 ? r : null
    })
    expect(busy.headers.get('retry-after')).toBe('1')
    expect(busy.body.error).toMatch(/2 images are being uploaded; try again in 1 s/)
    // five more at once: all told to come back, none stored, not even in part
    const others = [3, 4, 5, 6, 7].map(image)
    const answers = await Promise.all(others.map((bytes) => upload(base, id, bytes, 'image/png')))
    expect(answers.map((a) => a.status)).toEqual([503, 503, 503, 503, 503])
    for (const bytes of others) expect((await get(base, `/api/docs/${id}/images/${sha(bytes)}.png`)).status).toBe(404)

    // the held two finish and are stored; the places are free again
    for (const h of held) h.finish()
    expect(await Promise.all(held.map((h) => h.answer))).toEqual([201, 201])
    for (const bytes of [...others, probe]) expect([200, 201]).toContain((await upload(base, id, bytes, 'image/png')).status)
    for (const bytes of [image(0), image(1), probe, ...others]) {
      const stored = await get(base, `/api/docs/${id}/images/${sha(bytes)}.png`)
      expect(stored.status).toBe(200)
      expect(stored.bytes.equals(bytes)).toBe(true)
    }
  })
})
