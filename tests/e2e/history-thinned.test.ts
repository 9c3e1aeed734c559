/**
 * A version listed in an open History dialog can be thinned away while the dialog is open: the
 * newest checkpoint of a minute replaces the one before it (see server/docs/retention.ts). When
 * someone else's edits are folded into a new version in the same minute, choosing the listed
 * one must show what the server keeps now, not a dead end ("has no version 12").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, caretTo, CHROMIUM, ensureBuilt, launch, openDoc, SKIP_REASON, startAppServer, waitForSave, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`a version thinned while the History dialog is open${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  beforeAll(async () => {
    ensureBuilt()
    // a quiet document is folded into a version after 300 ms (30 s in production)
    ;[browser, server] = await Promise.all([launch(), startAppServer({}, 0, undefined, {}, { compactIdleMs: 300 })])
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    server?.cleanupData()
  })

  const versions = async (docId: string) => ((await (await fetch(`${server.url}/api/docs/${docId}/versions`)).json()) as { versions: { seq: number }[] }).versions

  it('choosing a listed version the server has replaced since shows the version that replaced it', async () => {
    const docId = (await server.catalog.create('Plan')).id
    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Author', color: '#1565c0' })
    const ben = await openDoc(browser, server.url, docId, { name: 'Ben Writer', color: '#2e7d32' })
    try {
      await caretTo(ann.page, 'end')
      await ann.page.keyboard.type('First draft.')
      await waitForSave(ann.page, 'saved')
      await waitFor('a version holding the first draft', async () => (await versions(docId)).length === 1, 15_000)
      const [first] = await versions(docId)

      await ann.page.getByRole('button', { name: 'Version history' }).click()
      const dialog = ann.page.getByRole('dialog', { name: 'Version history' })
      const list = dialog.getByRole('list', { name: 'Versions' })
      const preview = dialog.getByLabel('Chosen version')
      await preview.getByText('First draft.').waitFor()

      // Ben writes on; in the same minute his version replaces the one Ann's dialog lists
      await waitForText(ben.page, 'First draft.')
      await caretTo(ben.page, 'end')
      await ben.page.keyboard.type(' Ben added this.')
      await waitForSave(ben.page, 'saved')
      await waitFor('the listed version replaced by a newer one', async () => {
        const now = await versions(docId)
        return now.length === 1 && now[0]!.seq !== first!.seq
      }, 15_000)

      // Ann chooses the version her dialog lists: she sees what the server keeps now
      await list.getByRole('button').first().click()
      await waitFor('the version that replaced it in the preview', async () => {
        // a timeout says what the dialog showed instead
        const shown = (await preview.innerText()).replace(/\s+/g, ' ')
        if (!shown.includes('First draft. Ben added this.')) throw new Error(`the preview shows ${JSON.stringify(shown)}`)
        return true
      }, 10_000)
      expect(await dialog.getByRole('alert').count()).toBe(0)
      expect(await list.getByRole('button').count()).toBe(1)
      expect(await dialog.getByRole('button', { name: 'Restore this version' }).isEnabled()).toBe(true)
      expect(ann.errors).toEqual([])
    } finally {
      await ann.context.close()
      await ben.context.close()
    }
  })
})
