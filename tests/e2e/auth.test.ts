/**
 * Accounts, sharing and tokens in Chromium, against a real server:
 * - accounts mode: sign up, sign out and sign in through the screens (server errors shown as
 *   sentences; a signed-out visit to a document lands on it after signing in; signing out closes
 *   the document in another tab with a message); presence shows the username;
 * - a viewer gets a read-only editor with a "View only" badge: typing changes nothing anywhere;
 *   when the owner makes them an editor (close 4003) the same editor becomes editable; an editor
 *   made a viewer while offline is told the offline changes were not saved (never "All changes
 *   saved"), switches to view only and stays on one connection;
 * - the sharing dialog (keyboard and 360 px friendly) adds a second person, who then sees the
 *   document in their list and edits it, and removes them: their open editor is told and stops,
 *   and the document leaves their list;
 * - share links opened in fresh contexts work with their role, and a revoked link stops;
 * - several tabs of one browser: after a sign-in in one, the others' changes carry the new
 *   session's CSRF token, a document the sign-out closed opens again, and a list follows a
 *   sign-in as someone else with that account's documents; a role changed in a
 *   sharing dialog opened before someone was removed in another tab does not bring them back,
 *   and such a dialog shows the list as it is once a removal or revocation there fails;
 * - closed sign-up: the first account (the admin) creates others from the account menu, the
 *   sign-in screen says sign-up is closed; passwords change from the account menu;
 * - token mode: /d/<id>?token=<jwt> opens the editor (the token leaves the address bar), the list
 *   shows what the token allows, a viewer token is read-only, a missing or expired token says so.
 */
import { SignJWT } from 'jose'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { png } from '../helpers/png.js'
import { waitFor } from '../helpers/wait.js'
import { CHROMIUM, editor, ensureBuilt, launch, openAs, SKIP_REASON, startAppServer, status, storedText, text, waitForStatus, waitForText, type User } from './harness.js'

const PASSWORD = 'correct horse battery'
const NO_NAME = { name: '', color: '' }

type AppServer = Awaited<ReturnType<typeof startAppServer>>

/**
 * A GET from a person's browser context, sent again once if the server closed the kept-alive
 * connection just as it went out (ECONNRESET), as browsers do: Playwright's agent keeps idle
 * connections with no timeout of its own, and the server closes them after Node's 5 s.
 */
async function getReusingSafely(user: User, path: string) {
  try {
    return await user.context.request.get(path)
  } catch (err) {
    if (!String(err).includes('ECONNRESET')) throw err
    return user.context.request.get(path)
  }
}

/** Calls the API from a person's browser context (their cookie), with the CSRF token for changes. */
async function call(user: User, method: string, path: string, data?: unknown): Promise<{ status: number; body: any }> {
  const me = await (await getReusingSafely(user, '/api/auth/me')).json()
  const res = await user.context.request.fetch(path, { method, data, headers: me.csrf ? { 'X-CSRF-Token': me.csrf } : {} })
  const body = res.status() === 204 ? null : await res.json()
  return { status: res.status(), body }
}

/** A new person with an account made through the API (the UI path has its own test). */
async function personWithAccount(browser: Browser, server: AppServer, username: string, path = '/', viewport?: { width: number; height: number }): Promise<User> {
  const user = await openAs(browser, server.url, 'about:blank', NO_NAME, viewport)
  const res = await user.context.request.post('/api/auth/signup', { data: { username, password: PASSWORD } })
  expect(res.status()).toBe(201)
  await user.page.goto(path)
  return user
}

/** Waits until the editor of `page` is (or is not) editable. */
function waitForEditable(page: Page, editable: boolean, timeoutMs = 10_000) {
  return waitFor(`the editor to be ${editable ? 'editable' : 'read-only'}`, async () => (await editor(page).getAttribute('contenteditable')) === String(editable), timeoutMs, 25)
}

/** The id of the focused element, looking through shadow roots. */
function deepFocus(page: Page): Promise<string | null> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
    return el?.id ?? null
  })
}

/** The titles in the document list of `page`. */
const listed = (page: Page) => page.locator('tandem-doc-list li .title').allInnerTexts()

const SECRET = 'a shared secret of at least thirty-two characters'

/** Signs a token-mode JWT. */
function sign(claims: { sub: string; name: string; docs: Record<string, string> }, ttlSeconds = 300): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(new TextEncoder().encode(SECRET))
}

describe.skipIf(!CHROMIUM)(`accounts, sharing and tokens in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  // one browser for every mode; each mode has its own server and browser contexts
  let browser: Browser

  beforeAll(async () => {
    ensureBuilt()
    browser = await launch()
  })

  afterAll(async () => {
    await browser?.close()
  })

  describe('accounts mode', () => {
    let server: AppServer
    let alice: User
    let docId: string
    const others: User[] = []

    beforeAll(async () => {
      server = await startAppServer({}, 0, undefined, { auth: 'accounts' })
      alice = await openAs(browser, server.url, '/', NO_NAME)
    })

    afterAll(async () => {
      await Promise.all([alice, ...others].map((u) => u?.context.close()))
      await server?.close()
      server?.cleanupData()
    })

    it('signs up, signs out and signs in through the UI, and returns to where the person was going', async () => {
      const page = alice.page
      await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
      expect(await page.title()).toBe('Sign in · Tandem')
      await page.getByRole('button', { name: 'Create an account' }).click()
      await page.getByRole('textbox', { name: 'Username' }).fill('alice')
      await page.getByLabel('Password').fill('short')
      await page.getByRole('button', { name: 'Create account' }).click()
      // the server's message, as a sentence
      await page.getByRole('alert').filter({ hasText: 'Passwords are at least 8 characters.' }).waitFor()
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Create account' }).click()
      await page.getByRole('heading', { name: 'Documents' }).waitFor()

      // a document of her own; presence shows her username
      await page.getByRole('button', { name: 'New document' }).click()
      await page.waitForURL(/\/d\/[A-Za-z0-9_-]+$/)
      docId = new URL(page.url()).pathname.split('/').pop()!
      await waitForStatus(page, 'connected')
      await page.locator('input.title').fill('Team plan')
      await editor(page).click()
      await page.keyboard.type('Alice wrote this.')
      await page.locator('tandem-presence-list li.self', { hasText: 'alice' }).waitFor()
      await waitFor('the text on the server', async () => (await storedText(server.storage, docId)).includes('Alice wrote this.'))

      // sign out from the account menu; another tab with the document open is told (4401) and stops
      const otherTab = await alice.context.newPage()
      await otherTab.goto(`/d/${docId}`)
      await waitForStatus(otherTab, 'connected')
      await page.getByRole('button', { name: /^Your account \(alice\)/ }).click()
      await page.getByRole('dialog', { name: 'Your account and how others see you' }).getByRole('button', { name: 'Sign out' }).click()
      await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
      expect(await page.locator('tandem-doc-editor').count()).toBe(0)
      await otherTab.getByRole('alert').filter({ hasText: 'You were signed out, so this document was closed.' }).waitFor({ timeout: 10_000 })
      await waitForStatus(otherTab, 'closed')
      expect(await editor(otherTab).getAttribute('contenteditable')).toBe('false')
      await otherTab.getByRole('button', { name: 'Sign in again' }).click()
      await otherTab.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
      await otherTab.close()

      // signed out, the document's address shows the sign-in screen, and signing in opens it
      await page.goto(`/d/${docId}`)
      await page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
      await page.getByRole('textbox', { name: 'Username' }).fill('alice')
      await page.getByLabel('Password').fill('not her password')
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor()
      await page.getByLabel('Password').fill(PASSWORD)
      await page.getByRole('button', { name: 'Sign in', exact: true }).click()
      await waitForText(page, 'Alice wrote this.')
      await waitForStatus(page, 'connected')
      expect(new URL(page.url()).pathname).toBe(`/d/${docId}`)
      await waitForEditable(page, true)
      expect(alice.errors).toEqual([])
    })

    it('gives a viewer a read-only editor with a badge; typing reaches nobody; a new role applies live', async () => {
      const carol = await personWithAccount(browser, server, 'carol')
      others.push(carol)
      expect((await call(alice, 'PUT', `/api/docs/${docId}/access/members/carol`, { role: 'viewer' })).status).toBe(200)
      await carol.page.goto(`/d/${docId}`)
      await waitForText(carol.page, 'Alice wrote this.')
      await waitForStatus(carol.page, 'connected')
      const badge = carol.page.locator('tandem-doc-editor [part="view-only"]')
      await badge.waitFor()
      expect(await badge.innerText()).toMatch(/View only\s*alice shared this document with you as a viewer/)
      expect(await editor(carol.page).getAttribute('contenteditable')).toBe('false')
      expect(await carol.page.locator('input.title').getAttribute('readonly')).not.toBeNull()
      expect(await carol.page.locator('tandem-toolbar').getAttribute('disabled')).not.toBeNull()
      expect(await carol.page.locator('tandem-toolbar button[data-id="bold"]').getAttribute('aria-disabled')).toBe('true')
      expect((await carol.page.locator('tandem-connection-status .status').innerText()).replace(/\s+/g, ' ')).toBe('Online · Up to date')
      // presence still works both ways
      await alice.page.locator('tandem-presence-list li', { hasText: 'carol' }).waitFor()
      await carol.page.locator('tandem-presence-list li', { hasText: 'alice' }).waitFor()

      // typing into the text and the title changes nothing
      await editor(carol.page).click()
      await carol.page.keyboard.type('Sneaky edit')
      await carol.page.locator('input.title').click()
      await carol.page.keyboard.type('Sneaky title')
      // a barrier: once Alice's later edit reached Carol, Carol's typing would have reached Alice
      await editor(alice.page).click()
      await alice.page.keyboard.press('End')
      await alice.page.keyboard.type(' Barrier.')
      await waitForText(carol.page, 'Barrier.')
      expect(await text(carol.page)).not.toContain('Sneaky')
      expect(await text(alice.page)).not.toContain('Sneaky')
      expect(await carol.page.locator('input.title').inputValue()).toBe('Team plan')
      expect(await alice.page.locator('input.title').inputValue()).toBe('Team plan')
      await waitFor('the barrier on the server', async () => (await storedText(server.storage, docId)).includes('Barrier.'))
      expect(await storedText(server.storage, docId)).not.toContain('Sneaky')

      // the owner makes Carol an editor: the server closes with 4003, the editor switches
      expect((await call(alice, 'PUT', `/api/docs/${docId}/access/members/carol`, { role: 'editor' })).status).toBe(200)
      await waitForEditable(carol.page, true)
      await badge.waitFor({ state: 'detached' })
      await waitForStatus(carol.page, 'connected')
      await editor(carol.page).click()
      await carol.page.keyboard.press('End')
      await carol.page.keyboard.type(' Carol may edit now.')
      await waitForText(alice.page, 'Carol may edit now.')
      // and back to viewer
      expect((await call(alice, 'PUT', `/api/docs/${docId}/access/members/carol`, { role: 'viewer' })).status).toBe(200)
      await waitForEditable(carol.page, false)
      await badge.waitFor()
      expect(carol.errors).toEqual([])
    })

    it('grants access through the sharing dialog and revokes it: the other person is told and the document leaves their list', async () => {
      const bob = await personWithAccount(browser, server, 'bob')
      others.push(bob)
      await bob.page.getByRole('heading', { name: 'Documents' }).waitFor()
      await bob.page.locator('tandem-doc-list .empty.first').waitFor()

      const page = alice.page
      const share = page.getByRole('button', { name: 'Share' })
      await share.click()
      const dialog = page.getByRole('dialog', { name: 'Share “Team plan”' })
      await dialog.waitFor()
      // focus starts in the dialog; a mistake gets the server's words
      await waitFor('focus on the username field', async () => (await deepFocus(page)) === 'username')
      await dialog.getByRole('textbox', { name: 'Username' }).fill('nobody')
      await dialog.getByRole('button', { name: 'Add', exact: true }).click()
      await dialog.getByRole('alert').filter({ hasText: 'No user nobody.' }).waitFor()
      await dialog.getByRole('textbox', { name: 'Username' }).fill('bob')
      await dialog.getByRole('combobox', { name: 'Role', exact: true }).selectOption('editor')
      await dialog.getByRole('button', { name: 'Add', exact: true }).click()
      await dialog.getByRole('status').filter({ hasText: 'bob can now edit this document.' }).waitFor()
      await dialog.locator('li.person[data-username="bob"]').waitFor()
      expect(await dialog.locator('li.person').first().innerText()).toMatch(/^alice \(you\)\s*Owner$/)
      expect(await dialog.locator('li.person').evaluateAll((items) => items.map((li) => li.getAttribute('data-username')))).toEqual(['alice', 'carol', 'bob'])
      expect(await dialog.getByRole('combobox', { name: 'Role of bob' }).inputValue()).toBe('editor')
      // usable at 360 px: nothing sticks out of the screen
      await page.setViewportSize({ width: 360, height: 740 })
      const box = await dialog.boundingBox()
      expect(box!.x).toBeGreaterThanOrEqual(0)
      expect(box!.x + box!.width).toBeLessThanOrEqual(360)
      const widest = await dialog.evaluate((d) => Math.max(...[...d.querySelectorAll('*')].map((e) => e.getBoundingClientRect().right)))
      expect(widest).toBeLessThanOrEqual(360)
      await page.setViewportSize({ width: 1100, height: 800 })
      // Escape closes it
      await page.keyboard.press('Escape')
      await dialog.waitFor({ state: 'hidden' })

      // Bob sees the document in his list, as an editor, and edits it
      await bob.page.reload()
      await waitFor('the shared document in Bob’s list', async () => (await listed(bob.page)).includes('Team plan'))
      const item = bob.page.locator('tandem-doc-list li', { hasText: 'Team plan' })
      expect(await item.locator('.role').innerText()).toBe('Editor')
      expect(await item.getByRole('button', { name: 'Rename “Team plan”' }).count()).toBe(1)
      expect(await item.getByRole('button', { name: 'Delete “Team plan”' }).count()).toBe(0)
      await item.getByRole('link').click()
      await waitForStatus(bob.page, 'connected')
      await waitForEditable(bob.page, true)
      await editor(bob.page).click()
      await bob.page.keyboard.press('End')
      await bob.page.keyboard.type(' Bob was here.')
      await waitForText(page, 'Bob was here.')
      // a member sees who has access, read-only
      await bob.page.getByRole('button', { name: 'Share' }).click()
      const bobsView = bob.page.getByRole('dialog', { name: 'Share “Team plan”' })
      await bobsView.getByText('Only the owner, alice, can change who has access.').waitFor()
      expect(await bobsView.getByRole('combobox').count()).toBe(0)
      expect(await bobsView.getByRole('button', { name: /Remove/ }).count()).toBe(0)
      await bobsView.getByRole('button', { name: 'Close' }).click()

      // Alice removes Bob: his open editor is told and stops; the document leaves his list
      await share.click()
      await dialog.getByRole('button', { name: 'Remove bob' }).click()
      await dialog.getByRole('status').filter({ hasText: 'bob no longer has access.' }).waitFor()
      await bob.page.getByRole('alert').filter({ hasText: 'You no longer have access to this document.' }).waitFor({ timeout: 10_000 })
      await waitForStatus(bob.page, 'closed')
      expect(await editor(bob.page).getAttribute('contenteditable')).toBe('false')
      await page.keyboard.press('Escape')
      await bob.page.getByRole('link', { name: 'Back to your documents' }).click()
      await bob.page.locator('tandem-doc-list .empty.first').waitFor()
      expect(await listed(bob.page)).toEqual([])
      expect(bob.errors).toEqual([])
    })

    it('opens share links in fresh contexts with their role; a revoked link stops working', async () => {
      const page = alice.page
      await page.getByRole('button', { name: 'Share' }).click()
      const dialog = page.getByRole('dialog', { name: 'Share “Team plan”' })
      await dialog.getByRole('combobox', { name: 'New link' }).selectOption('viewer')
      await dialog.getByRole('button', { name: 'Create link' }).click()
      await dialog.locator('li.link[data-role="viewer"]').waitFor()
      await dialog.getByRole('combobox', { name: 'New link' }).selectOption('editor')
      await dialog.getByRole('button', { name: 'Create link' }).click()
      await dialog.locator('li.link[data-role="editor"]').waitFor()
      // copy to the clipboard
      await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'])
      await dialog.getByRole('button', { name: 'Copy the view link' }).click()
      await dialog.getByRole('status').filter({ hasText: 'Link copied to the clipboard.' }).waitFor()
      const viewLink = await page.evaluate(() => navigator.clipboard.readText())
      const editLink = await dialog.locator('li.link[data-role="editor"] input').inputValue()
      expect(viewLink).toMatch(new RegExp(`^${server.url}/d/${docId}\\?share=[A-Za-z0-9_-]+$`))
      await page.keyboard.press('Escape')

      // a view link: no account, a read-only editor that explains why, the secret kept in the address
      const reader = await openAs(browser, server.url, viewLink.slice(server.url.length), { name: 'Link Reader', color: '#00695c' }, { width: 360, height: 740 })
      others.push(reader)
      await waitForText(reader.page, 'Bob was here.')
      await waitForStatus(reader.page, 'connected')
      await reader.page.locator('[part="view-only"]', { hasText: 'You opened a view link' }).waitFor()
      expect(await editor(reader.page).getAttribute('contenteditable')).toBe('false')
      expect(reader.page.url()).toBe(viewLink)
      expect(await reader.page.getByRole('button', { name: 'Sign in' }).count()).toBe(1)
      await page.locator('tandem-presence-list li', { hasText: 'Link Reader' }).waitFor()

      // an edit link: no account, and it edits
      const writer = await openAs(browser, server.url, editLink.slice(server.url.length), { name: 'Link Writer', color: '#6a1b9a' })
      others.push(writer)
      await waitForStatus(writer.page, 'connected')
      await waitForEditable(writer.page, true)
      await editor(writer.page).click()
      await writer.page.keyboard.press('End')
      await writer.page.keyboard.type(' Written through a link.')
      await waitForText(page, 'Written through a link.')
      await waitForText(reader.page, 'Written through a link.')

      // revoking the edit link closes the editor that used it
      await page.getByRole('button', { name: 'Share' }).click()
      await dialog.getByRole('button', { name: 'Revoke the edit link' }).click()
      await dialog.locator('li.link[data-role="editor"]').waitFor({ state: 'detached' })
      await writer.page.getByRole('alert').filter({ hasText: 'its owner revoked it' }).waitFor({ timeout: 10_000 })
      expect(await editor(writer.page).getAttribute('contenteditable')).toBe('false')
      // the view link still works
      await waitForStatus(reader.page, 'connected')
      await page.keyboard.press('Escape')
      for (const u of [reader, writer]) expect(u.errors).toEqual([])
      expect(alice.errors).toEqual([])
    })

    it('tells an editor made a viewer while offline that the offline changes were not saved, without reconnecting over and over', async () => {
      const greta = await personWithAccount(browser, server, 'greta')
      others.push(greta)
      const id = (await call(alice, 'POST', '/api/docs', { title: 'Field notes' })).body.id as string
      expect((await call(alice, 'PUT', `/api/docs/${id}/access/members/greta`, { role: 'editor' })).status).toBe(200)
      const sockets: string[] = []
      greta.page.on('websocket', (ws) => void sockets.push(ws.url()))
      await greta.page.goto(`/d/${id}`)
      await waitForStatus(greta.page, 'connected')
      await editor(greta.page).click()
      await greta.page.keyboard.type('Written online.')
      await waitFor('the online edit saved', async () => (await status(greta.page)).text.includes('All changes saved'))

      await greta.context.setOffline(true)
      await waitForStatus(greta.page, 'offline')
      // meanwhile the owner makes Greta a viewer
      expect((await call(alice, 'PUT', `/api/docs/${id}/access/members/greta`, { role: 'viewer' })).status).toBe(200)
      await greta.page.keyboard.type(' Written offline.')
      await waitForText(greta.page, 'Written offline.')
      const socketsBefore = sockets.length
      await greta.context.setOffline(false)

      // the server dropped them: the page says so, and switches to view only
      await greta.page.getByRole('alert').filter({ hasText: 'could not be saved because your access changed' }).waitFor({ timeout: 15_000 })
      await waitForEditable(greta.page, false)
      await greta.page.getByText('View only').waitFor()
      expect((await status(greta.page)).text).toContain('Changes not saved')
      expect((await status(greta.page)).text).not.toContain('All changes saved')
      const stored = await storedText(server.storage, id)
      expect(stored).toContain('Written online.')
      expect(stored).not.toContain('Written offline.')
      // the changes stay on this page
      expect(await text(greta.page)).toContain('Written offline.')

      // the one connection stays: a change by the owner arrives live, and no other socket was opened
      expect((await call(alice, 'PATCH', `/api/docs/${id}`, { title: 'Field notes, reviewed' })).status).toBe(200)
      await waitFor('the new title to reach the viewer', async () => (await greta.page.locator('input.title').inputValue()) === 'Field notes, reviewed')
      await waitForStatus(greta.page, 'connected')
      expect(sockets.length - socketsBefore).toBe(1)
      expect((await status(greta.page)).text).not.toContain('All changes saved')
      expect(greta.errors).toEqual([])
    })
  })

  describe('several tabs of one browser', () => {
    let server: AppServer

    beforeAll(async () => {
      server = await startAppServer({}, 0, undefined, { auth: 'accounts' })
    })

    afterAll(async () => {
      await server?.close()
      server?.cleanupData()
    })

    it('after a sign-in in another tab, the other tabs make changes with the new session and reopen the document its sign-out closed', async () => {
      const hana = await personWithAccount(browser, server, 'hana')
      try {
        const id = (await call(hana, 'POST', '/api/docs', { title: 'Hana’s notes' })).body.id as string
        const first = hana.page
        const [list, doc] = await Promise.all([hana.context.newPage(), hana.context.newPage()])
        for (const page of [list, doc]) page.on('pageerror', (err) => hana.errors.push(err.message))
        await list.goto('/')
        await list.getByRole('heading', { name: 'Documents' }).waitFor()
        await doc.goto(`/d/${id}`)
        await waitForStatus(doc, 'connected')

        // signed out in the first tab: the document's tab is told; then she signs in again there
        await first.getByRole('button', { name: /^Your account \(hana\)/ }).click()
        await first.getByRole('dialog', { name: 'Your account and how others see you' }).getByRole('button', { name: 'Sign out' }).click()
        await first.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
        await doc.getByRole('alert').filter({ hasText: 'You were signed out, so this document was closed.' }).waitFor({ timeout: 10_000 })
        await first.getByRole('textbox', { name: 'Username' }).fill('hana')
        await first.getByLabel('Password').fill(PASSWORD)
        await first.getByRole('button', { name: 'Sign in', exact: true }).click()
        await first.getByRole('heading', { name: 'Documents' }).waitFor()

        // the document's tab opens the document again, editable
        await waitForStatus(doc, 'connected')
        await waitForEditable(doc, true)
        expect(await doc.getByRole('alert').count()).toBe(0)
        // the list's tab creates a document: its request carries the new session's CSRF token
        await list.getByRole('button', { name: 'New document' }).click()
        await list.waitForURL(/\/d\/[A-Za-z0-9_-]+$/, { timeout: 5_000 })
        await waitForStatus(list, 'connected')
        expect(hana.errors).toEqual([])
      } finally {
        await hana.context.close()
      }
    })

    it('a tab showing the list follows a sign-in as someone else in another tab', async () => {
      const lena = await personWithAccount(browser, server, 'lena')
      await (await personWithAccount(browser, server, 'moritz')).context.close()
      try {
        expect((await call(lena, 'POST', '/api/docs', { title: 'Lena’s diary' })).status).toBe(201)
        const first = lena.page
        const second = await lena.context.newPage()
        second.on('pageerror', (err) => lena.errors.push(err.message))
        for (const page of [first, second]) {
          await page.goto('/')
          await waitFor('her document listed', async () => (await listed(page)).includes('Lena’s diary'))
        }
        await first.getByRole('button', { name: /^Your account \(lena\)/ }).click()
        await first.getByRole('dialog', { name: 'Your account and how others see you' }).getByRole('button', { name: 'Sign out' }).click()
        await first.getByRole('textbox', { name: 'Username' }).fill('moritz')
        await first.getByLabel('Password').fill(PASSWORD)
        await first.getByRole('button', { name: 'Sign in', exact: true }).click()
        await first.locator('tandem-doc-list .empty.first').waitFor()

        // the other tab is Moritz's now, his name and his documents
        await second.getByRole('button', { name: /^Your account \(moritz\)/ }).waitFor({ timeout: 5_000 })
        await second.locator('tandem-doc-list .empty.first').waitFor({ timeout: 5_000 })
        expect(await listed(second)).toEqual([])
        expect(lena.errors).toEqual([])
      } finally {
        await lena.context.close()
      }
    })

    it('a role changed in a sharing dialog left open does not give back access removed from another', async () => {
      const ines = await personWithAccount(browser, server, 'ines')
      const jon = await personWithAccount(browser, server, 'jon')
      try {
        const id = (await call(ines, 'POST', '/api/docs', { title: 'Budget' })).body.id as string
        expect((await call(ines, 'PUT', `/api/docs/${id}/access/members/jon`, { role: 'editor' })).status).toBe(200)
        const first = ines.page
        const second = await ines.context.newPage()
        second.on('pageerror', (err) => ines.errors.push(err.message))
        const dialogs = []
        for (const page of [first, second]) {
          await page.goto(`/d/${id}`)
          await waitForStatus(page, 'connected')
          await page.getByRole('button', { name: 'Share' }).click()
          const dialog = page.getByRole('dialog', { name: 'Share “Budget”' })
          await dialog.locator('li.person[data-username="jon"]').waitFor()
          dialogs.push(dialog)
        }
        const [fresh, stale] = dialogs as [ReturnType<Page['getByRole']>, ReturnType<Page['getByRole']>]

        // removed in the first tab; the second tab's dialog still lists him, and makes him a viewer
        await fresh.getByRole('button', { name: 'Remove jon' }).click()
        await fresh.getByRole('status').filter({ hasText: 'jon no longer has access.' }).waitFor()
        await stale.getByRole('combobox', { name: 'Role of jon' }).selectOption('viewer')
        await stale.getByRole('alert').waitFor()
        await stale.locator('li.person[data-username="jon"]').waitFor({ state: 'detached' })

        // he stays out
        const access = await call(ines, 'GET', `/api/docs/${id}/access`)
        expect(access.body.members).toEqual([])
        expect((await call(jon, 'GET', `/api/docs/${id}`)).status).toBe(404)
        expect(ines.errors).toEqual([])
      } finally {
        await Promise.all([ines.context.close(), jon.context.close()])
      }
    })

    it('a sharing dialog left open shows what is true after a removal or revocation made from another', async () => {
      const olga = await personWithAccount(browser, server, 'olga')
      const pia = await personWithAccount(browser, server, 'pia')
      try {
        const id = (await call(olga, 'POST', '/api/docs', { title: 'Minutes' })).body.id as string
        expect((await call(olga, 'PUT', `/api/docs/${id}/access/members/pia`, { role: 'viewer' })).status).toBe(200)
        expect((await call(olga, 'POST', `/api/docs/${id}/access/links`, { role: 'editor' })).status).toBe(201)
        const first = olga.page
        const second = await olga.context.newPage()
        second.on('pageerror', (err) => olga.errors.push(err.message))
        const dialogs = []
        for (const page of [first, second]) {
          await page.goto(`/d/${id}`)
          await waitForStatus(page, 'connected')
          await page.getByRole('button', { name: 'Share' }).click()
          const dialog = page.getByRole('dialog', { name: 'Share “Minutes”' })
          await dialog.locator('li.link[data-role="editor"]').waitFor()
          dialogs.push(dialog)
        }
        const [fresh, stale] = dialogs as [ReturnType<Page['getByRole']>, ReturnType<Page['getByRole']>]
        // removed in one dialog, then again in the other, which still lists her: it shows she is gone
        await fresh.getByRole('button', { name: 'Remove pia' }).click()
        await fresh.locator('li.person[data-username="pia"]').waitFor({ state: 'detached' })
        await stale.getByRole('button', { name: 'Remove pia' }).click()
        await stale.getByRole('alert').filter({ hasText: 'not a member' }).waitFor()
        await stale.locator('li.person[data-username="pia"]').waitFor({ state: 'detached', timeout: 5_000 })
        // the same for a link
        await fresh.getByRole('button', { name: 'Revoke the edit link' }).click()
        await fresh.locator('li.link').waitFor({ state: 'detached' })
        await stale.getByRole('button', { name: 'Revoke the edit link' }).click()
        await stale.getByRole('alert').filter({ hasText: 'No link' }).waitFor()
        await stale.locator('li.link').waitFor({ state: 'detached', timeout: 5_000 })
        expect(olga.errors).toEqual([])
      } finally {
        await Promise.all([olga.context.close(), pia.context.close()])
      }
    })
  })

  describe('closed sign-up', () => {
    let server: AppServer

    beforeAll(async () => {
      server = await startAppServer({}, 0, undefined, { auth: 'accounts', signup: 'closed' })
    })

    afterAll(async () => {
      await server?.close()
      server?.cleanupData()
    })

    it('lets the first account (the admin) create others, says sign-up is closed, and changes passwords from the account menu', async () => {
      const root = await openAs(browser, server.url, '/', NO_NAME, { width: 360, height: 740 })
      const dana = await openAs(browser, server.url, '/', NO_NAME)
      try {
        // nobody has an account yet: the first one may sign up, and becomes the admin
        await root.page.getByRole('button', { name: 'Create an account' }).click()
        await root.page.getByRole('textbox', { name: 'Username' }).fill('root')
        await root.page.getByLabel('Password').fill(PASSWORD)
        await root.page.getByRole('button', { name: 'Create account' }).click()
        await root.page.getByRole('heading', { name: 'Documents' }).waitFor()
        await root.page.getByRole('button', { name: /^Your account \(root\)/ }).click()
        const menu = root.page.getByRole('dialog', { name: 'Your account and how others see you' })
        await menu.getByText('admin', { exact: true }).waitFor()
        await menu.getByRole('button', { name: 'Create an account' }).click()
        await menu.getByRole('textbox', { name: 'Their username' }).fill('dana')
        await menu.getByLabel('Their password').fill(PASSWORD)
        await menu.getByRole('button', { name: 'Create account' }).click()
        await menu.getByRole('status').filter({ hasText: 'Account dana created.' }).waitFor()

        // now sign-up is closed: the screen says so and offers no sign-up form
        await dana.page.reload()
        await dana.page.locator('#signup-closed', { hasText: 'Sign-up is closed on this server' }).waitFor()
        expect(await dana.page.getByRole('button', { name: 'Create an account' }).count()).toBe(0)
        await dana.page.getByRole('textbox', { name: 'Username' }).fill('dana')
        await dana.page.getByLabel('Password').fill(PASSWORD)
        await dana.page.getByRole('button', { name: 'Sign in', exact: true }).click()
        await dana.page.getByRole('heading', { name: 'Documents' }).waitFor()

        // Dana changes her password: a wrong current one is refused with the server's words
        await dana.page.getByRole('button', { name: /^Your account \(dana\)/ }).click()
        const danas = dana.page.getByRole('dialog', { name: 'Your account and how others see you' })
        await danas.getByRole('button', { name: 'Change password' }).click()
        await danas.getByLabel('Current password').fill('not it at all')
        await danas.getByLabel('New password', { exact: true }).fill('a brand new password')
        await danas.getByLabel('New password again').fill('a brand new password')
        await danas.getByRole('form', { name: 'Change password' }).getByRole('button', { name: 'Change password' }).click()
        await danas.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor()
        await danas.getByLabel('Current password').fill(PASSWORD)
        await danas.getByRole('form', { name: 'Change password' }).getByRole('button', { name: 'Change password' }).click()
        await danas.getByRole('status').filter({ hasText: 'Password changed.' }).waitFor()
        await danas.getByRole('button', { name: 'Sign out' }).click()
        await dana.page.getByRole('textbox', { name: 'Username' }).fill('dana')
        await dana.page.getByLabel('Password').fill('a brand new password')
        await dana.page.getByRole('button', { name: 'Sign in', exact: true }).click()
        await dana.page.getByRole('heading', { name: 'Documents' }).waitFor()
        expect([...root.errors, ...dana.errors]).toEqual([])
      } finally {
        await Promise.all([root.context.close(), dana.context.close()])
      }
    })
  })

  describe('token mode', () => {
    let server: AppServer

    beforeAll(async () => {
      server = await startAppServer({}, 0, undefined, { auth: 'token', jwtSecret: SECRET })
    })

    afterAll(async () => {
      await server?.close()
      server?.cleanupData()
    })

    it('loads a document\'s images with the token, in the editor and in a version\'s preview', async () => {
      const doc = await server.catalog.create('Pictures')
      const token = await sign({ sub: 'u-2', name: 'Ivy Image', docs: { [doc.id]: 'editor' } })
      const up = await fetch(`${server.url}/api/docs/${doc.id}/images`, { method: 'POST', headers: { 'Content-Type': 'image/png', Authorization: `Bearer ${token}` }, body: png(8, 8) as BodyInit })
      expect(up.status).toBe(201)
      const { url } = (await up.json()) as { url: string }
      // a first visit puts the image in; leaving, it leaves a version
      const first = await openAs(browser, server.url, `/d/${doc.id}?token=${token}`, NO_NAME)
      await waitForStatus(first.page, 'connected')
      await first.page.locator('tandem-doc-editor').evaluate((el, src) => {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        const view = (el as any).view
        view.dispatch(view.state.tr.insert(1, view.state.schema.nodes.image.create({ src, alt: 'dot' })))
      }, url)
      await waitFor('the image stored', async () => (await storedText(server.storage, doc.id)).includes('<image'))
      await first.context.close()
      await waitFor('a version', async () => server.registry.roomsOf(doc.id).length === 0 && (await server.storage.history(doc.id)).some((p) => p.kind === 'checkpoint'), 15_000)

      const ivy = await openAs(browser, server.url, `/d/${doc.id}?token=${token}`, NO_NAME)
      try {
        await waitForStatus(ivy.page, 'connected')
        const loaded = (img: Locator) => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 8)
        await waitFor('the image in the editor', () => loaded(ivy.page.locator('.ProseMirror img[alt="dot"]')))
        await ivy.page.getByRole('button', { name: 'Version history' }).click()
        const preview = ivy.page.getByRole('dialog', { name: 'Version history' }).getByLabel('Chosen version')
        await waitFor('the image in the preview', () => loaded(preview.locator('img[alt="dot"]')))
        expect(ivy.errors).toEqual([])
      } finally {
        await ivy.context.close()
      }
    })

    it('opens a document from ?token=, lists what the token allows, and explains missing and expired tokens', async () => {
      const plan = await server.catalog.create('Roadmap')
      const other = await server.catalog.create('Someone else’s')
      const token = await sign({ sub: 'u-1', name: 'Tess Token', docs: { [plan.id]: 'editor' } })
      const tess = await openAs(browser, server.url, `/d/${plan.id}?token=${token}`, NO_NAME)
      try {
        await waitForStatus(tess.page, 'connected')
        await waitForEditable(tess.page, true)
        // the token left the address bar (it stays with this tab)
        expect(tess.page.url()).toBe(`${server.url}/d/${plan.id}`)
        await tess.page.locator('tandem-presence-list li.self', { hasText: 'Tess Token' }).waitFor()
        await editor(tess.page).click()
        await tess.page.keyboard.type('Typed with a token.')
        await waitFor('the text on the server', async () => (await storedText(server.storage, plan.id)).includes('Typed with a token.'))
        // the list shows what the token opens, with the role; no sign-in anywhere
        await tess.page.getByRole('link', { name: 'All documents', exact: true }).click()
        await waitFor('the token’s documents', async () => JSON.stringify(await listed(tess.page)) === '["Roadmap"]')
        expect(await tess.page.locator('tandem-doc-list li .role').innerText()).toBe('Editor')
        expect(await tess.page.getByRole('button', { name: 'Delete “Roadmap”' }).count()).toBe(0)
        expect(await tess.page.getByRole('button', { name: 'New document' }).count()).toBe(0)
        expect(await tess.page.getByRole('button', { name: 'Sign in' }).count()).toBe(0)
        // a reload keeps working (the token is kept for this tab)
        await tess.page.reload()
        await waitFor('the list after a reload', async () => JSON.stringify(await listed(tess.page)) === '["Roadmap"]')
        expect(tess.errors).toEqual([])
      } finally {
        await tess.context.close()
      }

      // a viewer token: read-only, and the badge says why
      const viewerToken = await sign({ sub: 'u-2', name: 'Vic Viewer', docs: { '*': 'viewer' } })
      const vic = await openAs(browser, server.url, `/d/${other.id}?token=${viewerToken}`, NO_NAME)
      try {
        await waitForStatus(vic.page, 'connected')
        await vic.page.locator('[part="view-only"]', { hasText: 'Your access token lets you read this document' }).waitFor()
        expect(await editor(vic.page).getAttribute('contenteditable')).toBe('false')
      } finally {
        await vic.context.close()
      }

      // no token, or an expired one: a clear message, no sign-in form
      const nobody = await openAs(browser, server.url, `/d/${plan.id}`, NO_NAME)
      try {
        await nobody.page.getByRole('heading', { name: 'This page needs an access token' }).waitFor()
        expect(await nobody.page.getByRole('textbox', { name: 'Username' }).count()).toBe(0)
        const expired = await sign({ sub: 'u-1', name: 'Tess Token', docs: { [plan.id]: 'editor' } }, -60)
        await nobody.page.goto(`/d/${plan.id}?token=${expired}`)
        await nobody.page.getByRole('alert').filter({ hasText: 'Your access was refused: the token has expired.' }).waitFor()
      } finally {
        await nobody.context.close()
      }
    })
  })
})
