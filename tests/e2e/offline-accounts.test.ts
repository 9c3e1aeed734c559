/**
 * Offline changes and accounts in Chromium against a real server (accounts mode): changes one
 * person made offline in this browser are sent only under that person's account. When their
 * session ends before the changes went out and someone else signs in here, the other person
 * neither sends them nor sees them; they go once the first person signs in again.
 */
import { describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { waitFor } from '../helpers/wait.js'
import { type AppServer, caretTo, CHROMIUM, editor, openAs, SKIP_REASON, status, storedText, text, useBrowserAndServer, type User, waitForKeptHere, waitForSave, waitForStatus, waitForText } from './harness.js'

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
  let server: AppServer

  useBrowserAndServer((b, s) => ([browser, server] = [b, s]), {}, { auth: 'accounts' })

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

  /** Opens the account menu and presses Sign out. */
  async function pressSignOut(user: User, username: string): Promise<void> {
    const menu = user.page.getByRole('dialog', { name: 'Your account and how others see you' })
    if (!(await menu.isVisible())) await user.page.getByRole('button', { name: new RegExp(`^Your account \\(${username}\\)`) }).click()
    await menu.getByRole('button', { name: 'Sign out' }).click()
  }

  /** Whether this browser still keeps its copy of `docId`. */
  const hasCopy = (page: Page, docId: string) => page.evaluate(async (name) => (await indexedDB.databases()).some((db) => db.name === name), `tandem:${docId}`)

  it('asks before a sign-out deletes changes that could not be sent, and keeps them when the person stays', async () => {
    const olive = await person('olive2')
    const hugo = await person('hugo2')
    const docId = (await call(olive, 'POST', '/api/docs', { title: 'Budget' })).body.id as string
    expect((await call(olive, 'PUT', `/api/docs/${docId}/access/members/hugo2`, { role: 'editor' })).status).toBe(200)
    await hugo.page.goto(`/d/${docId}`)
    await waitForStatus(hugo.page, 'connected')
    await editor(hugo.page).click()
    await hugo.page.keyboard.type('Budget.')
    await waitForSave(hugo.page, 'saved')

    // offline, Hugo adds a line; Olive deletes the document meanwhile
    await hugo.context.setOffline(true)
    await waitForStatus(hugo.page, 'offline')
    await caretTo(hugo.page, 'end')
    await hugo.page.keyboard.type(' Hugo offline line.')
    await waitForKeptHere(hugo.page)
    await hugo.page.getByRole('link', { name: 'All documents', exact: true }).click()
    await hugo.page.waitForURL(/\/$/)
    expect((await call(olive, 'DELETE', `/api/docs/${docId}`)).status).toBe(204)
    await hugo.context.setOffline(false)
    const notice = hugo.page.locator('tandem-doc-list [role="alert"]').filter({ hasText: 'Budget' })
    await notice.waitFor({ timeout: 15_000 })

    // signing out would delete them: asked first, and Cancel keeps everything
    await pressSignOut(hugo, 'hugo2')
    const question = hugo.page.getByRole('dialog', { name: 'Sign out and delete unsent changes?' })
    await question.waitFor()
    expect(await question.innerText()).toMatch(/“Budget” could not be sent.*Signing out deletes them from this browser/s)
    await question.getByRole('button', { name: 'Cancel' }).click()
    await question.waitFor({ state: 'hidden' })
    await hugo.page.getByRole('button', { name: /^Your account \(hugo2\)/ }).waitFor()
    expect(await hasCopy(hugo.page, docId)).toBe(true)
    await notice.waitFor()

    // asked again, the person signs out anyway: the copy is gone
    await pressSignOut(hugo, 'hugo2')
    await question.getByRole('button', { name: 'Sign out anyway' }).click()
    await hugo.page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
    await waitFor('the copy gone from this browser', async () => !(await hasCopy(hugo.page, docId)))
    expect(hugo.errors).toEqual([])
    await Promise.all([olive.context.close(), hugo.context.close()])
  })

  it('asks before a sign-out deletes changes not sent yet, and signs out without asking once they are sent', async () => {
    const olive = await person('olive3')
    const docId = (await call(olive, 'POST', '/api/docs', { title: 'Minutes' })).body.id as string
    await olive.page.goto(`/d/${docId}`)
    await waitForStatus(olive.page, 'connected')
    await editor(olive.page).click()
    await olive.page.keyboard.type('Minutes.')
    await waitForSave(olive.page, 'saved')

    // the server takes requests but not this document's changes: its WebSocket goes nowhere
    let blocked = true
    await olive.page.routeWebSocket(/\/sync\//, (ws) => (blocked ? ws.close({ code: 1001 }) : ws.connectToServer()))
    await olive.page.reload()
    await editor(olive.page).click()
    await caretTo(olive.page, 'end')
    await olive.page.keyboard.type(' Not sent yet.')
    await waitFor('the document pending', async () => Object.keys(await pendingDocs(olive.page)).includes(docId))

    await pressSignOut(olive, 'olive3')
    const question = olive.page.getByRole('dialog', { name: 'Sign out and delete unsent changes?' })
    await question.waitFor()
    expect(await question.innerText()).toMatch(/“Minutes” have not reached the server yet.*Signing out deletes them from this browser/s)
    await question.getByRole('button', { name: 'Cancel' }).click()
    await question.waitFor({ state: 'hidden' })
    expect(Object.keys(await pendingDocs(olive.page))).toEqual([docId])

    // the connection comes back: the changes are sent, and signing out asks nothing
    blocked = false
    await olive.page.reload()
    await waitForStatus(olive.page, 'connected')
    await waitFor('the change in the store', async () => (await storedText(server.storage, docId)).includes('Minutes. Not sent yet.'), 15_000)
    await waitFor('nothing pending', async () => Object.keys(await pendingDocs(olive.page)).length === 0, 15_000)
    await pressSignOut(olive, 'olive3')
    await olive.page.getByRole('heading', { name: 'Sign in to Tandem' }).waitFor()
    expect(await question.count()).toBe(0)
    expect(olive.errors).toEqual([])
    await olive.context.close()
  })
})
