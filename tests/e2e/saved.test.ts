/**
 * The saved indicator in Chromium reaches "All changes saved" only after the server has the
 * change on disk (the server's saved acknowledgement): with storage held, the page says
 * "Saving..." and warns before the tab closes; once storage lets the write through, it says
 * "All changes saved", the change is in storage, and closing needs no warning. A change larger
 * than the server's message limit is reported as not saved, once, instead of resent for ever.
 * After such a change, or one that takes the document over its size limit, the banner offers to
 * discard this browser's copy (which would resend the change on every visit) and reopen the
 * document from the server, where editing goes on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Dialog, Page } from 'playwright-core'
import { openStorage } from '../../server/app.js'
import { faulty, type FaultyStorage } from '../helpers/faulty-storage.js'
import { tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, editor, ensureBuilt, launch, openDoc, SKIP_REASON, startAppServer, status, storedText, text, waitForSave, waitForStatus, waitForText } from './harness.js'

const DISCARD = 'Discard my unsaved changes and reload'

/** A browser and an app server started with `config`, for the tests of one describe block. */
function appWith(config: Parameters<typeof startAppServer>[3]) {
  const app = {} as { browser: Browser; server: Awaited<ReturnType<typeof startAppServer>> }
  beforeAll(async () => {
    ensureBuilt()
    ;[app.browser, app.server] = await Promise.all([launch(), startAppServer({}, 0, undefined, config)])
  })
  afterAll(async () => {
    await app.browser?.close()
    await app.server?.close()
    app.server?.cleanupData()
  })
  return app
}

/**
 * Chooses "Discard my unsaved changes and reload" in the ended banner, then checks the document
 * came back from the server (holding `serverText`, not the refused change), takes a new edit
 * ("All changes saved", and in storage), and stays connected after a reload.
 */
async function discardAndEditAgain(page: Page, server: { storage: Parameters<typeof storedText>[0] }, docId: string, serverText: string, refused: string): Promise<void> {
  await page.getByRole('button', { name: DISCARD }).click()
  await waitForStatus(page, 'connected')
  await waitForText(page, serverText)
  // (a slice: a failure would print the 100,000 refused characters otherwise)
  const reopened = await text(page)
  expect(reopened.slice(0, 200)).toBe(serverText)
  expect(reopened).toHaveLength(serverText.length)
  expect(await page.locator('tandem-doc-editor [part="banner"]').count()).toBe(0)
  expect(await editor(page).getAttribute('contenteditable')).toBe('true')

  await editor(page).click()
  await page.keyboard.press('Control+End')
  await page.keyboard.type(' Editing again.')
  await waitForText(page, `${serverText} Editing again.`)
  await waitForSave(page, 'saved')
  expect((await status(page)).text).toBe('Online · All changes saved')
  await waitFor('the new edit in storage', async () => (await storedText(server.storage, docId)).includes('Editing again.'))
  expect((await storedText(server.storage, docId)).includes(refused)).toBe(false)

  // the refused change is gone from this browser: the next visit connects
  await page.reload()
  await editor(page).waitFor()
  await waitForStatus(page, 'connected')
  await waitForText(page, `${serverText} Editing again.`)
  expect((await text(page)).includes(refused)).toBe(false)
}

describe.skipIf(!CHROMIUM)(`the saved indicator in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startAppServer>>
  let storage: FaultyStorage
  const data = tempDir('tandem-e2e-saved-')

  beforeAll(async () => {
    ensureBuilt()
    storage = faulty(await openStorage({ dataDir: data.dir, fsync: false }))
    ;[browser, server] = await Promise.all([launch(), startAppServer({ storage })])
  })

  afterAll(async () => {
    storage?.release()
    await browser?.close()
    await server?.close()
    data.cleanup()
  })

  it('says "All changes saved" only once the server has stored the change', async () => {
    const { id } = await server.catalog.create('Saving test')
    const henry = await openDoc(browser, server.url, id, { name: 'Henry Saver', color: '#ad1457' })
    await waitForSave(henry.page, 'saved')
    expect((await status(henry.page)).text).toBe('Online · All changes saved')

    storage.hold()
    const callsBefore = storage.appendCalls
    await editor(henry.page).click()
    await henry.page.keyboard.type('Not on disk yet')
    await waitForSave(henry.page, 'saving')
    // the server is writing it, and storage holds the write back
    await waitFor('the server to try to store the change', () => storage.appendCalls > callsBefore)
    expect((await status(henry.page)).text).toBe('Online · Saving...')
    expect(await storedText(storage, id)).not.toContain('Not on disk yet')

    // closing the tab now asks first
    const dialogs: Dialog[] = []
    henry.page.on('dialog', (dialog) => {
      dialogs.push(dialog)
      void dialog.dismiss()
    })
    await henry.page.close({ runBeforeUnload: true })
    await waitFor('the "leave site?" question', () => dialogs.length === 1)
    expect(dialogs[0]!.type()).toBe('beforeunload')
    expect(henry.page.isClosed()).toBe(false)
    expect((await status(henry.page)).save).toBe('saving')

    storage.release()
    await waitForSave(henry.page, 'saved')
    expect((await status(henry.page)).text).toBe('Online · All changes saved')
    expect(await storedText(storage, id)).toContain('Not on disk yet')

    // nothing unsaved: the tab closes without a question
    await henry.page.close({ runBeforeUnload: true })
    await waitFor('the tab to close', () => henry.page.isClosed())
    expect(dialogs).toHaveLength(1)
    expect(henry.errors).toEqual([])
    await henry.context.close()
  })
})

describe.skipIf(!CHROMIUM)(`a change larger than the server's message limit${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  const app = appWith({ maxMessage: 64 * 1024 })

  it('is reported as not saved and kept in the browser, without reconnecting and resending it', async () => {
    const { browser, server } = app
    const { id } = await server.catalog.create('Big paste')
    const ivy = await openDoc(browser, server.url, id, { name: 'Ivy Paster', color: '#1565c0' })
    const sockets: string[] = []
    ivy.page.on('websocket', (ws) => void sockets.push(ws.url()))
    await waitForSave(ivy.page, 'saved')
    await editor(ivy.page).click()
    // one update of about 100 KB: over the 64 KiB limit (the server closes with 1009)
    await ivy.page.keyboard.insertText('x'.repeat(100_000))

    await ivy.page.getByRole('alert').filter({ hasText: 'This change is too large to send' }).waitFor({ timeout: 10_000 })
    expect((await status(ivy.page)).text).toBe('Closed · Not saving')
    // the provider will not connect again (it did before: ~5 sockets a second, for ever)
    await waitFor('the provider to stop connecting', () =>
      ivy.page.locator('tandem-doc-editor').evaluate((el) => (el as unknown as { session: { provider: { shouldConnect: boolean } } }).session.provider.shouldConnect === false),
    )
    expect(sockets).toHaveLength(0)
    expect(await storedText(server.storage, id)).not.toContain('xxxx')
    // the change stays on the page
    expect((await ivy.page.locator('.ProseMirror').innerText()).length).toBeGreaterThanOrEqual(100_000)
    expect(ivy.errors).toEqual([])
    await ivy.context.close()
  })

  it('can be discarded from the banner, and the document opens from the server again', async () => {
    const { browser, server } = app
    const { id } = await server.catalog.create('Big paste, discarded')
    const jay = await openDoc(browser, server.url, id, { name: 'Jay Paster', color: '#6a1b9a' })
    await editor(jay.page).click()
    await jay.page.keyboard.type('Kept on the server.')
    await waitForSave(jay.page, 'saved')
    await jay.page.keyboard.insertText('x'.repeat(100_000))
    await jay.page.getByRole('alert').filter({ hasText: 'This change is too large to send' }).waitFor({ timeout: 10_000 })
    await discardAndEditAgain(jay.page, server, id, 'Kept on the server.', 'xxxx')
    expect(jay.errors).toEqual([])
    await jay.context.close()
  })
})

describe.skipIf(!CHROMIUM)(`a change that takes the document over its size limit${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  const app = appWith({ maxDocSize: 256 * 1024 })

  it('ends the session; the banner offers to copy the text and to discard it, which opens the document from the server again', async () => {
    const { browser, server } = app
    const { id } = await server.catalog.create('Too large')
    const kim = await openDoc(browser, server.url, id, { name: 'Kim Grower', color: '#2e7d32' })
    await kim.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url })
    await editor(kim.page).click()
    await kim.page.keyboard.type('Under the limit.')
    await waitForSave(kim.page, 'saved')
    // one update of 300,000 characters (under the message limit): the document would go over
    // 256 KiB, so the server refuses it and closes with 4413
    await kim.page.keyboard.insertText('y'.repeat(300_000))
    await waitForStatus(kim.page, 'closed')
    const banner = kim.page.getByRole('alert').filter({ hasText: 'This document reached its size limit' })
    await banner.waitFor()
    expect(await banner.innerText()).toContain('this discards them')
    // in view, although the paste took the page far down
    const inView = await banner.evaluate((el) => {
      const r = el.getBoundingClientRect()
      return r.top >= 0 && r.bottom <= window.innerHeight && window.scrollY > 1000
    })
    expect(inView).toBe(true)

    // this browser's copy holds the refused change: a later visit sends it again and is closed again
    await kim.page.reload()
    await editor(kim.page).waitFor()
    await waitForStatus(kim.page, 'closed')
    await banner.waitFor()

    // nothing is discarded before the person chooses to; the text can be copied first
    await kim.page.getByRole('button', { name: 'Copy my text' }).click()
    await kim.page.getByRole('status').filter({ hasText: 'Your text was copied' }).waitFor()
    const copied = await kim.page.evaluate(() => navigator.clipboard.readText())
    expect(copied.startsWith('Too large\n\nUnder the limit.yyyy')).toBe(true)
    expect(copied.length).toBeGreaterThan(300_000)

    await discardAndEditAgain(kim.page, server, id, 'Under the limit.', 'yyyy')
    expect(kim.errors).toEqual([])
    await kim.context.close()
  })
})
