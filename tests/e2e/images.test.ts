/**
 * Images in real Chromium against the real server: a PNG pasted, dropped or picked with the
 * toolbar's button uploads (a placeholder shows meanwhile), and the other person sees it rendered;
 * it is still there after a reload and in the exported Markdown and web page. An upload that fails
 * or cannot start offline says so and leaves nothing behind; a pasted page's images from elsewhere
 * become links and are never fetched, and those it holds itself (data: URIs) upload; an image can
 * be selected and deleted, and described. Ten pasted at once into a server that takes two uploads
 * at a time all arrive: the editor sends again those told to (503, Retry-After).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { Browser, Page, Route } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from '../../shared/schema-version.js'
import { png } from '../helpers/png.js'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, content, converged, editor, freshDocId, MOD, openDoc, openPair, paste, SKIP_REASON, startAppServer, text, useBrowserAndServer, waitForSave, waitForText } from './harness.js'

const IMAGE = png(24, 16, [30, 90, 200])
const NAME = `${createHash('sha256').update(IMAGE).digest('hex')}.png`

/** Pastes (or drops at the end of the editor) an image file into `page`'s editor, as the clipboard of an image editor fills it. */
async function transferFile(page: Page, bytes: Buffer, how: 'paste' | 'drop', name = 'chart.png', type = 'image/png'): Promise<void> {
  await page.locator('tandem-doc-editor').evaluate(
    (el, { data, how, name, type }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const view = (el as any).view
      view.focus()
      const transfer = new DataTransfer()
      transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type }))
      if (how === 'paste') {
        view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
        return
      }
      const box = view.dom.getBoundingClientRect()
      view.dom.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, clientX: box.left + 5, clientY: box.bottom - 5, bubbles: true, cancelable: true }))
    },
    { data: bytes.toString('base64'), how, name, type },
  )
}

/** The images of `page`'s editor: their src, alt and whether the browser decoded them. */
function images(page: Page): Promise<Array<{ src: string | null; alt: string; width: number }>> {
  // img.image: ProseMirror puts an img of its own after an inline node ending a line (a caret stop)
  return editor(page).evaluate((dom) => [...dom.querySelectorAll<HTMLImageElement>('img.image')].map((img) => ({ src: img.getAttribute('src'), alt: img.alt, width: img.complete ? img.naturalWidth : 0 })))
}

/** Waits until `page` shows `count` images, every one decoded (naturalWidth > 0). */
function waitForImages(page: Page, count: number, timeoutMs = 15_000): Promise<unknown> {
  return waitFor(
    `${count} decoded image(s)`,
    async () => {
      const seen = await images(page)
      if (seen.length !== count || seen.some((i) => i.width === 0)) throw new Error(`the editor shows ${JSON.stringify(seen)}`)
      return true
    },
    timeoutMs,
    25,
  )
}

/** The image nodes of a document as ProseMirror JSON. */
function imageNodes(json: unknown): Array<{ src: string; alt: string }> {
  const out: Array<{ src: string; alt: string }> = []
  const walk = (node: { type?: string; attrs?: { src: string; alt: string }; content?: unknown[] }) => {
    if (node.type === 'image') out.push({ src: node.attrs!.src, alt: node.attrs!.alt })
    for (const child of node.content ?? []) walk(child as typeof node)
  }
  walk(json as Parameters<typeof walk>[0])
  return out
}

/** Holds the page's image uploads until the returned function is called. */
async function holdUploads(page: Page): Promise<() => void> {
  let release!: () => void
  const gate = new Promise<void>((resolve) => (release = resolve))
  await page.route('**/api/docs/*/images', async (route: Route) => {
    await gate
    await route.continue()
  })
  return release
}

describe.skipIf(!CHROMIUM)(`images${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let server: AppServer
  let browser: Browser

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('a pasted PNG uploads behind a placeholder, the other person sees it, and it survives a reload and the exports', async () => {
    const docId = freshDocId('images')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      await editor(alice.page).click()
      await alice.page.keyboard.type('Chart: ')
      const release = await holdUploads(alice.page)
      await transferFile(alice.page, IMAGE, 'paste')
      // the placeholder shows where the image goes while the upload runs; nothing is in the document yet
      await editor(alice.page).locator('.image-uploading').waitFor({ state: 'visible' })
      expect(await editor(alice.page).locator('.image-uploading').innerText()).toContain('chart.png')
      expect(imageNodes(await content(alice.page))).toEqual([])
      release()
      await waitForImages(alice.page, 1)
      await waitForImages(bob.page, 1)
      expect(await editor(alice.page).locator('.image-uploading').count()).toBe(0)
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([{ src: `/api/docs/${docId}/images/${NAME}`, alt: 'chart' }])
      // the bytes the server holds are the ones pasted
      expect(Buffer.from((await server.storage.getFile(docId, NAME))!.bytes).equals(IMAGE)).toBe(true)

      await waitForSave(alice.page, 'saved')
      await bob.page.reload()
      await waitForImages(bob.page, 1)

      // the server's Markdown export, and the editor's own downloads
      const exported = await (await fetch(`${server.url}/api/docs/${docId}/export?format=markdown`)).text()
      expect(exported).toBe(`Chart: ![chart](/api/docs/${docId}/images/${NAME})\n`)
      const download = async (format: 'Markdown' | 'Web page') => {
        await bob.page.locator('tandem-download-menu button.toggle').click()
        const [file] = await Promise.all([bob.page.waitForEvent('download'), bob.page.locator('tandem-download-menu .list button', { hasText: format }).click()])
        return readFileSync((await file.path())!, 'utf8')
      }
      expect(await download('Markdown')).toBe(`Chart: ![chart](${server.url}/api/docs/${docId}/images/${NAME})\n`)
      const page = await download('Web page')
      expect(page).toContain(`<img alt="chart" class="image" src="data:image/png;base64,${IMAGE.toString('base64')}">`)
      expect(page).not.toContain('/api/docs/')
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('a dropped file and one picked with the toolbar button go in; the same bytes are one image; select and delete, describe', async () => {
    const docId = freshDocId('images-drop')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      await transferFile(alice.page, IMAGE, 'drop', 'dropped.png')
      await waitForImages(bob.page, 1)
      // the toolbar's button opens a file picker
      const [chooser] = await Promise.all([alice.page.waitForEvent('filechooser'), alice.page.locator('tandem-toolbar button[data-id="image"]').click()])
      await chooser.setFiles({ name: 'picked.png', mimeType: 'image/png', buffer: IMAGE })
      await waitForImages(bob.page, 2)
      const nodes = imageNodes(await converged([alice.page, bob.page]))
      expect(nodes.map((n) => n.alt)).toEqual(['dropped', 'picked'])
      // the same bytes: the same URL
      expect(new Set(nodes.map((n) => n.src)).size).toBe(1)

      // a click selects an image; the description button sets its alt text, for everyone
      await editor(alice.page).locator('img.image').first().click()
      await alice.page.locator('tandem-toolbar button[data-id="imageAlt"]').click()
      const input = alice.page.locator('tandem-toolbar #alt-input')
      expect(await input.inputValue()).toBe('dropped')
      await input.fill('Sales by quarter')
      await input.press('Enter')
      await waitFor('the description at Bob', async () => (await images(bob.page))[0]?.alt === 'Sales by quarter', 10_000, 25)

      // selected, Backspace deletes it, for everyone
      await editor(alice.page).locator('img.image').first().click()
      await alice.page.keyboard.press('Backspace')
      await waitFor('one image left at Bob', async () => (await images(bob.page)).length === 1, 10_000, 25)
      expect(imageNodes(await converged([alice.page, bob.page])).map((n) => n.alt)).toEqual(['picked'])
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('an image selected here and deleted by the other person goes for both; what is typed next is not lost, nor the image back', async () => {
    const docId = freshDocId('images-selected')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      await editor(alice.page).click()
      await alice.page.keyboard.type('Chart: ')
      await transferFile(alice.page, IMAGE, 'paste', 'chart.png')
      await waitForImages(bob.page, 1)
      await editor(alice.page).click()
      await alice.page.keyboard.press(`${MOD}+End`)
      await alice.page.keyboard.type(' and more text')
      await waitForText(bob.page, ' and more text')
      // Alice selects the image; Bob deletes it
      await editor(alice.page).locator('img.image').click()
      await editor(bob.page).locator('img.image').click()
      await bob.page.keyboard.press('Backspace')
      await waitFor('the image gone at Alice', async () => (await images(alice.page)).length === 0, 10_000, 25)
      expect(alice.errors).toEqual([])
      // what Alice types goes in (the caret stays in that paragraph), takes nothing with it, and brings no image back
      await alice.page.keyboard.type('X')
      await waitForText(bob.page, 'X')
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([])
      expect((await text(bob.page)).replace('X', '')).toBe('Chart:  and more text')
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('undoing the image just described takes back the description, then the image, for both, and nothing else', async () => {
    const docId = freshDocId('images-undo')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      // Bob's text: Alice's undo never takes it
      await editor(bob.page).click()
      await bob.page.keyboard.type('Before. ')
      await waitForText(alice.page, 'Before. ')
      await editor(alice.page).click()
      await alice.page.keyboard.press(`${MOD}+End`)
      await transferFile(alice.page, IMAGE, 'paste', 'chart.png')
      await waitForImages(bob.page, 1)
      await editor(alice.page).locator('img.image').click()
      await alice.page.locator('tandem-toolbar button[data-id="imageAlt"]').click()
      const input = alice.page.locator('tandem-toolbar #alt-input')
      await input.fill('Sales by quarter')
      await input.press('Enter')
      await waitFor('the description at Bob', async () => (await images(bob.page))[0]?.alt === 'Sales by quarter', 10_000, 25)
      // the image stays selected; Ctrl+Z until it is gone (the description first, unless it joined the image's step)
      await alice.page.keyboard.press(`${MOD}+z`)
      if ((await images(alice.page)).length === 1) {
        await waitFor('the description taken back', async () => (await images(alice.page))[0]?.alt === 'chart', 10_000, 25)
        await alice.page.keyboard.press(`${MOD}+z`)
      }
      await waitFor('the image gone at Bob', async () => (await images(bob.page)).length === 0, 10_000, 25)
      expect(alice.errors).toEqual([])
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([])
      // Bob's text stays, and both editors go on together
      expect(await text(alice.page)).toBe('Before. ')
      await alice.page.keyboard.type('after')
      await waitForText(bob.page, 'after')
      expect(await text(bob.page)).toBe('Before. after')
      await converged([alice.page, bob.page])
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('ten images pasted at once into a server taking two uploads at a time all arrive: those told to wait are sent again', async () => {
    const busy = await startAppServer({}, 0, undefined, {}, { imageUploadsAtOnce: 2 })
    const docId = freshDocId('images-many')
    const alice = await openDoc(browser, busy.url, docId, { name: 'Alice', color: '#d33' })
    const notice = alice.page.locator('tandem-doc-editor .image-notice')
    try {
      const files = Array.from({ length: 10 }, (_, i) => png(20 + i, 12, [i * 25, 120, 250 - i * 25]))
      const answers: number[] = []
      alice.page.on('response', (res) => {
        if (res.request().method() === 'POST' && /\/images$/.test(res.url())) answers.push(res.status())
      })
      await editor(alice.page).click()
      // held until all ten are asked for, then let go together
      const release = await holdUploads(alice.page)
      await alice.page.locator('tandem-doc-editor').evaluate((el, all) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const view = (el as any).view
        view.focus()
        const transfer = new DataTransfer()
        all.forEach((data, i) => transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], `shot-${i}.png`, { type: 'image/png' })))
        view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
      }, files.map((f) => f.toString('base64')))
      await waitFor('ten uploads under way', async () => (await editor(alice.page).locator('.image-uploading').count()) === 10, 10_000, 25)
      release()
      await waitForImages(alice.page, 10, 30_000)
      // the server did turn some away, and every one got in all the same, each once
      expect(answers.filter((s) => s === 503).length).toBeGreaterThan(0)
      expect(answers.filter((s) => s === 201)).toHaveLength(10)
      const names = files.map((f) => `${createHash('sha256').update(f).digest('hex')}.png`)
      expect(new Set(imageNodes(await content(alice.page)).map((n) => n.src))).toEqual(new Set(names.map((n) => `/api/docs/${docId}/images/${n}`)))
      for (const [i, name] of names.entries()) expect(Buffer.from((await busy.storage.getFile(docId, name))!.bytes).equals(files[i]!)).toBe(true)
      expect(await editor(alice.page).locator('.image-uploading').count()).toBe(0)
      expect(await notice.count()).toBe(0)
    } finally {
      expect(alice.errors).toEqual([])
      await alice.context.close()
      await busy.close()
      busy.cleanupData()
    }
  })

  it('a failed upload, an upload offline and a file that is no image say so and leave nothing behind', async () => {
    const docId = freshDocId('images-fail')
    const [alice, bob] = await openPair(browser, server.url, docId)
    const notice = alice.page.locator('tandem-doc-editor .image-notice')
    try {
      await editor(alice.page).click()
      await alice.page.keyboard.type('Text')
      // the server refuses it (a file renamed .png that is not one)
      await transferFile(alice.page, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), 'paste', 'fake.png')
      await notice.waitFor({ state: 'visible' })
      expect(await notice.innerText()).toMatch(/fake\.png could not be added: The bytes are no image the server takes/)
      await notice.locator('button').click()
      await notice.waitFor({ state: 'detached' })

      // the network fails while it uploads
      await alice.page.route('**/api/docs/*/images', (route) => route.abort('connectionreset'))
      await transferFile(alice.page, IMAGE, 'paste')
      await notice.waitFor({ state: 'visible' })
      expect(await notice.innerText()).toMatch(/offline/)
      await alice.page.unroute('**/api/docs/*/images')

      // offline before it starts
      await alice.context.setOffline(true)
      await transferFile(alice.page, IMAGE, 'drop')
      await waitFor('the offline notice', async () => /You are offline/.test(await notice.innerText()), 5_000, 25)
      await alice.context.setOffline(false)

      // not an image at all
      await transferFile(alice.page, Buffer.from('GIF89a'), 'paste', 'anim.svg', 'image/svg+xml')
      await waitFor('the type notice', async () => /only PNG, JPEG, GIF and WebP/.test(await notice.innerText()), 5_000, 25)

      expect(await editor(alice.page).locator('.image-uploading').count()).toBe(0)
      await waitForSave(alice.page, 'saved')
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([])
      expect(await images(alice.page)).toEqual([])
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('a pasted page keeps this document’s images; others become links and are never fetched', async () => {
    const docId = freshDocId('images-html')
    const [alice, bob] = await openPair(browser, server.url, docId)
    const fetched: string[] = []
    for (const page of [alice.page, bob.page]) {
      await page.route('https://evil.example/**', (route) => {
        fetched.push(route.request().url())
        return route.abort()
      })
    }
    try {
      await transferFile(alice.page, IMAGE, 'paste')
      await waitForImages(bob.page, 1)
      const own = `${server.url}/api/docs/${docId}/images/${NAME}`
      await paste(alice.page, { html: `<p>Logo <img src="https://evil.example/logo.png" alt="the logo"> pixel <img src="https://evil.example/p.gif" width="1" height="1"> again <img src="${own}" alt="copy"></p>` })
      await waitForImages(bob.page, 2)
      const doc = (await converged([alice.page, bob.page])) as { content: Array<{ content?: Array<{ type: string; text?: string; marks?: Array<{ attrs?: { href?: string } }> }> }> }
      expect(imageNodes(doc).map((n) => n.src)).toEqual([`/api/docs/${docId}/images/${NAME}`, `/api/docs/${docId}/images/${NAME}`])
      const pasted = doc.content.flatMap((p) => p.content ?? [])
      const logo = pasted.find((n) => n.text === 'the logo')
      expect(logo?.marks?.[0]?.attrs?.href).toBe('https://evil.example/logo.png')
      expect(fetched).toEqual([])

      // cells copied in a spreadsheet come with a picture of themselves: the text is what is pasted
      const uploads: string[] = []
      alice.page.on('request', (r) => void (r.url().includes('/images') && r.method() === 'POST' && uploads.push(r.url())))
      await alice.page.locator('tandem-doc-editor').evaluate((el, data) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const view = (el as any).view
        const transfer = new DataTransfer()
        transfer.setData('text/plain', 'A1\tB1')
        transfer.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], 'cells.png', { type: 'image/png' }))
        view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: transfer, bubbles: true, cancelable: true }))
      }, IMAGE.toString('base64'))
      await waitFor('the cells as text at Bob', async () => JSON.stringify(await content(bob.page)).includes('A1'), 10_000, 25)
      expect(uploads).toEqual([])
      expect(imageNodes(await converged([alice.page, bob.page])).length).toBe(2)
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('an image a pasted page holds as a data: URI uploads behind a placeholder and its bytes never enter the document; a spacer, a fake one and any offline become their alt text', async () => {
    const docId = freshDocId('images-data')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      await editor(alice.page).click()
      await alice.page.keyboard.type('Saved page:')
      const release = await holdUploads(alice.page)
      const uri = (bytes: Buffer) => `data:image/png;base64,${bytes.toString('base64')}`
      // what a page saved whole (or this editor's own web-page download) puts on the clipboard
      await paste(alice.page, { html: `<p> a <img src="${uri(IMAGE)}" alt="the chart"> b <img src="${uri(png(1, 1, [0, 0, 0]))}" alt="spacer"> c <img src="${uri(Buffer.from('<svg onload=alert(1)>'))}" alt="fake"> d</p>` })
      // the upload is held: a placeholder at Alice's, the text already at Bob's, no image anywhere
      await alice.page.locator('tandem-doc-editor .image-uploading').first().waitFor({ timeout: 10_000 })
      await waitFor('the pasted text at Bob', async () => JSON.stringify(await content(bob.page)).includes(' d'), 10_000, 25)
      expect(imageNodes(await content(bob.page))).toEqual([])
      release()
      await waitForImages(bob.page, 1)
      const own = `/api/docs/${docId}/images/${NAME}`
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([{ src: own, alt: 'the chart' }])
      expect(JSON.stringify(doc)).toContain('"text":" b spacer c fake d"')
      expect(Buffer.from((await server.storage.getFile(docId, NAME))!.bytes).equals(IMAGE)).toBe(true)
      // every update the server stored: the image's path, never its bytes
      await waitForSave(alice.page, 'saved')
      const stored = await waitFor(
        'the image path in the stored document',
        async () => {
          const { checkpoint, log } = await server.storage.load(docId)
          const bytes = Buffer.concat([checkpoint?.state ?? new Uint8Array(0), ...log.flatMap((e) => e.updates)])
          if (!bytes.includes(own)) throw new Error('not stored yet')
          return bytes
        },
        10_000,
        25,
      )
      expect(stored.includes('data:image')).toBe(false)
      expect(stored.includes(IMAGE.toString('base64').slice(0, 24))).toBe(false)

      // offline such an image cannot upload: it is its description at once, and the notice says why
      await alice.context.setOffline(true)
      await paste(alice.page, { html: `<p>e <img src="${uri(png(8, 8, [200, 0, 0]))}" alt="offline chart"> f</p>` })
      const notice = alice.page.locator('tandem-doc-editor .image-notice')
      await waitFor('the offline notice', async () => /You are offline/.test(await notice.innerText()), 5_000, 25)
      await alice.context.setOffline(false)
      await waitFor('the description at Bob', async () => JSON.stringify(await content(bob.page)).includes('offline chart'), 15_000, 25)
      expect(imageNodes(await converged([alice.page, bob.page]))).toEqual([{ src: own, alt: 'the chart' }])
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('an app from before images (no schema version on its sync URL, or 1) is turned away, so it cannot delete them; this app is not', async () => {
    const docId = freshDocId('images-old')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      // a page of this server opening the socket as the app before images did: admitted, the
      // server speaks first (its sync step 1); turned away, it closes with 4426 having said nothing
      const outcome = (query: string) =>
        alice.page.evaluate(
          ([path, q]) =>
            new Promise<string>((resolve) => {
              const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}${path}${q}`)
              ws.onmessage = () => {
                ws.close()
                resolve('admitted')
              }
              ws.onclose = (e) => resolve(`closed ${e.code}`)
            }),
          [`/sync/${docId}`, query] as const,
        )
      expect(await outcome('')).toBe('closed 4426')
      expect(await outcome('?schema=1')).toBe('closed 4426')
      expect(await outcome(`?schema=${SCHEMA_VERSION}`)).toBe('admitted')
    } finally {
      await alice.context.close()
      await bob.context.close()
    }
  })

  it('an image pasted from another document of this server is copied into this one; one that cannot be read becomes its description', async () => {
    const source = freshDocId('images-source')
    const upload = await fetch(`${server.url}/api/docs/${source}/images`, { method: 'POST', headers: { 'Content-Type': 'image/png' }, body: IMAGE as BodyInit })
    expect(upload.status).toBe(201)
    const docId = freshDocId('images-target')
    const [alice, bob] = await openPair(browser, server.url, docId)
    try {
      await editor(alice.page).click()
      await alice.page.keyboard.type('Copied:')
      // what ProseMirror puts on the clipboard when an image is copied in the other document
      const missing = `/api/docs/${source}/images/${'0'.repeat(64)}.png`
      await paste(alice.page, { html: `<p data-pm-slice="1 1 []"><img class="image" alt="chart" src="/api/docs/${source}/images/${NAME}"> and <img class="image" alt="ghost" src="${missing}"></p>` })
      const own = `/api/docs/${docId}/images/${NAME}`
      await waitFor('the copy in this document, at Bob', async () => (await images(bob.page)).some((i) => i.src === own && i.width > 0), 15_000, 25)
      await waitFor('the unreadable image gone at Bob', async () => JSON.stringify(await content(bob.page)).includes('"text":" and ghost"'), 15_000, 25)
      const doc = await converged([alice.page, bob.page])
      expect(imageNodes(doc)).toEqual([{ src: own, alt: 'chart' }])
      expect(Buffer.from((await server.storage.getFile(docId, NAME))!.bytes).equals(IMAGE)).toBe(true)
      expect(await alice.page.locator('tandem-doc-editor .image-notice').innerText()).toMatch(/copied from another document could not be added: you may not read it, or it is gone/)
    } finally {
      expect(alice.errors).toEqual([])
      expect(bob.errors).toEqual([])
      await alice.context.close()
      await bob.context.close()
    }
  })
})
