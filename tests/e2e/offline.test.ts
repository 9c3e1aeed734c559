/**
 * Offline editing in Chromium: one person's browser loses the network while both keep typing,
 * and both end with identical documents when it comes back; then the server itself stops, both
 * keep typing, one reloads the page while the server is down (the app comes from the service
 * worker, the document from IndexedDB), and after the server restarts on the same port and data
 * everything merges, on both screens and on disk. Behind a reverse proxy, which answers 502 while
 * the server is down, a reload still shows the document. What one person types into a paragraph
 * the other rewrites (a heading, a list, code, joined) while apart stays, and a paragraph both gave
 * a new type while apart stays one block.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { startProxy, type Proxy } from '../helpers/proxy.js'
import { waitFor } from '../helpers/wait.js'
import { caretIn, type JSONNode, runs, shape, waitForShape } from './doc-shape.js'
import { type AppServer, caretTo, CHROMIUM, content, converged, editor, MOD, openDoc, SKIP_REASON, startAgain, status, storedText, text, useBrowserAndServer, type User, waitForKeptHere, waitForSave, waitForStatus, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`offline editing in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let docId: string
  let carol: User
  let dave: User

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    docId = (await server.catalog.create('Field notes')).id
    carol = await openDoc(browser, server.url, docId, { name: 'Carol Offline', color: '#6a1b9a' })
    dave = await openDoc(browser, server.url, docId, { name: 'Dave Online', color: '#00695c' })
    await editor(carol.page).click()
    await carol.page.keyboard.type('Shared start.')
    await waitForText(dave.page, 'Shared start.')
  })

  it('merges edits made while one browser had no network', async () => {
    await carol.context.setOffline(true)
    await waitForStatus(carol.page, 'offline')
    expect((await status(carol.page)).text).toContain('Offline')

    await carol.page.keyboard.press('Enter')
    await carol.page.keyboard.type('Written offline by Carol.')
    await caretTo(dave.page, 'end')
    await dave.page.keyboard.press('Enter')
    await dave.page.keyboard.type('Written online by Dave.')
    await waitForSave(dave.page, 'saved')
    // really apart: neither has the other's new text
    expect(await text(dave.page)).not.toContain('Carol')
    expect(await text(carol.page)).not.toContain('Dave')
    await waitForKeptHere(carol.page)

    await carol.context.setOffline(false)
    await waitForStatus(carol.page, 'connected')
    const merged = JSON.stringify(await converged([carol.page, dave.page]))
    expect(merged).toContain('Written offline by Carol.')
    expect(merged).toContain('Written online by Dave.')
    await waitForSave(carol.page, 'saved')
  })

  it('keeps working through a server restart, and a reload while the server is down', async () => {
    // the service worker must hold the app before the server goes away
    for (const user of [carol, dave]) await user.page.evaluate(async () => void (await navigator.serviceWorker.ready))
    await server.close()
    await Promise.all([waitForStatus(carol.page, 'offline'), waitForStatus(dave.page, 'offline')])

    await caretTo(carol.page, 'end')
    await carol.page.keyboard.press('Enter')
    await carol.page.keyboard.type('Carol while the server was down.')
    await caretTo(dave.page, 'start')
    await dave.page.keyboard.type('Dave first! ')

    // Dave reloads once the status says his changes are on this device: the page comes from
    // the service worker, the text from IndexedDB
    await waitForKeptHere(dave.page)
    await dave.page.reload()
    await waitForText(dave.page, 'Dave first! Shared start.')
    await waitForStatus(dave.page, 'offline')
    expect((await status(dave.page)).text).toContain('Changes kept on this device')
    await caretTo(dave.page, 'end')
    await dave.page.keyboard.type(' And after the reload.')

    // the server comes back on the same port with the same data
    server = await startAgain(server)
    await Promise.all([waitForStatus(carol.page, 'connected', 20_000), waitForStatus(dave.page, 'connected', 20_000)])
    const merged = JSON.stringify(await converged([carol.page, dave.page]))
    for (const piece of ['Dave first! Shared start.', 'Written offline by Carol.', 'Written online by Dave.', 'Carol while the server was down.', 'And after the reload.']) {
      expect(merged).toContain(piece)
    }
    await Promise.all([waitForSave(carol.page, 'saved'), waitForSave(dave.page, 'saved')])

    // and the server has all of it in its store ("saved" means journaled; the store follows)
    // each person's changes reach the store in a write of their own: wait for both
    const stored = await waitFor(
      'everything in the store',
      async () => {
        const now = await storedText(server.storage, docId)
        return now.includes('Carol while the server was down.') && now.includes('And after the reload.') ? now : null
      },
      5000,
    )
    expect(stored).toContain('Dave first! Shared start.')
    await waitFor('no page errors', () => carol.errors.length === 0 && dave.errors.length === 0, 1000)
  })
})

describe.skipIf(!CHROMIUM)(`offline editing behind a reverse proxy in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let proxy: Proxy

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    proxy = await startProxy(() => server.port)
  })

  afterAll(async () => {
    await proxy?.close()
  })

  it('reloads the document from this browser while the proxy answers 502 for the server', async () => {
    const docId = (await server.catalog.create('Behind nginx')).id
    const erin = await openDoc(browser, proxy.url, docId, { name: 'Erin Proxied', color: '#4527a0' })
    await editor(erin.page).click()
    await erin.page.keyboard.type('Kept through a 502.')
    await waitForSave(erin.page, 'saved')
    await erin.page.evaluate(async () => void (await navigator.serviceWorker.ready))
    await waitFor('the page to be controlled by the service worker', () => erin.page.evaluate(() => navigator.serviceWorker.controller !== null))

    await server.close()
    // what a person sees at the server's address now: the proxy's error page
    expect((await fetch(`${proxy.url}/d/${docId}`)).status).toBe(502)
    await waitForStatus(erin.page, 'offline')
    await erin.page.reload()
    await waitForText(erin.page, 'Kept through a 502.')
    await waitForStatus(erin.page, 'offline')
    expect(await erin.page.locator('body').innerText()).not.toContain('Bad Gateway')

    // the list says the server cannot be reached, as without a network, and a new document
    // opens in this browser as it does offline
    await erin.page.getByRole('link', { name: 'All documents', exact: true }).click()
    const alert = erin.page.locator('tandem-doc-list [role="alert"]')
    await alert.waitFor()
    await alert.getByRole('button', { name: 'Try again' }).click()
    await waitFor('the list to say the server cannot be reached', async () => {
      const said = await alert.innerText()
      if (!said.includes('cannot be reached')) throw new Error(`the list says ${JSON.stringify(said)}`)
      return true
    }, 5_000)
    await erin.page.getByRole('button', { name: 'New document' }).click()
    await erin.page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/, { timeout: 5_000 })
    await editor(erin.page).click()
    await erin.page.keyboard.type('Started while the proxy said 502.')
    await waitForKeptHere(erin.page)
    expect(erin.errors).toEqual([])
  })
})

describe.skipIf(!CHROMIUM)(`two people offline in the same paragraph in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('merges what both typed at the same place and in the same words, on both screens and in the store', async () => {
    const docId = (await server.catalog.create('Minutes')).id
    const fay = await openDoc(browser, server.url, docId, { name: 'Fay Offline', color: '#bf360c' })
    const gus = await openDoc(browser, server.url, docId, { name: 'Gus Offline', color: '#33691e' })
    await editor(fay.page).click()
    await fay.page.keyboard.type('We meet on Monday.')
    await waitForText(gus.page, 'We meet on Monday.')
    await waitForSave(fay.page, 'saved')

    await Promise.all([fay.context.setOffline(true), gus.context.setOffline(true)])
    await Promise.all([waitForStatus(fay.page, 'offline'), waitForStatus(gus.page, 'offline')])
    // both at the end of the same paragraph, and both rewrite its last word
    await caretTo(fay.page, 'end')
    await fay.page.keyboard.type(' Fay agrees.')
    await caretTo(gus.page, 'end')
    await gus.page.keyboard.type(' Gus agrees.')
    for (const page of [fay.page, gus.page]) {
      await caretTo(page, 'start')
      for (let i = 0; i < 'We meet on '.length; i++) await page.keyboard.press('ArrowRight')
      for (let i = 0; i < 'Monday'.length; i++) await page.keyboard.press('Delete')
    }
    await fay.page.keyboard.type('Tuesday')
    await gus.page.keyboard.type('Friday')
    for (const page of [fay.page, gus.page]) await waitForKeptHere(page)

    await Promise.all([fay.context.setOffline(false), gus.context.setOffline(false)])
    const merged = JSON.stringify(await converged([fay.page, gus.page]))
    for (const piece of ['Fay agrees.', 'Gus agrees.', 'Tuesday', 'Friday']) expect(merged.split(piece).length - 1).toBe(1)
    expect(merged).not.toContain('Monday')
    await Promise.all([waitForSave(fay.page, 'saved'), waitForSave(gus.page, 'saved')])
    const shown = await text(fay.page)
    await waitFor('the store to hold what both screens show', async () => (await storedText(server.storage, docId)).includes(`<paragraph>${shown}</paragraph>`), 10_000)
    expect(fay.errors).toEqual([])
    expect(gus.errors).toEqual([])
    await Promise.all([fay.context.close(), gus.context.close()])
  })

  /** A new document holding `First` and `Hello world`, open for Fay and Gus, and saved. */
  async function firstAndHello(title: string): Promise<{ docId: string; fay: User; gus: User }> {
    const docId = (await server.catalog.create(title)).id
    const fay = await openDoc(browser, server.url, docId, { name: 'Fay', color: '#bf360c' })
    const gus = await openDoc(browser, server.url, docId, { name: 'Gus', color: '#33691e' })
    await editor(fay.page).click()
    await fay.page.keyboard.type('First')
    await fay.page.keyboard.press('Enter')
    await fay.page.keyboard.type('Hello world')
    await waitForText(gus.page, 'Hello world')
    await waitForSave(fay.page, 'saved')
    return { docId, fay, gus }
  }

  it('keeps what one person typed and made bold in a paragraph the other made a heading, list or code, or joined to the one above, while apart', async () => {
    // (code holds no bold: there the words come back plain)
    for (const [change, want, rewriterOffline, bold] of [
      [`${MOD}+Alt+2`, 'p"First" h2"Hello world, typed apart"', true, true],
      [`${MOD}+Shift+8`, 'p"First" bullet(item(p"Hello world, typed apart"))', true, true],
      [`${MOD}+Alt+c`, 'p"First" code"Hello world, typed apart"', false, false],
      ['Home Backspace', 'p"FirstHello world, typed apart"', false, true],
    ] as const) {
      const { docId, fay, gus } = await firstAndHello('Rewritten')
      // one of them has no network; the other's change reaches the server first
      const away = rewriterOffline ? gus : fay
      await away.context.setOffline(true)
      await waitForStatus(away.page, 'offline')
      await caretIn(gus.page, 'Hello world', 5)
      for (const key of change.split(' ')) await gus.page.keyboard.press(key)
      await caretIn(fay.page, 'Hello world', 11)
      await fay.page.keyboard.type(', typed apart')
      // and makes "world" bold
      await caretIn(fay.page, 'Hello world, typed apart', 6)
      for (let i = 0; i < 5; i++) await fay.page.keyboard.press('Shift+ArrowRight')
      await fay.page.keyboard.press(`${MOD}+b`)
      await waitForKeptHere(away.page)
      await away.context.setOffline(false)
      await waitForShape(fay.page, want).catch((err: Error) => {
        throw new Error(`${change}: ${err.message}`)
      })
      await converged([fay.page, gus.page])
      expect(await shape(gus.page), change).toBe(want)
      for (const page of [fay.page, gus.page]) expect(runs((await content(page)) as JSONNode).filter(([, marks]) => marks.includes('bold')), change).toEqual(bold ? [['world', ['bold']]] : [])
      await Promise.all([waitForSave(fay.page, 'saved'), waitForSave(gus.page, 'saved')])
      await waitFor('the store to hold the words typed apart', async () => (await storedText(server.storage, docId)).includes(', typed apart'), 10_000)
      expect([...fay.errors, ...gus.errors]).toEqual([])
      await Promise.all([fay.context.close(), gus.context.close()])
    }
  }, 120_000)

  it('keeps one block, not two, when both gave the same paragraph a new type while apart; a block typed into stays whole', async () => {
    for (const [fayKeys, gusKeys, wants, typed] of [
      [`${MOD}+Alt+2`, `${MOD}+Alt+2`, ['p"First" h2"Hello world"'], ''],
      [`${MOD}+Alt+2`, `${MOD}+Shift+8`, ['p"First" h2"Hello world"', 'p"First" bullet(item(p"Hello world"))'], ''],
      [`${MOD}+Alt+3`, `${MOD}+Alt+c`, ['p"First" h3"Hello world" code"Hello world, more"', 'p"First" code"Hello world, more" h3"Hello world"'], ', more'],
    ] as const) {
      const { docId, fay, gus } = await firstAndHello('Twice')
      await fay.context.setOffline(true)
      await waitForStatus(fay.page, 'offline')
      await caretIn(fay.page, 'Hello world', 5)
      await fay.page.keyboard.press(fayKeys)
      await caretIn(gus.page, 'Hello world', 11)
      await gus.page.keyboard.press(gusKeys)
      // in the new block, so it differs from the other's: both stay
      if (typed) await gus.page.keyboard.type(typed)
      await waitForSave(gus.page, 'saved')
      await waitForKeptHere(fay.page)
      await fay.context.setOffline(false)
      const label = `${fayKeys} and ${gusKeys}${typed ? ', typed into' : ''}`
      await waitFor(`${label}: one of ${wants.join(' or ')}`, async () => (wants as readonly string[]).includes(await shape(fay.page)), 15_000).catch(async (err: Error) => {
        throw new Error(`${err.message}; Fay has ${await shape(fay.page)}`)
      })
      await converged([fay.page, gus.page])
      expect(await shape(gus.page), label).toBe(await shape(fay.page))
      await Promise.all([waitForSave(fay.page, 'saved'), waitForSave(gus.page, 'saved')])
      const times = async () => (await storedText(server.storage, docId)).split('Hello world').length - 1
      await waitFor(`${label}: the store to hold what the screens show`, async () => (await times()) === (typed ? 2 : 1), 10_000).catch(async (err: Error) => {
        throw new Error(`${err.message}; it holds "Hello world" ${await times()} times`)
      })
      expect([...fay.errors, ...gus.errors]).toEqual([])
      await Promise.all([fay.context.close(), gus.context.close()])
    }
  }, 120_000)
})

describe.skipIf(!CHROMIUM)(`a document opened offline for the first time in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('says it is not loaded yet rather than saved, keeps what is typed there, and merges it once online', async () => {
    const known = (await server.catalog.create('Known')).id
    const unseen = (await server.catalog.create('Minutes')).id
    const bob = await openDoc(browser, server.url, unseen, { name: 'Bob Online', color: '#1565c0' })
    await editor(bob.page).click()
    await bob.page.keyboard.type('Agreed items.')
    await waitForSave(bob.page, 'saved')
    // Erin has the app (service worker) from another document, then loses the network and
    // follows a link to this one, which her browser has never loaded
    const erin = await openDoc(browser, server.url, known, { name: 'Erin Away', color: '#ad1457' })
    await erin.page.evaluate(async () => void (await navigator.serviceWorker.ready))
    await erin.context.setOffline(true)
    await erin.page.goto(`${server.url}/d/${unseen}`)
    await editor(erin.page).waitFor({ state: 'visible' })
    await waitFor('the status to say it is not loaded', async () => (await status(erin.page)).text === 'Offline · Not loaded yet', 10_000, 25)
    expect(await text(erin.page)).toBe('')

    await editor(erin.page).click()
    await erin.page.keyboard.type('Erin offline.')
    await waitForKeptHere(erin.page)
    await erin.context.setOffline(false)
    await waitForStatus(erin.page, 'connected', 20_000)
    const merged = JSON.stringify(await converged([erin.page, bob.page]))
    expect(merged).toContain('Agreed items.')
    expect(merged).toContain('Erin offline.')
    await waitForSave(erin.page, 'saved')
    expect((await status(erin.page)).text).toContain('All changes saved')
    expect([...erin.errors, ...bob.errors]).toEqual([])
    await erin.context.close()
    await bob.context.close()
  })
})
