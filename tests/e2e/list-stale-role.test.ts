/**
 * The document list is read when it is shown (and when the tab comes back into view), so a role
 * can change under it. An editor made a viewer while their list is open, who then renames a
 * document from it, is refused by the server: the list must then say so, show the document as
 * it now is (role Viewer, no Rename) and keep the keyboard focus on the page, not drop it to
 * the body with the refused rename field left open.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, SKIP_REASON, shareNewDoc, signUp, type AppServer, useBrowserAndServer } from './harness.js'

/** The tag name and id (or class) of the focused element, looking through shadow roots. */
function deepFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
    return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className && typeof el.className === 'string' ? `.${el.className.split(' ').join('.')}` : ''}` : 'none'
  })
}

describe.skipIf(!CHROMIUM)(`a role changed under an open document list${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]), {}, { auth: 'accounts' })

  it('a rename refused because the person became a viewer says so, shows the new role and keeps the focus', async () => {
    const alice = await signUp(browser, server.url, 'alice')
    const bob = await signUp(browser, server.url, 'bob')
    const { docId, setRole } = await shareNewDoc(alice, 'Team plan', 'bob')

    await bob.page.goto('/')
    const item = bob.page.locator('tandem-doc-list li', { hasText: 'Team plan' })
    await item.getByRole('button', { name: 'Rename “Team plan”' }).waitFor()
    // the owner makes Bob a viewer while his list is on screen
    await setRole('viewer')

    await item.getByRole('button', { name: 'Rename “Team plan”' }).click()
    const field = bob.page.getByRole('textbox', { name: 'New title for “Team plan”' })
    await field.fill('Bob’s plan')
    await field.press('Enter')

    const alert = bob.page.locator('tandem-doc-list').getByRole('alert')
    await alert.filter({ hasText: 'A viewer may not write this document.' }).waitFor()
    // the list shows the document as it is now: its title, Bob a viewer, no rename
    await waitFor('the list to show the new role', async () => (await item.locator('.role').count()) === 1 && (await item.locator('.role').innerText()) === 'Viewer', 10_000)
    expect(await field.count()).toBe(0)
    expect(await item.locator('.title').innerText()).toBe('Team plan')
    expect(await item.getByRole('button', { name: /Rename/ }).count()).toBe(0)
    // the focus stays on the document, not lost to the page's body
    await waitFor('the focus on the document’s link', async () => (await deepFocus(bob.page)) === 'a.open', 5_000)
    expect((await (await alice.context.request.get(`/api/docs/${docId}`)).json()).title).toBe('Team plan')
  })
})
