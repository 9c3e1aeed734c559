/**
 * The saved indicator in Chromium reaches "All changes saved" only after the server has the
 * change on disk (the server's saved acknowledgement): with storage held, the page says
 * "Saving..." and warns before the tab closes; once storage lets the write through, it says
 * "All changes saved", the change is in storage, and closing needs no warning.
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
