/**
 * Offline changes and accounts in Chromium against a real server (accounts mode): changes one
 * person made offline in this browser are sent only under that person's account. When their
 * session ends before the changes went out and someone else signs in here, the other person
 * neither sends them nor sees them; they go once the first person signs in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { caretTo, CHROMIUM, editor, ensureBuilt, launch, openAs, SKIP_REASON, startAppServer, status, storedText, text, waitForSave, waitForStatus, waitForText, waitForKeptHere, type User } from './harness.js'

const PASSWORD = 'correct horse battery'

/** The documents this browser remembers as holding changes the server has not confirmed. */
const pendingDocs = (page: Page) => page.evaluate(() => JSON.parse(localStorage.getItem('tandem.pending') ?? '{}') as Record<string, { account: string | null }>)

/** Signs in through the sign-in screen the page shows. */
async function signIn(page: Page, username: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Username' }).fill(username)
  await page.getByLabel('Password').fill(PASSWORD)
  await page.getByRole('button', { name: 'Sign in', exact: true }).click()
  await page.getByRole('button', { name: new RegExp(`^Your account \\(${username}\\)`) }).waitFor()
}

describe.skipIf(!CHROMIUM)(`offline changes and accounts in Chromium${CHROMIUM ? '' : ` (${SKIP_REASON})`}`, () => {
  let browser: Browser
  let server: Awaited<ReturnType<typeof startAppServer>>

  beforeAll(async () => {
    ensureBuilt()
    ;[browser, server] = await Promise.all([launch(), startAppServer({}, 0, undefined, { auth: 'accounts' })])
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
    server?.cleanupData()
  })

  /** A new person with an account, signed in, on the document list. */
  async function person(username: string): Promise<User> {
    const user = await openAs(browser, server.url, 'about:blank', { name: '', color: '' })
    expect((await user.context.request.post('/api/auth/signup', { data: { username, password: PASSWORD } })).status()).toBe(201)
    await user.page.goto('/')
    return user
  }

  /** Calls the API as `user`, with the CSRF token. */
  async function call(user: User, method: string, path: string, data?: unknown): Promise<{ status: number; body: any }> {
    const me = await (await user.context.request.get('/api/auth/me')).json()
    const res = await user.context.request.fetch(path, { method, data, headers: me.csrf ? { 'X-CSRF-Token': me.csrf } : {} })
    return { status: res.status(), body: res.status() === 204 ? null : await res.json() }
  }

  it('does not send or show one account\'s unsent offline changes to the next person who signs in here', async () => {
    const olive = await person('olive')
    const hugo = await person('hugo')
    const docId = (await call(olive, 'POST', '/api/docs', { title: 'Agenda' })).body.id as string
    expect((await call(olive, 'PUT', `/api/docs/${docId}/access/members/hugo`, { role: 'editor' })).status).toBe(200)

    await hugo.page.goto(`/d/${docId}`)
    await waitForStatus(hugo.page, 'connected')
    await editor(hugo.page).click()
    await hugo.page.keyboard.type('Agenda.')
    await waitForSave(hugo.page, 'saved')

    // offline, Hugo writes a draft and goes back to the list
    await hugo.context.setOffline(true)
    await waitForStatus(hugo.page, 'offline')
    await caretTo(hugo.page, 'end')
    await hugo.page.keyboard.type(' Hugo private draft.')
    await waitForKeptHere(hugo.page)
    await hugo.page.getByRole('link', { name: 'All documents', exact: true }).click()
    await hugo.page.waitForURL(/\/$/)

    // his session ends meanwhile (it expired); back online, this browser asks to sign in
    await hugo.context.clearCookies()
    await hugo.context.setOffline(false)
    await hugo.page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor({ timeout: 15_000 })
    expect(Object.keys(await pendingDocs(hugo.page))).toEqual([docId])

    // Olive signs in on this computer and opens the same document
    await signIn(hugo.page, 'olive')
    await hugo.page.locator('tandem-doc-list li .title').filter({ hasText: 'Agenda' }).click()
    await waitForStatus(hugo.page, 'connected')
    await waitForText(hugo.page, 'Agenda.')
    await caretTo(hugo.page, 'end')
    await hugo.page.keyboard.type(' Olive adds a line.')
    await waitForSave(hugo.page, 'saved')
    await waitFor('Olive\'s line in the store', async () => (await storedText(server.storage, docId)).includes('Olive adds a line.'), 10_000)

    // Hugo's draft went neither to the server under Olive's name nor onto Olive's screen
    expect(await storedText(server.storage, docId)).not.toContain('Hugo private draft.')
    expect(await text(hugo.page)).not.toContain('Hugo private draft.')
    expect((await pendingDocs(hugo.page))[docId]?.account).not.toBe(undefined)

    // Olive's session ends too and Hugo signs in again: his draft goes out, under his name
    await hugo.context.clearCookies()
    await hugo.page.goto('/')
    await signIn(hugo.page, 'hugo')
    await waitFor('Hugo\'s draft in the store', async () => (await storedText(server.storage, docId)).includes('Hugo private draft.'), 15_000)
    await waitFor('nothing pending', async () => Object.keys(await pendingDocs(hugo.page)).length === 0, 15_000)
    const stored = await storedText(server.storage, docId)
    expect(stored.split('Hugo private draft.').length - 1).toBe(1)
    expect(stored).toContain('Olive adds a line.')
    expect(hugo.errors).toEqual([])
    await Promise.all([olive.context.close(), hugo.context.close()])
  })
})
