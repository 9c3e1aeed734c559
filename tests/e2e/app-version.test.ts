/**
 * An app older than the server's document schema (PROTOCOL.md D2) in Chromium: a page open
 * across a server upgrade is turned away when it reconnects, says so and offers a reload, and
 * stops editing rather than rewrite the document into its older schema for everyone. After the
 * reload it edits again, with what it had kept.
 */
import type { Browser } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from '../../shared/schema-version.js'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, openDoc, SKIP_REASON, startAgain, status, storedText, useBrowserAndServer, waitForSave, waitForStatus, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`an app older than the server in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  it('is turned away after an upgrade, offers a reload, and edits again after it', async () => {
    const docId = (await server.catalog.create('Across an upgrade')).id
    const alice = await openDoc(browser, server.url, docId, { name: 'Alice Upgrade', color: '#c62828' })
    await editor(alice.page).click()
    await alice.page.keyboard.type('Written before the upgrade.')
    await waitForSave(alice.page, 'saved')

    // the server comes back with a later document schema than this page's app
    await server.close()
    server = await startAgain(server, { appSchema: SCHEMA_VERSION + 1 })
    const banner = alice.page.getByRole('alert').filter({ hasText: 'Tandem was updated on the server. Reload the page to go on editing.' })
    await banner.waitFor({ timeout: 20_000 })
    await waitForStatus(alice.page, 'closed')
    expect(await editor(alice.page).getAttribute('contenteditable')).toBe('false')
    expect(await storedText(server.storage, docId)).toBe('<paragraph>Written before the upgrade.</paragraph>')

    // the reload gets the app the server serves now (here: the same build, at the server's schema)
    await server.close()
    server = await startAgain(server)
    await banner.getByRole('button', { name: 'Reload' }).click()
    await waitForStatus(alice.page, 'connected')
    await waitForText(alice.page, 'Written before the upgrade.')
    await editor(alice.page).click()
    await alice.page.keyboard.press('Control+End')
    await alice.page.keyboard.type(' And after.')
    await waitForSave(alice.page, 'saved')
    expect((await status(alice.page)).text).toBe('Online · All changes saved')
    // saved means journaled; the store has it a moment later
    await waitFor('the new edit in storage', async () => (await storedText(server.storage, docId)) === '<paragraph>Written before the upgrade. And after.</paragraph>')
    expect(alice.errors).toEqual([])
  })
})
