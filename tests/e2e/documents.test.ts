/**
 * The document list in Chromium: create a document (it opens, with a random URL-safe id), give
 * it a title in the editor, find it in the list sorted by last edit, rename it (an open editor
 * sees the new title at once), search by title or text, delete it after confirming (an open editor is
 * told the document was deleted and stops editing), and going from document to document leaves
 * no closed editor behind.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, CHROMIUM, editor, openAs, openDoc, SKIP_REASON, startAgain, text, useBrowserAndServer, type User, waitForStatus, waitForText } from './harness.js'

describe.skipIf(!CHROMIUM)(`the document list in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer
  let erin: User

  const titles = () => erin.page.locator('tandem-doc-list li .title').allInnerTexts()

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]))

  beforeAll(async () => {
    erin = await openAs(browser, server.url, '/', { name: 'Erin Lister', color: '#bf360c' })
  })

  it('starts empty and creates a document that opens with a new random id', async () => {
    await erin.page.locator('tandem-doc-list .empty.first').waitFor()
    expect(await erin.page.title()).toBe('Documents · Tandem')
    await erin.page.getByRole('button', { name: 'New document' }).click()
    await erin.page.waitForURL(/\/d\/[A-Za-z0-9_-]{16,64}$/)
    await waitForStatus(erin.page, 'connected')
    // open mode: nothing about accounts or sharing shows
    expect(await erin.page.getByRole('button', { name: /^(Share|Sign in)$/ }).count()).toBe(0)
    expect(await erin.page.locator('tandem-doc-editor [part="view-only"]').count()).toBe(0)
    // the caret waits in the new document's title; Enter goes on to the body
    await waitFor('the caret in the title', () => erin.page.locator('input.title').evaluate((el) => el.matches(':focus')))
    await erin.page.keyboard.type('Quarterly plan')
    await erin.page.keyboard.press('Enter')
    await erin.page.keyboard.type('Goals for the quarter.')
    expect(await text(erin.page)).toBe('Goals for the quarter.')
    expect(await erin.page.locator('input.title').inputValue()).toBe('Quarterly plan')
    const id = new URL(erin.page.url()).pathname.split('/').pop()!
    await waitFor('the title on the server', async () => (await server.catalog.get(id))?.title === 'Quarterly plan')
    // a document with something in it opens with nothing focused
    await erin.page.reload()
    await waitForStatus(erin.page, 'connected')
    await waitForText(erin.page, 'Goals for the quarter.')
    expect(await erin.page.evaluate(() => document.activeElement === document.body)).toBe(true)
  })

  it('lists documents by last edit with their titles and times, and finds them by title or text', async () => {
    await server.catalog.create('Budget 2026')
    await erin.page.getByRole('link', { name: 'All documents', exact: true }).click()
    await erin.page.waitForURL(/\/$/)
    await waitFor('both documents listed', async () => (await titles()).length === 2)
    // the budget was created after the plan was last edited
    expect(await titles()).toEqual(['Budget 2026', 'Quarterly plan'])
    expect(await erin.page.locator('tandem-doc-list .role').count()).toBe(0)
    expect(await erin.page.locator('tandem-doc-list li .meta').first().innerText()).toMatch(/^Edited (just now|\d+ (second|minute)s? ago)$/)

    const search = erin.page.getByRole('searchbox', { name: 'Search documents by title' })
    await search.fill('quarter')
    await waitFor('the search result', async () => JSON.stringify(await titles()) === '["Quarterly plan"]')
    // words of a body find their document too, shown with the words around them
    await search.fill('GOALS for')
    await waitFor('the text match', async () => JSON.stringify(await titles()) === '["Quarterly plan"]')
    const snippet = erin.page.locator('tandem-doc-list li .snippet')
    expect(await snippet.innerText()).toBe('Goals for the quarter.')
    expect(await snippet.locator('mark').innerText()).toBe('Goals for')
    await search.fill('no such thing')
    await erin.page.locator('tandem-doc-list .empty', { hasText: 'No document has a title or text containing' }).waitFor()
    await search.fill('')
    await waitFor('the full list again', async () => (await titles()).length === 2)
  })

  it('renames in place, and an open editor sees the new title at once', async () => {
    const plan = (await server.catalog.list('Quarterly'))[0]!
    const frank = await openDoc(browser, server.url, plan.id, { name: 'Frank Reader', color: '#283593' })
    try {
      await erin.page.getByRole('button', { name: 'Rename “Quarterly plan”' }).click()
      const input = erin.page.getByRole('textbox', { name: 'New title for “Quarterly plan”' })
      await input.fill('Q3 plan')
      await input.press('Enter')
      await waitFor('the renamed title in the list', async () => (await titles()).includes('Q3 plan'))
      await waitFor('the new title in the open editor', async () => (await frank.page.locator('input.title').inputValue()) === 'Q3 plan')
      // Escape cancels a rename
      await erin.page.getByRole('button', { name: 'Rename “Q3 plan”' }).click()
      await erin.page.getByRole('textbox', { name: 'New title for “Q3 plan”' }).fill('Never mind')
      await erin.page.keyboard.press('Escape')
      expect(await titles()).toContain('Q3 plan')
    } finally {
      await frank.context.close()
    }
  })

  it('deletes after confirmation; an open editor is told and stops editing', async () => {
    const plan = (await server.catalog.list('Q3'))[0]!
    const grace = await openDoc(browser, server.url, plan.id, { name: 'Grace Editor', color: '#8d4e00' })
    try {
      // cancelling keeps the document
      await erin.page.getByRole('button', { name: 'Delete “Q3 plan”' }).click()
      const dialog = erin.page.getByRole('dialog', { name: 'Delete this document?' })
      await dialog.waitFor()
      await dialog.getByRole('button', { name: 'Cancel' }).click()
      expect(await titles()).toContain('Q3 plan')

      await erin.page.getByRole('button', { name: 'Delete “Q3 plan”' }).click()
      await dialog.getByRole('button', { name: 'Delete' }).click()
      await waitFor('the document gone from the list', async () => JSON.stringify(await titles()) === '["Budget 2026"]')
      expect(await server.catalog.get(plan.id)).toBeUndefined()

      await grace.page.getByRole('alert').filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 10_000 })
      await waitForStatus(grace.page, 'closed')
      expect(await editor(grace.page).getAttribute('contenteditable')).toBe('false')
      expect(await grace.page.locator('input.title').getAttribute('readonly')).not.toBeNull()
      // after a reload it stays deleted
      await grace.page.reload()
      await grace.page.getByRole('alert').filter({ hasText: 'This document was deleted' }).waitFor({ timeout: 10_000 })
      expect(grace.errors).toEqual([])
    } finally {
      await grace.context.close()
    }
    // the list is right after a restart too
    await server.close()
    server = await startAgain(server)
    await erin.page.reload()
    await waitFor('the list after a restart', async () => JSON.stringify(await titles()) === '["Budget 2026"]')
    expect(erin.errors).toEqual([])
  })

  it('renaming a document someone else deleted meanwhile says so by its title and drops it, leaving no rename box behind', async () => {
    const doc = await server.catalog.create('Short-lived')
    await erin.page.reload()
    await waitFor('the new document listed', async () => (await titles()).includes('Short-lived'))
    // someone else deletes it while it is still on Erin's list
    expect((await fetch(`${server.url}/api/docs/${doc.id}`, { method: 'DELETE' })).status).toBe(204)
    await erin.page.getByRole('button', { name: 'Rename “Short-lived”' }).click()
    const input = erin.page.getByRole('textbox', { name: 'New title for “Short-lived”' })
    await input.fill('Long-lived')
    await input.press('Enter')
    const alert = erin.page.locator('tandem-doc-list [role="alert"]')
    await alert.filter({ hasText: '“Short-lived” was deleted' }).waitFor({ timeout: 5_000 })
    expect(await alert.innerText()).not.toContain(doc.id)
    await waitFor('the deleted document gone from the list', async () => !(await titles()).includes('Short-lived'))
    expect(await erin.page.getByRole('textbox', { name: /^New title for/ }).count()).toBe(0)
    expect(erin.errors).toEqual([])
  })

  it('lets go of every editor it closes: opening documents one after another leaves no listeners behind', async () => {
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await server.catalog.create(`Visited ${i}`)).id)
    await erin.page.locator('tandem-doc-list').waitFor()
    // count the identity store's 'change' listeners through its public on/off
    await erin.page.evaluate(() => {
      const store = (document.querySelector('tandem-app') as any).identity
      const listeners = new Set<unknown>()
      ;(window as any).identityListeners = listeners
      const on = store.on.bind(store)
      const off = store.off.bind(store)
      store.on = (name: string, f: unknown) => (name === 'change' && listeners.add(f), on(name, f))
      store.off = (name: string, f: unknown) => (name === 'change' && listeners.delete(f), off(name, f))
    })
    const listeners = () => erin.page.evaluate(() => (window as any).identityListeners.size as number)
    const go = (path: string) => erin.page.evaluate((p) => (document.querySelector('tandem-app') as any).router.go(p), path)
    for (const [i, id] of [...ids, ...ids].entries()) {
      await go(`/d/${id}`)
      await waitFor('the next document open', async () => (await erin.page.locator('input.title').inputValue()) === `Visited ${i % ids.length}`)
      await waitForStatus(erin.page, 'connected')
      // the open editor listens (so a new name reaches the others)
      expect(await listeners()).toBe(1)
    }
    await go('/')
    await erin.page.locator('tandem-doc-list').waitFor()
    await waitFor('no identity listeners left', async () => (await listeners()) === 0)
    expect(erin.errors).toEqual([])
  })
})
