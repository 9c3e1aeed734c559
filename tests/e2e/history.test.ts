/**
 * Version history in Chromium against a real server: the versions the server keeps (one per
 * minute at first: the server's clock is moved on between them) are listed newest first and
 * previewed read-only; restoring one puts it in place for everyone, and Ctrl+Z takes it back.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, converged, editor, MOD, openDoc, SKIP_REASON, text, useBrowserAndServer, waitForSave, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`version history in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let clock = Date.now()

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]), { now: () => clock })

  const titleField = (page: Page) => page.getByRole('textbox', { name: 'Document title' })
  const versions = async (docId: string) => ((await (await fetch(`${server.url}/api/docs/${docId}/versions`)).json()) as { versions: unknown[] }).versions

  /** Opens the document alone, replaces its text with `words`, and leaves: it unloads, and the server keeps a version. */
  async function writeVersion(docId: string, words: string, count: number, title?: string): Promise<void> {
    const user = await openDoc(browser, server.url, docId, { name: 'Ann Author', color: '#1565c0' })
    if (title !== undefined) await titleField(user.page).fill(title)
    await editor(user.page).click()
    await user.page.keyboard.press(`${MOD}+a`)
    await user.page.keyboard.type(words)
    await waitForSave(user.page, 'saved')
    await user.context.close()
    // the version it left with is written once the document is out of memory (an earlier one may be listed before)
    await waitFor(`version ${count}`, async () => server.registry.roomsOf(docId).length === 0 && (await versions(docId)).length === count, 15_000)
  }

  it('keeps no version for reading: opening a document again and again, from the list and back, writes nothing', async () => {
    const docId = (await server.catalog.create('Read me')).id
    await writeVersion(docId, 'Only draft.', 1)
    const compactions = async () => (await server.metrics.compactions.get()).values.reduce((n, v) => n + v.value, 0)
    const batches = async () => (await server.metrics.persistBatch.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0
    const written = async () => ({ compactions: await compactions(), batches: await batches(), history: await server.storage.history(docId) })
    const before = await written()
    // one browser coming back (its offline copy of the document kept), through the document list
    const reader = await openDoc(browser, server.url, docId, { name: 'Rita Reader', color: '#6a1b9a' })
    for (let i = 0; i < 3; i++) {
      await waitForText(reader.page, 'Only draft.')
      clock += 2 * 60_000
      await reader.page.goto('/')
      await reader.page.getByText('Read me').first().waitFor()
      await waitFor('the document to leave memory', () => server.registry.roomsOf(docId).length === 0, 15_000)
      await reader.page.goto(`/d/${docId}`)
    }
    await waitForText(reader.page, 'Only draft.')
    await reader.context.close()
    await waitFor('the document to leave memory', () => server.registry.roomsOf(docId).length === 0, 15_000)
    expect(await versions(docId)).toHaveLength(1)
    expect(await written()).toEqual(before)
    expect(reader.errors).toEqual([])
  })

  it('lists versions newest first, previews one, restores it for everyone, and Ctrl+Z takes it back', async () => {
    const docId = (await server.catalog.create('Plan')).id
    await writeVersion(docId, 'First draft.', 1)
    clock += 2 * 60_000
    await writeVersion(docId, 'Second draft.', 2)

    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Author', color: '#1565c0' })
    const ben = await openDoc(browser, server.url, docId, { name: 'Ben Reader', color: '#2e7d32' })
    await waitForText(ann.page, 'Second draft.')
    await ann.page.getByRole('button', { name: 'Version history' }).click()
    const dialog = ann.page.getByRole('dialog', { name: 'Version history' })
    const list = dialog.getByRole('list', { name: 'Versions' })
    await waitFor('two versions listed', async () => (await list.getByRole('button').count()) === 2)
    // the newest is chosen and shown first
    expect(await list.getByRole('button').first().getAttribute('aria-pressed')).toBe('true')
    expect(await list.getByRole('button').first().innerText()).toContain('latest')
    const preview = dialog.getByLabel('Chosen version')
    await preview.getByText('Second draft.').waitFor()
    await list.getByRole('button').nth(1).click()
    await preview.getByText('First draft.').waitFor()
    expect(await preview.locator('.doc-title').innerText()).toBe('Plan')
    // the preview is not editable
    expect(await preview.locator('[contenteditable="true"]').count()).toBe(0)

    await dialog.getByRole('button', { name: 'Restore this version' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await waitForText(ann.page, 'First draft.')
    expect(await text(ann.page)).not.toContain('Second draft.')
    await waitForText(ben.page, 'First draft.')
    await converged([ann.page, ben.page])
    await ann.page.getByRole('status').filter({ hasText: /^Restored the version of .+\. Undo \(Ctrl\+Z\) takes it back\.$/ }).waitFor({ state: 'attached' })

    // it was one change: one undo brings the text back, for both
    await ann.page.keyboard.press(`${MOD}+z`)
    await waitForText(ann.page, 'Second draft.')
    await waitForText(ben.page, 'Second draft.')
    expect(await text(ben.page)).not.toContain('First draft.')
    // Escape closes the dialog without restoring anything
    await ann.page.getByRole('button', { name: 'Version history' }).click()
    await preview.getByText('Second draft.').waitFor()
    await ann.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await text(ann.page)).toContain('Second draft.')
    expect([...ann.errors, ...ben.errors]).toEqual([])
    await Promise.all([ann.context.close(), ben.context.close()])
  })

  it('restores the title too: the title field of whoever restored shows it, and Ctrl+Z takes the title back with the text', async () => {
    const docId = (await server.catalog.create('Plan')).id
    await writeVersion(docId, 'First draft.', 1)
    clock += 2 * 60_000
    await writeVersion(docId, 'Second draft.', 2, 'Plan, revised')

    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Author', color: '#1565c0' })
    const ben = await openDoc(browser, server.url, docId, { name: 'Ben Reader', color: '#2e7d32' })
    await waitForText(ann.page, 'Second draft.')
    for (const page of [ann.page, ben.page]) await waitFor('the newer title', async () => (await titleField(page).inputValue()) === 'Plan, revised')
    await ann.page.getByRole('button', { name: 'Version history' }).click()
    const dialog = ann.page.getByRole('dialog', { name: 'Version history' })
    const list = dialog.getByRole('list', { name: 'Versions' })
    await waitFor('two versions listed', async () => (await list.getByRole('button').count()) === 2)
    await list.getByRole('button').nth(1).click()
    const preview = dialog.getByLabel('Chosen version')
    await preview.getByText('First draft.').waitFor()
    await dialog.getByRole('button', { name: 'Restore this version' }).click()
    await dialog.waitFor({ state: 'hidden' })
    await waitForText(ann.page, 'First draft.')
    await waitForText(ben.page, 'First draft.')
    // everyone sees the version's title, the person who restored it included
    await waitFor("Ben's title field to show the restored title", async () => (await titleField(ben.page).inputValue()) === 'Plan')
    await waitFor("Ann's title field to show the restored title", async () => (await titleField(ann.page).inputValue()) === 'Plan', 3_000)
    expect(await ann.page.title()).toBe('Plan · Tandem')

    // one undo takes back the whole restore: the text and the title
    await ann.page.keyboard.press(`${MOD}+z`)
    await waitForText(ann.page, 'Second draft.')
    await waitForText(ben.page, 'Second draft.')
    for (const page of [ann.page, ben.page]) await waitFor('the newer title back', async () => (await titleField(page).inputValue()) === 'Plan, revised', 3_000)
    expect(await ann.page.title()).toBe('Plan, revised · Tandem')
    await waitFor('the server to hold the newer title', async () => ((await (await fetch(`${server.url}/api/docs/${docId}`)).json()) as { title: string }).title === 'Plan, revised')
    // and redo puts the version back whole
    await ann.page.keyboard.press(`${MOD}+Shift+z`)
    await waitForText(ben.page, 'First draft.')
    for (const page of [ann.page, ben.page]) await waitFor('the restored title again', async () => (await titleField(page).inputValue()) === 'Plan', 3_000)
    expect([...ann.errors, ...ben.errors]).toEqual([])
    await Promise.all([ann.context.close(), ben.context.close()])
  })

  it('says the list of versions could not be loaded while offline, without "Loading…" for ever, and Try again loads it', async () => {
    const docId = (await server.catalog.create('Away')).id
    await writeVersion(docId, 'Kept draft.', 1)
    const ann = await openDoc(browser, server.url, docId, { name: 'Ann Author', color: '#1565c0' })
    await waitForText(ann.page, 'Kept draft.')
    await ann.context.setOffline(true)
    await waitFor('offline', async () => (await ann.page.locator('tandem-connection-status').getAttribute('connection')) === 'offline')
    await ann.page.getByRole('button', { name: 'Version history' }).click()
    const dialog = ann.page.getByRole('dialog', { name: 'Version history' })
    await dialog.getByRole('alert').filter({ hasText: 'cannot be reached' }).waitFor()
    // the list does not pretend to be still loading
    expect(await dialog.getByRole('list', { name: 'Versions' }).getByText('Loading…').count()).toBe(0)
    await ann.context.setOffline(false)
    await dialog.getByRole('button', { name: 'Try again' }).click()
    const list = dialog.getByRole('list', { name: 'Versions' })
    await waitFor('the version listed', async () => (await list.getByRole('button').count()) === 1)
    await dialog.getByLabel('Chosen version').getByText('Kept draft.').waitFor()
    expect(await dialog.getByRole('alert').count()).toBe(0)
    await ann.page.keyboard.press('Escape')
    await ann.context.close()
  })
})
