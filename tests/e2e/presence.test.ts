/**
 * Who is here, over the life of a session in Chromium: a person who goes back to the list
 * leaves the others' screens at once, even while someone types; after a person's connection drops
 * and comes back they see the others again at once (names and cursors), and each person shows once.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, openDoc, SKIP_REASON, useBrowserAndServer, waitForStatus } from './harness.js'

const BOB = { name: 'Bob Stays', color: '#1565c0' }
const ERIN = { name: 'Erin Drops', color: '#bf360c' }

/** The names in a page's presence list. */
const names = (page: Page) => page.locator('tandem-presence-list li .name').allInnerTexts()

describe.skipIf(!CHROMIUM)(`presence in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('a person who goes back to the list leaves the screen of someone typing at once', async () => {
    const docId = (await server.catalog.create('Busy')).id
    const bob = await openDoc(browser, server.url, docId, BOB)
    const erin = await openDoc(browser, server.url, docId, ERIN)
    try {
      await editor(erin.page).click()
      await erin.page.keyboard.type('Erin was here.')
      await bob.page.locator(`.remote-cursor-label[data-name="${ERIN.name}"]`).waitFor({ timeout: 10_000 })
      // Bob types on: each key moves his caret, and the server relays his presence all the time
      await editor(bob.page).click()
      const typing = bob.page.keyboard.type(' Bob keeps typing while Erin goes.'.repeat(3), { delay: 15 })
      await bob.page.locator('.ProseMirror').getByText('Bob keeps').first().waitFor()
      await erin.page.getByRole('link', { name: 'All documents', exact: true }).click()
      await erin.page.locator('tandem-doc-list').waitFor()
      // well before Bob's browser would drop her for silence (30 s)
      await waitFor('Bob to stop showing Erin', async () => (await names(bob.page)).length === 1, 10_000)
      expect(await bob.page.locator('.remote-cursor-label').count()).toBe(0)
      await typing
      expect(bob.errors).toEqual([])
    } finally {
      await Promise.all([bob.context.close(), erin.context.close()])
    }
  })

  it('a person whose connection came back sees the others again at once, each once', async () => {
    const docId = (await server.catalog.create('Reconnecting')).id
    const bob = await openDoc(browser, server.url, docId, BOB)
    const erin = await openDoc(browser, server.url, docId, ERIN)
    try {
      // Bob writes: his presence (his caret) was just sent, and is not renewed for 15 s
      await editor(bob.page).click()
      await bob.page.keyboard.type('Bob is here.')
      const bobsCursor = erin.page.locator(`.remote-cursor-label[data-name="${BOB.name}"]`)
      await bobsCursor.waitFor({ timeout: 10_000 })
      // Erin's network goes and comes back: her browser forgets who was there meanwhile
      await erin.context.setOffline(true)
      await waitForStatus(erin.page, 'offline')
      await waitFor('Erin to stop showing Bob', async () => (await names(erin.page)).length === 1)
      await erin.context.setOffline(false)
      await waitForStatus(erin.page, 'connected')
      // the server greets her with everyone present: Bob shows again, long before his next renewal
      await waitFor('Erin to show Bob again', async () => (await names(erin.page)).length === 2, 5_000)
      await bobsCursor.waitFor({ timeout: 5_000 })
      expect((await names(erin.page)).sort()).toEqual([BOB.name, `${ERIN.name} (you)`].sort())
      expect(erin.errors).toEqual([])
    } finally {
      await Promise.all([bob.context.close(), erin.context.close()])
    }
  })
})
