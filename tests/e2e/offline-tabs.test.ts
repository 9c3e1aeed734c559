/**
 * Offline work in several tabs of one browser, in Chromium against a real server: the tabs share
 * the network, the IndexedDB copy and the list of documents with changes the server has not
 * confirmed. Whatever a tab wrote offline reaches the server once the network is back, whether
 * that tab is still open or not, and every tab ends up showing it.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, caretTo, CHROMIUM, converged, editor, openDoc, SKIP_REASON, startAgain, storedText, text, useBrowserAndServer, type User, waitForKeptHere, waitForSave, waitForStatus, waitForText } from './harness.js'

/** Opens `docId` in a new tab of `user`'s browser and waits until it is connected. */
async function newTab(user: User, docId: string): Promise<Page> {
  const page = await user.context.newPage()
  page.on('pageerror', (err) => user.errors.push(err.message))
  await page.goto(`/d/${docId}`)
  await editor(page).waitFor({ state: 'visible' })
  await waitForStatus(page, 'connected')
  return page
}

/** Types `words` at the end of the document in `page`. */
async function typeAtEnd(page: Page, words: string): Promise<void> {
  await caretTo(page, 'end')
  await page.keyboard.type(words)
}

describe.skipIf(!CHROMIUM)(`offline work in several tabs in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('sends what a tab closed offline wrote, while another tab still has the document open', async () => {
    const docId = (await server.catalog.create('Packing list')).id
    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Two Tabs', color: '#1565c0' })
    await editor(ann.page).click()
    await ann.page.keyboard.type('Tent.')
    await waitForSave(ann.page, 'saved')
    const second = await newTab(ann, docId)
    await waitForText(second, 'Tent.')

    await ann.context.setOffline(true)
    await Promise.all([waitForStatus(ann.page, 'offline'), waitForStatus(second, 'offline')])
    await typeAtEnd(second, ' Stove from the second tab.')
    await waitForKeptHere(second)
    // the tabs still share their changes offline: the first shows it, and knows the server lacks it
    await waitForText(ann.page, 'Tent. Stove from the second tab.')
    await waitForKeptHere(ann.page)
    await second.close()

    // the first tab stays on the document; the network comes back
    await ann.context.setOffline(false)
    await waitForStatus(ann.page, 'connected')
    await waitFor('the closed tab\'s text in the store', async () => (await storedText(server.storage, docId)).includes('Tent. Stove from the second tab.'), 15_000)
    await waitForText(ann.page, 'Tent. Stove from the second tab.')
    await waitForSave(ann.page, 'saved')
    expect(ann.errors).toEqual([])
    await ann.context.close()
  })

  it('a tab opened online beside another never says "Saving..." for what that tab shares with it', async () => {
    const docId = (await server.catalog.create('Recipes')).id
    const cy = await openDoc(browser, server.url, docId, { name: 'Cy Two Tabs', color: '#00838f' })
    await editor(cy.page).click()
    await cy.page.keyboard.type('Pancakes need eggs, milk and flour.')
    await waitForSave(cy.page, 'saved')
    const second = await cy.context.newPage()
    // every save state the status shows in the new tab, from its first frame
    await second.addInitScript(() => {
      const seen: string[] = []
      Object.assign(window, { seenSaveStates: seen })
      const look = () => {
        const el = document.querySelector('tandem-app')?.shadowRoot?.querySelector('tandem-doc-editor')?.shadowRoot?.querySelector('tandem-connection-status')
        const save = el?.getAttribute('save')
        if (save && seen[seen.length - 1] !== save) seen.push(save)
        requestAnimationFrame(look)
      }
      requestAnimationFrame(look)
    })
    await second.goto(`/d/${docId}`)
    await waitForStatus(second, 'connected')
    await waitForText(second, 'Pancakes need eggs')
    await waitForSave(second, 'saved')
    expect(await second.evaluate(() => (window as unknown as { seenSaveStates: string[] }).seenSaveStates)).toEqual(['saved'])
    expect(cy.errors).toEqual([])
    await cy.context.close()
  })

  it('sends what a tab closed while the server was down wrote, from a tab left on the list, once the server is back', async () => {
    const docId = (await server.catalog.create('Reading list')).id
    const dee = await openDoc(browser, server.url, docId, { name: 'Dee Two Tabs', color: '#6d4c41' })
    await editor(dee.page).click()
    await dee.page.keyboard.type('Dune.')
    await waitForSave(dee.page, 'saved')
    const list = await dee.context.newPage()
    list.on('pageerror', (err) => dee.errors.push(err.message))
    await list.goto('/')
    await list.locator('tandem-doc-list li .title').filter({ hasText: 'Reading list' }).waitFor()

    // the server stops; the network stays up. Dee writes on, then closes the document's tab
    await server.close()
    await waitForStatus(dee.page, 'offline')
    await typeAtEnd(dee.page, ' Emma.')
    await waitForKeptHere(dee.page)
    await dee.page.close()

    // the server comes back: the tab on the list sends what the closed tab kept
    server = await startAgain(server)
    await waitFor('the closed tab\'s text in the store', async () => (await storedText(server.storage, docId)).includes('Dune. Emma.'), 20_000)
    expect(dee.errors).toEqual([])
    await dee.context.close()
  })

  it('merges what two tabs wrote offline, once each, and both say saved', async () => {
    const docId = (await server.catalog.create('Menu')).id
    const bo = await openDoc(browser, server.url, docId, { name: 'Bo Two Tabs', color: '#ad1457' })
    await editor(bo.page).click()
    await bo.page.keyboard.type('Soup.')
    await waitForSave(bo.page, 'saved')
    const second = await newTab(bo, docId)
    await waitForText(second, 'Soup.')

    await bo.context.setOffline(true)
    await Promise.all([waitForStatus(bo.page, 'offline'), waitForStatus(second, 'offline')])
    await typeAtEnd(bo.page, ' Bread one.')
    await typeAtEnd(second, ' Cheese two.')
    await Promise.all([waitForKeptHere(bo.page), waitForKeptHere(second)])

    await bo.context.setOffline(false)
    await Promise.all([waitForStatus(bo.page, 'connected'), waitForStatus(second, 'connected')])
    const merged = JSON.stringify(await converged([bo.page, second]))
    for (const piece of ['Soup.', 'Bread one.', 'Cheese two.']) expect(merged.split(piece).length - 1).toBe(1)
    await Promise.all([waitForSave(bo.page, 'saved'), waitForSave(second, 'saved')])
    const stored = await waitFor('both tabs\' text in the store', async () => {
      const now = await storedText(server.storage, docId)
      return now.includes('Bread one.') && now.includes('Cheese two.') ? now : null
    }, 15_000)
    expect(stored.split('Soup.').length - 1).toBe(1)
    expect(await text(bo.page)).toBe(await text(second))
    expect(bo.errors).toEqual([])
    await bo.context.close()
  })
})
