/**
 * A network that comes and goes several times in a row, in Chromium against a real server: while
 * a person types in an open document, and while the background sync sends a document that was
 * left. Every edit reaches the server exactly once, the screens converge, and the status ends
 * "All changes saved"; nothing stays pending.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, caretTo, CHROMIUM, converged, editor, openDoc, SKIP_REASON, storedText, useBrowserAndServer, type User, waitForKeptHere, waitForSave, waitForStatus } from './harness.js'

/** The documents this browser remembers as holding changes the server has not confirmed. */
const pendingDocs = (page: Page) => page.evaluate(() => Object.keys(JSON.parse(localStorage.getItem('tandem.pending') ?? '{}') as object))

/** Switches `user`'s network off and on `times` times, waiting for the page to notice each switch. */
async function flap(user: User, times: number, onEach?: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < times; i++) {
    await user.context.setOffline(true)
    await waitFor('the page to see the network gone', () => user.page.evaluate(() => !navigator.onLine))
    await onEach?.(i)
    await user.context.setOffline(false)
    await waitFor('the page to see the network back', () => user.page.evaluate(() => navigator.onLine))
  }
}

describe.skipIf(!CHROMIUM)(`a network that comes and goes in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('keeps every word typed while the network switches off and on, once, everywhere', async () => {
    const docId = (await server.catalog.create('Flaky')).id
    const ida = await openDoc(browser, server.url, docId, { name: 'Ida Flaky', color: '#4e342e' })
    const jo = await openDoc(browser, server.url, docId, { name: 'Jo Steady', color: '#0277bd' })
    await editor(ida.page).click()
    await ida.page.keyboard.type('Start.')
    await waitForSave(ida.page, 'saved')
    await caretTo(ida.page, 'end')
    await flap(ida, 6, async (i) => {
      await ida.page.keyboard.type(` w${i}`)
    })
    await ida.page.keyboard.type(' end.')
    await waitForStatus(ida.page, 'connected')
    const merged = JSON.stringify(await converged([ida.page, jo.page]))
    for (let i = 0; i < 6; i++) expect(merged.split(` w${i}`).length - 1).toBe(1)
    await waitForSave(ida.page, 'saved')
    await waitFor('everything in the store', async () => (await storedText(server.storage, docId)).includes('Start. w0 w1 w2 w3 w4 w5 end.'), 10_000)
    await waitFor('nothing pending', async () => (await pendingDocs(ida.page)).length === 0)
    expect(ida.errors).toEqual([])
    await Promise.all([ida.context.close(), jo.context.close()])
  })

  it('sends a document left offline once the network settles after coming and going during the sync', async () => {
    const docId = (await server.catalog.create('Left behind')).id
    const kim = await openDoc(browser, server.url, docId, { name: 'Kim Flaky', color: '#558b2f' })
    await editor(kim.page).click()
    await kim.page.keyboard.type('Online.')
    await waitForSave(kim.page, 'saved')
    await kim.context.setOffline(true)
    await waitForStatus(kim.page, 'offline')
    await kim.page.keyboard.type(' Offline.')
    await waitForKeptHere(kim.page)
    await kim.page.getByRole('link', { name: 'All documents', exact: true }).click()
    await kim.page.waitForURL(/\/$/)

    await kim.context.setOffline(false)
    await flap(kim, 5)
    await waitFor('the offline edit in the store', async () => (await storedText(server.storage, docId)).includes('Online. Offline.'), 15_000)
    await waitFor('nothing pending', async () => (await pendingDocs(kim.page)).length === 0, 15_000)
    expect((await storedText(server.storage, docId)).split('Offline.').length - 1).toBe(1)
    expect(kim.errors).toEqual([])
    await kim.context.close()
  })
})
