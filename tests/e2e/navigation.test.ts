/**
 * A long session in one tab, without reloading: going from the list to a document and back,
 * thirty times over two documents, leaves no WebSocket open in the page or in the server, no
 * document loaded in the server, no IndexedDB connection open, and a heap that does not grow
 * with each visit. Back and forward between documents show each its own title and text.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Browser, CDPSession, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, openAs, SKIP_REASON, text, useBrowserAndServer, type User, waitForStatus } from './harness.js'

const ERIN = { name: 'Erin Wanders', color: '#bf360c' }

/** Used JS heap after full collections, in bytes. */
async function heapAfterGc(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage')
  await cdp.send('HeapProfiler.collectGarbage')
  const { usedSize } = await cdp.send('Runtime.getHeapUsage')
  return usedSize
}

describe.skipIf(!CHROMIUM)(`moving between documents in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let erin: User
  const docs: Array<{ id: string; title: string }> = []

  const go = (page: Page, path: string) => page.evaluate((p) => (document.querySelector('tandem-app') as unknown as { router: { go(p: string): void } }).router.go(p), path)
  const connections = async () => /^tandem_connections (\d+)$/m.exec(await server.metrics.registry.metrics())?.[1]
  const openSockets = () => erin.page.evaluate(() => (window as unknown as { openSockets: Set<WebSocket> }).openSockets.size)

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    for (const title of ['Alpha notes', 'Beta notes']) docs.push({ id: (await server.catalog.create(title)).id, title })
    erin = await openAs(browser, server.url, '/', ERIN)
    // the page's WebSockets, counted from before the app loads (again) until they close
    await erin.context.addInitScript(() => {
      const open = new Set<WebSocket>()
      ;(window as unknown as { openSockets: Set<WebSocket> }).openSockets = open
      const Native = window.WebSocket
      window.WebSocket = class extends Native {
        constructor(url: string | URL, protocols?: string | string[]) {
          super(url, protocols)
          open.add(this)
          this.addEventListener('close', () => open.delete(this))
        }
      }
    })
    await erin.page.reload()
    await erin.page.locator('tandem-doc-list').waitFor()
  })

  it('thirty visits leave no socket, no loaded document, no open local copy, and no heap growth', async () => {
    const cdp = await erin.context.newCDPSession(erin.page)
    let settledHeap = 0
    for (let i = 0; i < 30; i++) {
      const doc = docs[i % 2]!
      await go(erin.page, `/d/${doc.id}`)
      await waitFor(`"${doc.title}" open`, async () => (await erin.page.locator('input.title').inputValue()) === doc.title)
      await waitForStatus(erin.page, 'connected')
      expect(await openSockets()).toBe(1)
      await go(erin.page, '/')
      await erin.page.locator('tandem-doc-list').waitFor()
      // the first visits warm caches up (code, styles): measure from the tenth on
      if (i === 9) settledHeap = await heapAfterGc(cdp)
    }
    await waitFor('the page to close its last socket', async () => (await openSockets()) === 0)
    await waitFor('the server to hold no connection', async () => (await connections()) === '0')
    await waitFor('the server to unload both documents', () => server.registry.size === 0)
    // a local copy still held open by a connection would block its deletion
    const deleted = await erin.page.evaluate(
      (name) =>
        new Promise<string>((resolve) => {
          const request = indexedDB.deleteDatabase(name)
          request.onsuccess = () => resolve('deleted')
          request.onblocked = () => resolve('blocked')
          request.onerror = () => resolve('error')
        }),
      `tandem:${docs[0]!.id}`,
    )
    expect(deleted).toBe('deleted')
    // twenty more visits hold no more than a fraction of one editor each
    expect(await heapAfterGc(cdp)).toBeLessThan(settledHeap + 1024 * 1024)
    expect(erin.errors).toEqual([])
  })

  it('back and forward between documents show each its own title and text', async () => {
    const [alpha, beta] = docs as [{ id: string; title: string }, { id: string; title: string }]
    await go(erin.page, `/d/${alpha.id}`)
    await waitForStatus(erin.page, 'connected')
    await erin.page.locator('.ProseMirror').click()
    await erin.page.keyboard.type('Only in alpha.')
    await go(erin.page, `/d/${beta.id}`)
    await waitFor('beta open', async () => (await erin.page.locator('input.title').inputValue()) === beta.title)
    await waitForStatus(erin.page, 'connected')
    // undo in beta has nothing of alpha's to take back
    await erin.page.locator('.ProseMirror').click()
    await erin.page.keyboard.press('Control+z')
    await erin.page.keyboard.press('Control+z')
    expect(await text(erin.page)).toBe('')
    expect(await erin.page.title()).toBe(`${beta.title} · Tandem`)
    await erin.page.goBack()
    await waitFor('alpha again', async () => (await erin.page.locator('input.title').inputValue()) === alpha.title)
    await waitFor("alpha's text", async () => (await text(erin.page)) === 'Only in alpha.')
    expect(await erin.page.title()).toBe(`${alpha.title} · Tandem`)
    await erin.page.goForward()
    await waitFor('beta again', async () => (await erin.page.locator('input.title').inputValue()) === beta.title)
    expect(await text(erin.page)).toBe('')
    expect(await erin.page.title()).toBe(`${beta.title} · Tandem`)
    expect(erin.errors).toEqual([])
  })
})
