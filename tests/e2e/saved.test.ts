/**
 * The saved indicator in Chromium reaches "All changes saved" only after the server has the
 * change on disk (the server's saved acknowledgement): with storage held, the page says
 * "Saving..." and warns before the tab closes; once storage lets the write through, it says
 * "All changes saved", the change is in storage, and closing needs no warning. A change larger
 * than the server's message limit is reported as not saved, once, instead of resent for ever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Dialog } from 'playwright-core'
import { openStorage } from '../../server/app.js'
import { faulty, type FaultyStorage } from '../helpers/faulty-storage.js'
import { tempDir } from '../helpers/server.js'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, editor, ensureBuilt, launch, openDoc, SKIP_REASON, startAppServer, status, storedText, waitForSave } from './harness.js'

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
  let browser: Browser
  let server: Awaited<ReturnType<typeof startAppServer>>

  beforeAll(async () => {
    ensureBuilt()
    ;[browser, server] = await Promise.all([launch(), startAppServer({}, 0, undefined, { maxMessage: 64 * 1024 })])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    server?.cleanupData()
  })

  it('is reported as not saved and kept in the browser, without reconnecting and resending it', async () => {
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
})
