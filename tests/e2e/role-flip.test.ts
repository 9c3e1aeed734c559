/**
 * A role changed twice in a row: the server closes the member's socket with 4003 at the first
 * change; the editor asks the API for the new role and reconnects. A second change that lands
 * while that socket is down closes nothing (there is no socket to close), and the socket then
 * opens with the newer role. The editor must end up with the role the server has: made a viewer
 * and at once an editor again, it must be editable, not stay "View only" until a reload.
 * An editor made a viewer with the History dialog open loses it: viewers do not see history.
 * A role changed under someone is said to screen readers, not only shown as a badge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, editor, ensureBuilt, launch, SKIP_REASON, shareNewDoc, signUp, startAppServer, waitForStatus, waitForText, type AppServer } from './harness.js'

describe.skipIf(!CHROMIUM)(`roles changed while a member has the document open${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: AppServer

  beforeAll(async () => {
    ensureBuilt()
    ;[browser, server] = await Promise.all([launch(), startAppServer({}, 0, undefined, { auth: 'accounts' }, { compactIdleMs: 300 })])
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    server?.cleanupData()
  })

  const editable = (page: Page) => editor(page).getAttribute('contenteditable')

  it('made a viewer and an editor again while reconnecting, the member can edit', async () => {
    const alice = await signUp(browser, server.url, 'alice')
    const bob = await signUp(browser, server.url, 'bob')
    const { docId, setRole } = await shareNewDoc(alice, 'Flip', 'bob')

    await bob.page.goto(`/d/${docId}`)
    await waitForStatus(bob.page, 'connected')
    await waitFor('Bob may edit', async () => (await editable(bob.page)) === 'true')

    // Bob's reconnection waits (as on a slow network) until the second change is made
    let hold = true
    await bob.page.routeWebSocket(/\/sync\//, (ws) => (hold ? ws.close({ code: 1001 }) : ws.connectToServer()))
    await setRole('viewer')
    await waitFor('Bob to read only', async () => (await editable(bob.page)) === 'false', 10_000)
    await setRole('editor')
    hold = false

    await waitForStatus(bob.page, 'connected', 15_000)
    await waitFor('Bob to be able to edit again', async () => (await editable(bob.page)) === 'true', 5_000)
    expect(await bob.page.locator('tandem-doc-editor [part="view-only"]').count()).toBe(0)
    await editor(bob.page).click()
    await bob.page.keyboard.type('Bob edits again.')
    await alice.page.goto(`/d/${docId}`)
    await waitForText(alice.page, 'Bob edits again.')
    expect(bob.errors).toEqual([])
  })

  it('an editor made a viewer with the History dialog open: the dialog closes, its versions go, nothing can be restored', async () => {
    const alice = await signUp(browser, server.url, 'carol')
    const bob = await signUp(browser, server.url, 'dave')
    const { docId, setRole } = await shareNewDoc(alice, 'Minutes', 'dave')
    const versions = async () => ((await (await alice.context.request.get(`/api/docs/${docId}/versions`)).json()) as { versions: unknown[] }).versions

    await bob.page.goto(`/d/${docId}`)
    await waitForStatus(bob.page, 'connected')
    await waitFor('Dave may edit', async () => (await editable(bob.page)) === 'true')
    await editor(bob.page).click()
    await bob.page.keyboard.type('Secret draft, deleted later.')
    await waitFor('a version', async () => (await versions()).length >= 1, 15_000)
    await bob.page.getByRole('button', { name: 'Version history' }).click()
    const dialog = bob.page.getByRole('dialog', { name: 'Version history' })
    await dialog.getByLabel('Chosen version').getByText('Secret draft, deleted later.').waitFor()

    await setRole('viewer')
    await waitFor('Dave to read only', async () => (await editable(bob.page)) === 'false', 10_000)
    await dialog.waitFor({ state: 'hidden', timeout: 5_000 })
    // nothing of the versions is left in the page, and there is nothing to restore with
    expect(await bob.page.locator('tandem-history-dialog').evaluate((el) => el.shadowRoot!.textContent ?? '')).not.toContain('Secret draft')
    expect(await bob.page.getByRole('button', { name: 'Version history' }).count()).toBe(0)
    expect(bob.errors).toEqual([])
  })

  it('a role changed live is announced politely: made a viewer, and an editor again', async () => {
    const alice = await signUp(browser, server.url, 'erin')
    const bob = await signUp(browser, server.url, 'fred')
    const { docId, setRole } = await shareNewDoc(alice, 'Notes', 'fred')
    await bob.page.goto(`/d/${docId}`)
    await waitForStatus(bob.page, 'connected')
    await waitFor('Fred may edit', async () => (await editable(bob.page)) === 'true')
    const said = () => bob.page.locator('tandem-doc-editor').getByRole('status').allInnerTexts()

    await setRole('viewer')
    await waitFor('Fred to read only', async () => (await editable(bob.page)) === 'false', 10_000)
    await waitFor('the change announced', async () => (await said()).includes('Your access changed: you can now only view this document.'), 5_000)
    await setRole('editor')
    await waitFor('Fred may edit again', async () => (await editable(bob.page)) === 'true', 10_000)
    await waitFor('the change announced', async () => (await said()).includes('Your access changed: you can edit this document again.'), 5_000)
    expect(bob.errors).toEqual([])
  })
})
