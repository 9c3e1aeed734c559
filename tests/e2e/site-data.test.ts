/**
 * A browser that refuses this site any storage (Chromium's "Don't allow sites to save data"):
 * no localStorage, sessionStorage, IndexedDB or service worker. The app still opens, and a
 * document is edited together with someone else as long as the server is reachable. Offline, the
 * status never claims that changes are kept on this device: nothing is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { type AppServer, caretTo, CHROMIUM, editor, openDoc, openWithoutSiteData, SKIP_REASON, status, text, useBrowserAndServer, type User, waitForSave, waitForStatus, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`a browser that refuses site data, in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let docId: string
  let gina: User
  let hugo: User

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    docId = (await server.catalog.create('No storage here')).id
    hugo = await openDoc(browser, server.url, docId, { name: 'Hugo Ordinary', color: '#2e7d32' })
    gina = await openWithoutSiteData(server.url, `/d/${docId}`)
  })

  afterAll(async () => {
    await gina?.context.close()
  })

  it('opens the document and edits it together online', async () => {
    // the browser really refuses: reading localStorage throws
    expect(await gina.page.evaluate(() => {
      try {
        return typeof localStorage
      } catch (err) {
        return (err as Error).name
      }
    })).toBe('SecurityError')
    await editor(gina.page).waitFor({ state: 'visible', timeout: 15_000 })
    await waitForStatus(gina.page, 'connected')
    await editor(gina.page).click()
    await gina.page.keyboard.type('Typed without site data.')
    await waitForText(hugo.page, 'Typed without site data.')
    await waitForSave(gina.page, 'saved')
    await editor(hugo.page).click()
    await hugo.page.keyboard.press('Control+End')
    await hugo.page.keyboard.type(' Answered.')
    await waitForText(gina.page, 'Typed without site data. Answered.')
    expect(await text(gina.page)).toBe(await text(hugo.page))
    // y-indexeddb leaves its own promise of the refused database unhandled; the session handles it
    expect(gina.errors.filter((e) => !/The user denied permission to access the database/.test(e))).toEqual([])
  })

  it('says offline that changes are not kept on this device, then saves them when back', async () => {
    await gina.context.setOffline(true)
    await waitForStatus(gina.page, 'offline')
    await caretTo(gina.page, 'end')
    await gina.page.keyboard.type(' Written offline.')
    await waitForSave(gina.page, 'saving')
    const shown = (await status(gina.page)).text
    expect(shown).not.toContain('kept on this device')
    expect(shown).toBe('Offline · Not saved: keep this tab open')

    await gina.context.setOffline(false)
    await waitForStatus(gina.page, 'connected')
    await waitForText(hugo.page, 'Written offline.')
    await waitForSave(gina.page, 'saved')
  })
})
